"""Random convolution cases and PyTorch float64's answers for them: the oracle of tests/test_conv.py.

A case is a Conv1d or Conv2d layer (random channels, kernel, stride, padding), an input x, the
layer's weights and bias, and an upstream gradient r; the loss is L = sum r * z over every output
z = conv(x). PyTorch's ``torch.nn.functional.conv1d``/``conv2d`` gives z and dL/dweight, dL/dbias,
dL/dx. tests/fixtures/make_conv_golden.py writes such cases to tests/fixtures/conv_golden.json; the
test compares the engine with the fixture always, and with live torch when it is installed.
"""

from __future__ import annotations

import random
from typing import Any


def random_case(rng: random.Random, dims: int) -> dict[str, Any]:
    """Shapes, strides and paddings (output at least 1 wide) and normal random numbers, as nested lists."""
    kernel = [rng.randint(1, 4) for _ in range(dims)]
    stride = [rng.randint(1, 3) for _ in range(dims)]
    padding = [rng.randint(0, min(2, k)) for k in kernel]
    size = [rng.randint(max(1, k - 2 * p), 7) for k, p in zip(kernel, padding)]
    c_in, c_out = rng.randint(1, 3), rng.randint(1, 3)

    def normal(*shape: int) -> Any:
        if not shape:
            return rng.gauss(0.0, 1.0)
        return [normal(*shape[1:]) for _ in range(shape[0])]

    out = [(n + 2 * p - k) // s + 1 for n, k, s, p in zip(size, kernel, stride, padding)]
    return {"dims": dims, "in_channels": c_in, "out_channels": c_out, "kernel_size": kernel, "stride": stride,
            "padding": padding, "x": normal(c_in, *size), "weight": normal(c_out, c_in, *kernel),
            "bias": normal(c_out), "upstream": normal(c_out, *out)}


def torch_answers(case: dict[str, Any]) -> dict[str, Any]:
    """z, dL/dweight, dL/dbias, dL/dx by torch.nn.functional.conv1d/conv2d in float64 (unbatched input)."""
    import torch

    conv = getattr(torch.nn.functional, f"conv{case['dims']}d")
    x, w, b = (torch.tensor(case[k], dtype=torch.float64, requires_grad=True) for k in ("x", "weight", "bias"))
    z = conv(x, w, b, stride=case["stride"], padding=case["padding"])
    (z * torch.tensor(case["upstream"], dtype=torch.float64)).sum().backward()
    return {"z": z.tolist(), "grad_weight": w.grad.tolist(), "grad_bias": b.grad.tolist(), "grad_x": x.grad.tolist()}
