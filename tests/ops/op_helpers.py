"""Helpers that op_table.py rows call in their consts/mods (constructors run in Python, before
the module is frozen; nothing here is compiled by TorchScript)."""
import torch


def bn_eval(channels: int):
    """A BatchNorm2d with non-trivial running statistics and affine parameters."""
    bn = torch.nn.BatchNorm2d(channels)
    with torch.no_grad():
        bn.running_mean.copy_(torch.randn(channels) * 0.1)
        bn.running_var.copy_(torch.rand(channels) + 0.5)
        bn.weight.copy_(torch.randn(channels))
        bn.bias.copy_(torch.randn(channels))
    return bn.eval()


# aten::__interpolate cannot be spelled inside a class body (Python mangles __names there):
# module-level functions that TorchScript compiles and inlines into the row's forward.
def aten_interpolate(x: torch.Tensor, size: list[int], mode: str) -> torch.Tensor:
    return torch.ops.aten.__interpolate(x, size=size, mode=mode)


def aten_interpolate_scale(x: torch.Tensor, scale: list[float], mode: str) -> torch.Tensor:
    return torch.ops.aten.__interpolate(x, scale_factor=scale, mode=mode, align_corners=False)
