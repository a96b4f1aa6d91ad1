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
sign = np.sign
fabs = np.abs
where = np.where
isinf = np.isinf


def amax(xs):
    """Elementwise largest of several arrays; nan where any is nan."""
    return np.maximum.reduce(np.broadcast_arrays(*xs))


def sigmoid(x):
    """1 / (1 + e^-x), computed without overflow on either side."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def relu(x):
    """max(x, 0) that keeps nan and -0.0."""
    return np.where(x < 0, 0.0, x)


def relu_slope(x):
    """d/dx relu(x): 0 where x <= 0, else 1."""
    return np.where(x <= 0, 0.0, 1.0)
