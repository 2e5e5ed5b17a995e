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


def quantized(module, out_scale: float = 0.05, out_zero_point: int = 64):
    """A torch.ao quantized module (Conv*, ConvTranspose*, Linear, their ReLU fusions) with random
    int8 weights (per tensor, scale 0.02), a random bias and the given output qparams (its
    default weights are zeros, which any exporter passes)."""
    torch.manual_seed(1)
    w = module.weight()
    qw = torch.quantize_per_tensor(torch.randn(w.shape) * 0.3, 0.02, 0, torch.qint8)
    b = module.bias()
    module.set_weight_bias(qw, None if b is None else torch.randn(b.shape) * 0.1)
    module.scale = out_scale
    module.zero_point = out_zero_point
    return module.eval()


def qnorm(module):
    """A quantized LayerNorm/GroupNorm/InstanceNorm with non-trivial affine parameters (output
    qparams are constructor arguments)."""
    with torch.no_grad():
        if getattr(module, "weight", None) is not None:
            module.weight.copy_(torch.randn(module.weight.shape))
            module.bias.copy_(torch.randn(module.bias.shape) * 0.1)
    return module.eval()


def dynamic_linear(module):
    """A dynamically quantized Linear (LinearReLU) with random int8 weights and a bias."""
    torch.manual_seed(1)
    qw = torch.quantize_per_tensor(torch.randn(module.weight().shape) * 0.3, 0.02, 0, torch.qint8)
    module.set_weight_bias(qw, torch.randn(module.weight().shape[0]) * 0.1)
    return module.eval()


def pair(x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Returns a tuple, so that the caller unpacks it (prim::TupleUnpack after inlining)."""
    return x + 1.0, x * 2.0
