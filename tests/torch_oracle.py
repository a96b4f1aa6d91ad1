"""Each operation of `autograd_lite.ops.OPS` written with PyTorch: the oracle of the golden fixture
(tests/fixtures/make_torch_golden.py) and of the live property tests. Importing it needs torch."""

from __future__ import annotations

import torch


def _wsum(*x):
    # z = b + w_1 a_1 + ... + w_n a_n, summed in the engine's order so rounding agrees term by term.
    n = len(x) // 2
    z = x[-1]
    for k in range(n):
        z = z + x[k] * x[n + k]
    return z


TORCH_OPS = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": torch.pow,
    "neg": torch.neg,
    "abs": torch.abs,
    "exp": torch.exp,
    "log": torch.log,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "relu": torch.relu,
    "sqrt": torch.sqrt,
    "wsum": _wsum,
    "logsumexp": lambda *x: torch.logsumexp(torch.stack(x), 0),
}

#: Operations with exactly two operands; the others of the table but wsum and logsumexp take one.
BINARY = {"+", "-", "*", "/", "**"}
