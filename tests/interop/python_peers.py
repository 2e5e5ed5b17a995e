"""Python side of tests/interop/python_peers.sh (one mode per call)."""
import sys

import torch

mode, fp32_path, out = sys.argv[1], sys.argv[2], sys.argv[3]
fp32 = torch.jit.load(fp32_path).eval()
torch.manual_seed(0)
x = torch.randn(32, 1, 28, 28)
with torch.no_grad():
    if mode == "kiln-int8":
        int8 = torch.jit.load(out).eval()
        a, b = fp32(x), int8(x)
        agree = (a.argmax(1) == b.argmax(1)).float().mean().item()
        assert agree >= 0.9, f"argmax agreement {agree}"
        assert (a - b).abs().max().item() < 0.1 * a.abs().max().item()
        assert "quantized::linear_dynamic" in str(int8.graph) or "linear_dynamic" in str(int8.inlined_graph)
    elif mode == "python-int8":
        # Python's recipe from the seminar, on an nn.Module wrapping the same weights.
        class Net(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1, self.conv2 = torch.nn.Conv2d(1, 32, 3), torch.nn.Conv2d(32, 64, 3)
                self.bn1, self.bn2 = torch.nn.BatchNorm2d(32), torch.nn.BatchNorm2d(64)
                self.fc1, self.fc2 = torch.nn.Linear(9216, 128), torch.nn.Linear(128, 10)

            def forward(self, x):
                x = torch.relu(self.bn1(self.conv1(x)))
                x = torch.max_pool2d(torch.relu(self.bn2(self.conv2(x))), 2)
                return self.fc2(torch.relu(self.fc1(torch.flatten(x, 1))))

        net = Net()
        net.load_state_dict({k: v for k, v in fp32.state_dict().items() if k in net.state_dict()}, strict=False)
        net.eval()
        q = torch.ao.quantization.quantize_dynamic(net, {torch.nn.Linear}, dtype=torch.qint8)
        torch.jit.save(torch.jit.script(q), out)
    elif mode == "torch-onnx-export":
        torch.onnx.export(fp32, x[:1], out, input_names=["input"], output_names=["output"],
                          dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}}, opset_version=13, dynamo=False)
    else:
        raise SystemExit(f"unknown mode {mode}")
print(mode, "ok")
