"""IEEE-754 float64 elementary functions for Python floats: the numeric namespace of the scalar engine.

The operation table (`autograd_lite.ops`) writes every forward value and gradient in terms of a
namespace ``xp`` of elementary functions. This module is ``xp`` for Python floats;
`autograd_lite.arraymath` is ``xp`` for numpy arrays (the batched replay), with the same names.
Both follow IEEE arithmetic as PyTorch float64 does, where Python's own would raise instead:

- ``math.exp(1000)`` raises OverflowError; IEEE gives ``inf``.
- ``math.log(0)`` raises ValueError; IEEE gives ``-inf`` (and ``nan`` below zero).
- ``1 / 0.0`` raises ZeroDivisionError; IEEE gives ``inf`` (``nan`` for ``0 / 0``).
- ``(-8.0) ** (1/3)`` is a complex number in Python; IEEE ``pow`` gives ``nan``.

Plain ``+ - *`` on floats already follow IEEE, so the table uses the operators for those.
"""

from __future__ import annotations

import math

inf = math.inf
nan = math.nan


def div(a: float, b: float) -> float:
    """a / b with IEEE division by zero: +-inf for a != 0 (sign of a times sign of b), nan for 0/0."""
    try:
        return a / b
    except ZeroDivisionError:
        if a != a or a == 0.0:
            return nan
        return math.copysign(inf, a) * math.copysign(1.0, b)


def _is_odd_integer(b: float) -> bool:
    return math.isfinite(b) and b == math.floor(b) and math.fmod(b, 2.0) != 0.0


def pow(a: float, b: float) -> float:  # noqa: A001 - the namespace mirrors numpy's names
    """a ** b as C's pow: nan for a negative base with a non-integer exponent, +-inf on overflow
    and for zero to a negative power (the sign of zero kept for odd integer exponents)."""
    try:
        return math.pow(a, b)
    except ValueError:  # a < 0 with fractional b, or a == 0 with b < 0
        if a == 0.0:
            return math.copysign(inf, a) if _is_odd_integer(b) else inf
        return nan
    except OverflowError:
        return -inf if a < 0.0 and _is_odd_integer(b) else inf


def exp(x: float) -> float:
    """e ** x, inf on overflow."""
    try:
        return math.exp(x)
    except OverflowError:
        return inf


def log(x: float) -> float:
    """Natural log: -inf at 0, nan below 0 and for nan."""
    if x > 0.0:
        return math.log(x)
    if x == 0.0:
        return -inf
    return nan


def sqrt(x: float) -> float:
    """Square root: nan below 0 (sqrt(-0.0) = -0.0 as in IEEE)."""
    return math.sqrt(x) if x >= 0.0 else nan


tanh = math.tanh


def sigmoid(x: float) -> float:
    """1 / (1 + e^-x), PyTorch's formula on both sides (0 below about -709, where e^-x overflows)."""
    return 1.0 / (1.0 + exp(-x))


def one_minus_square(y: float) -> float:
    """1 - y^2 rounded once, as a fused multiply-add fma(-y, y, 1) does (PyTorch's tanh backward).

    y^2 = p + e exactly, with p = fl(y*y) and its rounding error e from Veltkamp's split of y into
    halves of 26 bits; math.fsum rounds the exact sum 1 - p - e once. (math.fma is Python 3.13+.)
    """
    p = y * y
    c = 134217729.0 * y  # 2^27 + 1
    hi = c - (c - y)
    lo = y - hi
    return math.fsum((1.0, -p, -(((hi * hi - p) + 2.0 * hi * lo) + lo * lo)))


def relu(x: float) -> float:
    """max(x, 0) that keeps nan and -0.0 (as torch.relu does)."""
    return 0.0 if x < 0.0 else x


def sign(x: float) -> float:
    """-1, 0 or 1; sign(0) = 0 makes d/dx |x| = 0 at 0, and sign(nan) = 0 as PyTorch's sgn."""
    if x > 0.0:
        return 1.0
    if x < 0.0:
        return -1.0
    return 0.0


fabs = abs
isinf = math.isinf


def amax(xs: tuple[float, ...]) -> float:
    """The largest of several floats; nan if any is nan (Python's max() would skip it by order)."""
    for x in xs:
        if x != x:
            return nan
    return max(xs)


def where(condition: bool, if_true: float, if_false: float) -> float:
    """Pick one of two already computed values (numpy.where for scalars)."""
    return if_true if condition else if_false
