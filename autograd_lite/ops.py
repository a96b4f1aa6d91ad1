"""The table of operations: the one place where autograd_lite's mathematics lives.

Each operation is a row of the table: a small class, as in minitorch, whose header gives its name
and formulas (below) and whose body holds two functions, called through the class
(``Exp.forward(xp, x)``; no instance is ever made, so they take no ``self``):

- ``forward(xp, *x)`` computes the output from the operand values ``x``;
- ``backward(xp, grad, out, *x)`` returns each operand's share of the gradient,
  ``grad * d out / d x_i``, given the output's gradient ``grad`` and value ``out``.

The chain rule itself, the same for every operation, is written once, in `autograd_lite.backward`:
``x_i.grad += share_i``. A *local derivative* ``d out / d x_i`` is the share for ``grad = 1``
(`autograd_lite.backward.local_gradients`); the stepper prints those.

``backward`` takes ``grad`` rather than returning bare local derivatives so that each operation can
apply it as PyTorch float64 does, to the bit: ``grad / b`` stays finite where ``(1 / b) * grad``
overflows at a subnormal ``b``, and relu *selects* ``grad`` or 0 where ``0 * grad`` would turn a nan
or infinite upstream gradient into a nan.

``xp`` is a numeric namespace (DeZero's name for "numpy or cupy"): `autograd_lite.floatmath` for
Python floats (the scalar engine), `autograd_lite.arraymath` for numpy arrays (the batched replay).
The two define the same names, so one table serves both.

Beside the code, each operation states its mathematics once, as text for people: ``expr`` shows the
output in terms of its operands (``{0}``, ``{1}``, ...) and ``local`` each local derivative (``{out}``
is the output). The class docstring is made from them; the stepper and the diagrams print them;
tests/test_op_text.py evaluates every ``local`` text at random points against ``backward``.
Nothing is said twice: the diagram's ``symbol`` is the name unless given, and ``arity`` is read off
``forward``'s parameters.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from typing import Any


class Operation:
    """An operation: a forward value and each operand's gradient share, plus their formulas as text."""

    name: str = ""  # Value.op of the nodes it makes
    symbol: str = ""  # the short sign a diagram draws on the operation's node (the name unless given)
    arity: int | None = None  # how many operands forward takes; None: any number (wsum, logsumexp)
    expr: str = ""  # the output in terms of the operands {0}, {1}, ...
    local: tuple[str, ...] = ()  # d out / d operand_i, as text; {out} is the output
    note: str = ""  # why the code computes it the way it does, where that is not obvious
    # Given to every operation when autograd_lite.value is imported, generated from forward and
    # backward by autograd_lite.specialise: the node made from operands, and the chain-rule step.
    apply: Callable[..., Any]
    chain_rule: Callable[[Any], tuple]

    def __init_subclass__(cls, name: str | None = None, symbol: str | None = None, expr: str | None = None,
                          local: tuple[str, ...] | None = None) -> None:
        """Take the row of the class header, ``class Exp(Operation, name="exp", expr=..., local=...)``;
        what it does not give, the class body or the parent class does."""
        row = {"name": name, "symbol": symbol or name, "expr": expr, "local": local}
        for attribute, value in row.items():
            if value is not None:
                setattr(cls, attribute, value)
        operands = list(inspect.signature(cls.forward).parameters.values())[1:]  # after xp
        cls.arity = None if any(p.kind is p.VAR_POSITIONAL for p in operands) else len(operands)
        if cls.local:  # the docstring says the text once more, never a second time by hand
            names = "abcdefgh"[:len(cls.local)]
            derivatives = ", ".join(f"d/d{n} = {t.format(*names, out='out')}" for n, t in zip(names, cls.local))
            cls.__doc__ = f"out = {cls.expr.format(*names)};  {derivatives}." + (f"\n\n{cls.note}" if cls.note else "")

    def forward(xp: Any, *x: Any) -> Any:
        raise NotImplementedError

    def backward(xp: Any, grad: Any, out: Any, *x: Any) -> tuple:
        raise NotImplementedError

    @classmethod
    def describe(cls, names: Sequence[str], out: str) -> tuple[str, tuple[str, ...]]:
        """The output's formula and each local derivative, with operand names filled in."""
        return (cls.expr.format(*names, out=out), tuple(t.format(*names, out=out) for t in cls.local))


class Add(Operation, name="+", expr="{0} + {1}", local=("1", "1")):
    def forward(xp, a, b): return a + b
    def backward(xp, grad, out, a, b): return (grad, grad)


class Sub(Operation, name="-", expr="{0} - {1}", local=("1", "-1")):
    def forward(xp, a, b): return a - b
    def backward(xp, grad, out, a, b): return (grad, -grad)


class Mul(Operation, name="*", expr="{0} * {1}", local=("{1}", "{0}")):
    def forward(xp, a, b): return a * b
    def backward(xp, grad, out, a, b): return (grad * b, grad * a)


class Div(Operation, name="/", expr="{0} / {1}", local=("1/{1}", "-{out}/{1}")):
    note = ("d/db = -a/b^2, computed as -out/b, as PyTorch does: b^2 itself would overflow or underflow "
            "for |b| beyond about 1e154 or below 1e-154 where a/b^2 does not.")
    def forward(xp, a, b): return xp.div(a, b)
    def backward(xp, grad, out, a, b): return (xp.div(grad, b), -grad * xp.div(out, b))


