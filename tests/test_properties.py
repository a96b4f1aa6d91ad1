"""Random expression graphs over every operation: gradients against central differences, and value and
every input gradient against live PyTorch float64 (when torch is installed).

A graph is a little program: inputs x_0..x_{n-1}, then steps, each an operation of the table applied
to earlier nodes (inputs or steps, any of them, repeats allowed: x*x, one node feeding many) or to
constants; the output is the sum of all steps, so every step counts. Operands are kept where each
operation is smooth and well conditioned by building guards from the same operations (log and sqrt
of u*u + 1/4, a positive denominator, base sigmoid(u) + 1/2) and by rejecting graphs where abs or
relu sit near their kink or a value leaves [-1e3, 1e3].
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import pytest
from graphs import programs as steps_over
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autograd_lite import OPS, Value, gradcheck
from autograd_lite.value import apply, constant

# Every operation must be known to `run`'s domain rules below (log and sqrt get positive operands...).
KNOWN = {"neg", "abs", "exp", "log", "tanh", "sigmoid", "relu", "sqrt", "+", "-", "*", "/", "**", "wsum", "logsumexp"}
assert KNOWN == set(OPS), "a new operation needs a place in run()'s domain rules"

KINK = 1e-2  # abs and relu operands closer to 0 than this are rejected
BOUND = 1e3  # every node's value stays within +-BOUND

Operand = int | float  # an earlier node's index, or a constant


@st.composite
def programs(draw) -> tuple[list[float], list[tuple[str, tuple[Operand, ...]]]]:
    n = draw(st.integers(1, 4))
    inputs = draw(st.lists(st.floats(-2.0, 2.0), min_size=n, max_size=n))
    return inputs, draw(steps_over(n))


def run(program, leaves: list[Any], call: Callable[..., Any], const: Callable[[float], Any],
        value: Callable[[Any], float]) -> tuple[Any, bool]:
    """Build the program's graph with `call(op name, *operands)`; return the output and whether every
    operation stayed in its smooth domain (judged by `value` of the operands)."""
    _, steps = program
    nodes = list(leaves)
    ok = True

    def positive(u):  # u*u + 1/4 > 0
        return call("+", call("*", u, u), const(0.25))

    for op, operands in steps:
        xs = [nodes[o] if isinstance(o, int) else const(o) for o in operands]  # numbers as constants
        if op in ("log", "sqrt"):
            xs = [positive(xs[0])]
        elif op == "/":
            xs = [xs[0], positive(xs[1])]
        elif op == "**":
            xs = [call("+", call("sigmoid", xs[0]), const(0.5)), xs[1]]
        elif op in ("abs", "relu"):
            ok &= abs(value(xs[0])) > KINK
        out = call(op, *xs)
        ok &= math.isfinite(value(out)) and abs(value(out)) <= BOUND
        nodes.append(out)
    total = nodes[len(leaves)]
    for node in nodes[len(leaves) + 1:]:
        total = call("+", total, node)
    return total, ok


def engine_call(op: str, *xs: Any) -> Value:
    return apply(OPS[op], *xs)


def build(program, leaves: list[Value]) -> tuple[Value, bool]:
    return run(program, leaves, engine_call, constant, lambda v: v.data)


@settings(max_examples=150, deadline=None)
@given(programs())
def test_gradients_match_central_differences(program):
    inputs, _ = program
    _, ok = build(program, [Value(x) for x in inputs])
    assume(ok)
    assert gradcheck(lambda *leaves: build(program, list(leaves))[0], inputs, eps=1e-6, atol=1e-5, rtol=1e-4)


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=150, deadline=None)
@given(programs())
def test_value_and_gradients_match_pytorch(program):
    torch = pytest.importorskip("torch")
    from torch_oracle import TORCH_OPS

    inputs, _ = program
    leaves = [Value(x) for x in inputs]
    out, ok = build(program, leaves)
    assume(ok)
    out.backward()

    tensors = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    t_out, _ = run(program, tensors, lambda op, *xs: TORCH_OPS[op](*xs),
                   lambda c: torch.tensor(c, dtype=torch.float64), lambda t: t.item())
    if t_out.requires_grad:  # else the output depends on constants only
        t_out.backward()
    want = [0.0 if t.grad is None else t.grad.item() for t in tensors]
    assert close(out.data, t_out.item()), (out.data, t_out.item())
    assert all(close(leaf.grad, w) for leaf, w in zip(leaves, want)), ([leaf.grad for leaf in leaves], want)
