"""The table of operations: the one place where autograd_lite's mathematics lives.

Each operation is a small class with two static methods, as in minitorch:

- ``forward(m, *x)`` computes the output value from the operand values ``x``;
- ``backward(m, out, *x)`` returns the local derivatives ``d out / d x_i``, one per operand.

``m`` is a numeric namespace: `autograd_lite.floatmath` for Python floats (the scalar engine),
`autograd_lite.arraymath` for numpy arrays (the batched replay). The chain rule itself, the same
for every operation, lives in `autograd_lite.backward`: ``dL/dx_i += d out/d x_i * dL/d out``.

Beside the numbers each operation carries its mathematics as text, for people: ``expr`` shows the
output in terms of its operands (``{0}``, ``{1}``, ...) and ``local`` shows each local derivative
(``{out}`` is the output). The stepper and the diagrams print these; they never recompute them.

Local derivatives at the edges match PyTorch float64: relu'(0) = 0, |x|'(0) = 0,
d/da a**b = 0 when b = 0, d/db a**b = 0 when a = 0 and b >= 0.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class Op:
    """An operation: a forward value and its local derivatives, plus their formulas as text."""

    name: str = ""  # Value.op of the nodes it makes
    symbol: str = ""  # the short sign a diagram draws on the operation's node
    expr: str = ""  # the output in terms of the operands {0}, {1}, ...
    local: tuple[str, ...] = ()  # d out / d operand_i, as text; {out} is the output

    @staticmethod
    def forward(m: Any, *x: Any) -> Any:
        raise NotImplementedError

    @staticmethod
    def backward(m: Any, out: Any, *x: Any) -> tuple:
        raise NotImplementedError

    @classmethod
    def describe(cls, names: Sequence[str], out: str) -> tuple[str, tuple[str, ...]]:
        """The output's formula and each local derivative, with operand names filled in."""
        return (cls.expr.format(*names, out=out), tuple(t.format(*names, out=out) for t in cls.local))


class Add(Op):
    """a + b;  d/da = 1, d/db = 1."""

    name, symbol, expr, local = "+", "+", "{0} + {1}", ("1", "1")

    @staticmethod
    def forward(m, a, b):
        return a + b

    @staticmethod
    def backward(m, out, a, b):
        return (1.0, 1.0)


class Sub(Op):
    """a - b;  d/da = 1, d/db = -1."""

    name, symbol, expr, local = "-", "-", "{0} - {1}", ("1", "-1")

    @staticmethod
    def forward(m, a, b):
        return a - b

    @staticmethod
    def backward(m, out, a, b):
        return (1.0, -1.0)


class Mul(Op):
    """a * b;  d/da = b, d/db = a."""

    name, symbol, expr, local = "*", "*", "{0} * {1}", ("{1}", "{0}")

    @staticmethod
    def forward(m, a, b):
        return a * b

    @staticmethod
    def backward(m, out, a, b):
        return (b, a)


class Div(Op):
    """a / b;  d/da = 1/b, d/db = -a/b^2, computed as -out/b (as PyTorch): b^2 itself would
    overflow or underflow for |b| beyond about 1e154 or below 1e-154 where a/b^2 does not."""

    name, symbol, expr, local = "/", "/", "{0} / {1}", ("1/{1}", "-{0}/{1}^2")

    @staticmethod
    def forward(m, a, b):
        return m.div(a, b)

    @staticmethod
    def backward(m, out, a, b):
        return (m.div(1.0, b), -m.div(out, b))


class Neg(Op):
    """-a;  d/da = -1."""

    name, symbol, expr, local = "neg", "-", "-{0}", ("-1",)

    @staticmethod
    def forward(m, a):
        return -a

    @staticmethod
    def backward(m, out, a):
        return (-1.0,)


class Pow(Op):
    """a ** b;  d/da = b a^(b-1) (0 when b = 0), d/db = a^b ln a (0 when a = 0 and b >= 0)."""

    name, symbol, expr, local = "**", "**", "{0}^{1}", ("{1} * {0}^({1} - 1)", "{out} * ln {0}")

    @staticmethod
    def forward(m, a, b):
        return m.pow(a, b)

    @staticmethod
    def backward(m, out, a, b):
        d_base = m.where(b == 0.0, 0.0, b * m.pow(a, b - 1.0))
        d_exponent = m.where((a == 0.0) & (b >= 0.0), 0.0, out * m.log(a))
        return (d_base, d_exponent)


class Abs(Op):
    """|a|;  d/da = sign(a) (0 at a = 0)."""

    name, symbol, expr, local = "abs", "abs", "|{0}|", ("sign({0})",)

    @staticmethod
    def forward(m, a):
        return m.fabs(a)

    @staticmethod
    def backward(m, out, a):
        return (m.sign(a),)


