"""Input and PyTorch reference output of kernels.mlir (run by lit)."""
import sys

import numpy as np
import torch
import torch.nn.functional as F

out = sys.argv[1]
np.random.seed(0)
x = np.random.randn(1, 3, 6, 6).astype(np.float32)
np.save(out + "/x.npy", x)
w = torch.tensor([[[[1, -2, 3], [4, 5, -6], [7, 8, 9]], [[1, 1, 1]] * 3,
                   [[-1, -1, -1], [2, 2, 2], [0, 0, 0]]],
                  [[[127, 0, 0], [0, 0, 0], [0, 0, 0]],
                   [[0, 0, 0], [0, -128, 0], [0, 0, 0]],
                   [[0, 0, 0], [0, 0, 0], [0, 0, 5]]],
                  [[[3] * 3] * 3] * 3,
                  [[[0, 0, 0], [0, 9, 0], [0, 0, 0]], [[0] * 3] * 3, [[0] * 3] * 3]],
                 dtype=torch.float32)
s = torch.tensor([1e-2, 2e-2, 3e-2, 4e-2])
xq = torch.quantize_per_tensor(torch.from_numpy(x), 0.05, 62, torch.quint8)
y = F.relu(F.conv2d(xq.dequantize(), w * s.view(4, 1, 1, 1),
                    torch.tensor([0.5, -0.25, 0.0, 1.0]), padding=1))
yq = torch.quantize_per_tensor(y, 0.02, 0, torch.quint8)
np.save(out + "/ref.npy", F.max_pool2d(yq, 2).dequantize().numpy())
