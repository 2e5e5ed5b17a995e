"""What glibc's mmap threshold costs LibTorch on this machine (bench/RESULTS.md, session 10):
evaluates a simple_cnn-shaped network on 1000 random 28x28 images, 2 threads, with oneDNN on and
off, after mallopt(M_MMAP_THRESHOLD, A) and mallopt(M_TRIM_THRESHOLD, B) (none given: glibc's
defaults). Mean of two runs after one warm-up.

  scripts/toolchain.sh run python3 bench/torch_malloc_threshold.py [A B]
  e.g. ... 33554432 1073741824 (kiln before session 10), 268435456 1073741824 (kiln-torch now)
"""
import ctypes
import sys
import time

import torch

if len(sys.argv) == 3:
    libc = ctypes.CDLL("libc.so.6")
    M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
    ok = libc.mallopt(M_MMAP_THRESHOLD, int(sys.argv[1])), libc.mallopt(M_TRIM_THRESHOLD, int(sys.argv[2]))
    print(f"mallopt mmap {sys.argv[1]} trim {sys.argv[2]}: accepted {ok}")
torch.set_num_threads(2)
nn = torch.nn
model = nn.Sequential(nn.Conv2d(1, 32, 3), nn.BatchNorm2d(32), nn.ReLU(), nn.Conv2d(32, 64, 3),
                      nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(),
                      nn.Linear(9216, 128), nn.ReLU(), nn.Linear(128, 10)).eval()
x = torch.randn(1000, 1, 28, 28)
for onednn in (True, False):
    with torch.no_grad(), torch.backends.mkldnn.flags(enabled=onednn):
        model(x)
        t0 = time.perf_counter()
        model(x)
        model(x)
        print(f"oneDNN {'on' if onednn else 'off'}: {(time.perf_counter() - t0) / 2:.3f} s per 1000 images")