class Exp(Op):
    """e^a;  d/da = e^a."""

    name, symbol, expr, local = "exp", "exp", "exp({0})", ("{out}",)

    @staticmethod
    def forward(m, a):
        return m.exp(a)

    @staticmethod
    def backward(m, out, a):
        return (out,)


class Log(Op):
    """ln a;  d/da = 1/a."""

    name, symbol, expr, local = "log", "log", "ln({0})", ("1/{0}",)

    @staticmethod
    def forward(m, a):
        return m.log(a)

    @staticmethod
    def backward(m, out, a):
        return (m.div(1.0, a),)


class Tanh(Op):
    """tanh(a);  d/da tanh(a) = 1 - tanh(a)^2."""

    name, symbol, expr, local = "tanh", "tanh", "tanh({0})", ("1 - {out}^2",)

    @staticmethod
    def forward(m, a):
        return m.tanh(a)

    @staticmethod
    def backward(m, out, a):
        return (1.0 - out * out,)


class Sigmoid(Op):
    """sigma(a) = 1 / (1 + e^-a);  d/da sigma(a) = sigma(a) (1 - sigma(a))."""

    name, symbol, expr, local = "sigmoid", "σ", "σ({0})", ("{out} * (1 - {out})",)

    @staticmethod
    def forward(m, a):
        return m.sigmoid(a)

    @staticmethod
    def backward(m, out, a):
        return (out * (1.0 - out),)


class Relu(Op):
    """relu(a) = max(a, 0);  d/da = 1 if a > 0 else 0."""

    name, symbol, expr, local = "relu", "relu", "relu({0})", ("[{0} > 0]",)

    @staticmethod
    def forward(m, a):
        return m.relu(a)

    @staticmethod
    def backward(m, out, a):
        return (m.relu_slope(a),)


class Sqrt(Op):
    """sqrt(a);  d/da = 1 / (2 sqrt(a))."""

    name, symbol, expr, local = "sqrt", "√", "sqrt({0})", ("1/(2 {out})",)

    @staticmethod
    def forward(m, a):
        return m.sqrt(a)

    @staticmethod
    def backward(m, out, a):
        return (m.div(1.0, 2.0 * out),)


class WeightedSum(Op):
    """z = sum_k w_k a_k + b, a neuron's pre-activation as one node.

    Operands in order: w_1..w_n, a_1..a_n, b. Local derivatives: dz/dw_k = a_k, dz/da_k = w_k,
    dz/db = 1 -- the documents' dC/dw^l_jk = a^(l-1)_k delta^l_j, read off one node.
    """

    name, symbol = "wsum", "Σ"

    @staticmethod
    def forward(m, *x):
        n = len(x) // 2
        z = x[-1]
        for k in range(n):
            z = z + x[k] * x[n + k]
        return z

    @staticmethod
    def backward(m, out, *x):
        n = len(x) // 2
        return x[n:2 * n] + x[:n] + (1.0,)

    @classmethod
    def describe(cls, names, out):
        n = len(names) // 2
        terms = [f"{names[k]}*{names[n + k]}" for k in range(n)]
        return (" + ".join([*terms, names[-1]]), tuple(names[n:2 * n]) + tuple(names[:n]) + ("1",))


class LogSumExp(Op):
    """log(sum_i e^(x_i)), computed stably;  d/dx_i = e^(x_i - out) (the softmax of x).

    The shift by max_i x_i that keeps e^x from overflowing is inside the operation, so the graph's
    structure never depends on which operand is largest (the batched replay relies on that).
    """

    name, symbol = "logsumexp", "LSE"

    @staticmethod
    def forward(m, *x):
        top = m.amax(x)
        shift = m.where(m.isinf(top), 0.0, top)  # all -inf, or an inf operand: no shift, as torch
        total = 0.0
        for xi in x:
            total = total + m.exp(xi - shift)
        return shift + m.log(total)

    @staticmethod
    def backward(m, out, *x):
        return tuple(m.exp(xi - out) for xi in x)

    @classmethod
    def describe(cls, names, out):
        return (f"log({' + '.join(f'exp({n})' for n in names)})", tuple(f"exp({n} - {out})" for n in names))


#: Every operation by name (Value.op): what the diagrams, the stepper, the checks and the replay
#: look operations up in.
OPS: dict[str, type[Op]] = {
    op.name: op
    for op in (Add, Sub, Mul, Div, Neg, Pow, Abs, Exp, Log, Tanh, Sigmoid, Relu, Sqrt, WeightedSum, LogSumExp)
}
