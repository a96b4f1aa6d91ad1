"""The numeric namespace of the batched replay: the functions of `autograd_lite.floatmath`, for
numpy arrays.

The operation table calls the same names on either namespace, so each operation's forward value
and local derivatives are written once and serve Python floats and numpy arrays alike. numpy is
imported only when this module is, and follows IEEE arithmetic already: the floating-point warnings
it would print for inf and nan are silenced by the caller (see `autograd_lite.replay`).
"""

from __future__ import annotations

import numpy as np

inf = np.inf
nan = np.nan

div = np.divide
pow = np.power  # noqa: A001 - same names as floatmath
exp = np.exp
log = np.log
sqrt = np.sqrt
tanh = np.tanh
fabs = np.abs
where = np.where
isinf = np.isinf


def amax(xs):
    """Elementwise largest of several arrays; nan where any is nan."""
    return np.maximum.reduce(np.broadcast_arrays(*xs))


def sign(x):
    """-1, 0 or 1; 0 at nan, as PyTorch's sgn."""
    return np.where(np.isnan(x), 0.0, np.sign(x))


def sigmoid(x):
    """1 / (1 + e^-x), PyTorch's formula (e^-x overflowing to inf gives 0)."""
    return 1.0 / (1.0 + np.exp(-x))


def one_minus_square(y):
    """1 - y^2 with one rounding, as floatmath.one_minus_square: y^2 = p + e exactly (Veltkamp's
    split), 1 - p is exact where p >= 1/2 (Sterbenz) and otherwise carries its own error t (Fast2Sum),
    and the pieces are added smallest first."""
    p = y * y
    c = 134217729.0 * y
    hi = c - (c - y)
    lo = y - hi
    e = ((hi * hi - p) + 2.0 * hi * lo) + lo * lo
    s = 1.0 - p
    t = (1.0 - s) - p
    return s + (t - e)


def relu(x):
    """max(x, 0) that keeps nan and -0.0."""
    return np.where(x < 0, 0.0, x)