class Neg(Operation, name="neg", symbol="-", expr="-{0}", local=("-1",)):
    def forward(xp, a): return -a
    def backward(xp, grad, out, a): return (-grad,)


class Pow(Operation, name="**", expr="{0}^{1}", local=("{1} * {0}^({1} - 1)", "{out} * ln({0})")):
    note = ("As in PyTorch, d/da is 0 where b = 0 whatever the upstream gradient, and d/db is 0 where "
            "a = 0 and b >= 0 (the limits).")
    def forward(xp, a, b): return xp.pow(a, b)

    def backward(xp, grad, out, a, b):
        d_base = xp.where(b == 0.0, 0.0, grad * (b * xp.pow(a, b - 1.0)))
        d_exponent = grad * xp.where((a == 0.0) & (b >= 0.0), 0.0, out * xp.log(a))
        return (d_base, d_exponent)


class Abs(Operation, name="abs", expr="|{0}|", local=("sign({0})",)):
    note = "sign(0) = 0 and, as in PyTorch, sign(nan) = 0."
    def forward(xp, a): return xp.fabs(a)
    def backward(xp, grad, out, a): return (grad * xp.sign(a),)


class Exp(Operation, name="exp", expr="exp({0})", local=("{out}",)):
    def forward(xp, a): return xp.exp(a)
    def backward(xp, grad, out, a): return (grad * out,)


class Log(Operation, name="log", expr="ln({0})", local=("1/{0}",)):
    def forward(xp, a): return xp.log(a)
    def backward(xp, grad, out, a): return (xp.div(grad, a),)


class Tanh(Operation, name="tanh", expr="tanh({0})", local=("1 - {out}^2",)):
    note = "1 - out^2 is rounded once (a fused multiply-add), as PyTorch's CPU kernel computes it."
    def forward(xp, a): return xp.tanh(a)
    def backward(xp, grad, out, a): return (grad * xp.one_minus_square(out),)


class Sigmoid(Operation, name="sigmoid", symbol="σ", expr="σ({0})", local=("{out} * (1 - {out})",)):
    def forward(xp, a): return xp.sigmoid(a)
    def backward(xp, grad, out, a): return (grad * (1.0 - out) * out,)


class Relu(Operation, name="relu", expr="relu({0})", local=("[{0} > 0]",)):
    note = ("The gradient is selected, not multiplied, as PyTorch's threshold_backward: 0 where out <= 0 "
            "(so relu'(0) = 0) even for a nan or infinite upstream gradient.")
    def forward(xp, a): return xp.relu(a)
    def backward(xp, grad, out, a): return (xp.where(out <= 0.0, 0.0, grad),)


class Sqrt(Operation, name="sqrt", symbol="√", expr="sqrt({0})", local=("1/(2*{out})",)):
    def forward(xp, a): return xp.sqrt(a)
    def backward(xp, grad, out, a): return (xp.div(grad, 2.0 * out),)


class WeightedSum(Operation, name="wsum", symbol="Σ"):
    """z = sum_k w_k a_k + b, a neuron's pre-activation as one node.

    Operands in order: w_1..w_n, a_1..a_n, b. Local derivatives: dz/dw_k = a_k, dz/da_k = w_k,
    dz/db = 1 -- the documents' dL/dw^l_jk = a^(l-1)_k delta^l_j, read off one node.
    """

    def forward(xp, *x):
        n = len(x) // 2
        z = x[-1]
        for k in range(n):
            z = z + x[k] * x[n + k]
        return z

    def backward(xp, grad, out, *x):
        n = len(x) // 2
        return tuple(grad * a for a in x[n:2 * n]) + tuple(grad * w for w in x[:n]) + (grad,)

    @classmethod
    def describe(cls, names, out):
        n = len(names) // 2
        terms = [f"{names[k]}*{names[n + k]}" for k in range(n)]
        return (" + ".join([*terms, names[-1]]), tuple(names[n:2 * n]) + tuple(names[:n]) + ("1",))


class LogSumExp(Operation, name="logsumexp", symbol="LSE"):
    """log(sum_i e^(x_i)), computed stably;  d/dx_i = e^(x_i - out) (the softmax of x).

    The shift by max_i x_i that keeps e^x from overflowing is inside the operation, so the graph's
    structure never depends on which operand is largest (the batched replay relies on that).
    """

    def forward(xp, *x):
        top = xp.amax(x)
        shift = xp.where(xp.isinf(top), 0.0, top)  # all -inf, or an inf operand: no shift, as torch
        total = 0.0
        for xi in x:
            total = total + xp.exp(xi - shift)
        return shift + xp.log(total)

    def backward(xp, grad, out, *x):
        return tuple(grad * xp.exp(xi - out) for xi in x)

    @classmethod
    def describe(cls, names, out):
        return (f"log({' + '.join(f'exp({n})' for n in names)})", tuple(f"exp({n} - {out})" for n in names))


#: Every operation by name (Value.op): what the diagrams, the stepper, the checks and the replay
#: look operations up in.
OPERATIONS: dict[str, type[Operation]] = {
    op.name: op
    for op in (Add, Sub, Mul, Div, Neg, Pow, Abs, Exp, Log, Tanh, Sigmoid, Relu, Sqrt, WeightedSum, LogSumExp)
}

# The names of the first release, kept for code that imports them.
Op = Operation
OPS = OPERATIONS
