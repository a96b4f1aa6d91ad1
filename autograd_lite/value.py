"""`Value`: one scalar node of a computation graph.

A Value holds a float (``data``), the gradient of the last ``backward()`` with respect to it
(``grad``), an optional ``label``, and -- when an operation made it -- that operation and its
operands (``parents``). The mathematics of every operation is in `autograd_lite.ops`; this module
only builds nodes with it. A node refers to its parents and never to itself or its children, so a
graph has no reference cycles and is freed by reference counting as soon as it is dropped.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from . import floatmath as fm
from . import ops
from .anomaly import check_forward
from .modes import modes

if TYPE_CHECKING:
    from .stepper import BackwardStepper


def _as_float(data: Any, who: str = "Value()") -> float:
    """The float of a real number, or a TypeError naming what was given instead."""
    if isinstance(data, numbers.Real) and not isinstance(data, Value):
        try:
            return float(data)
        except OverflowError:  # an int or Fraction beyond 1.8e308: say which call got it
            raise OverflowError(f"{who} takes a real number, got {type(data).__name__} too large "
                                f"for a float (above 1.8e308)") from None
    # numpy booleans and 0-d numeric arrays are real numbers too, though not numbers.Real.
    kind = getattr(getattr(data, "dtype", None), "kind", None)
    if kind in ("b", "i", "u", "f") and getattr(data, "ndim", None) == 0:
        return float(data)
    if isinstance(data, Value):
        raise TypeError(f"{who} takes a real number, got a Value ({data!r}); "
                        "use value.detach() for a new leaf with the same data")
    raise TypeError(f"{who} takes a real number, got {data!r} of type {type(data).__name__}")


def _binary_operators(fn: type[ops.Op]) -> tuple[Callable[[Value, Any], Value], ...]:
    """The operator and its reflected form (``x * 2`` and ``2 * x``) for a two-operand operation."""
    forward = fn.forward

    def operator(self: Value, other: Any) -> Value:
        if type(other) is not Value:
            try:
                other = lift(other)
            except TypeError:
                return NotImplemented
        return make(fn, forward(fm, self.data, other.data), (self, other))

    def reflected(self: Value, other: Any) -> Value:
        try:
            other = lift(other)
        except TypeError:
            return NotImplemented
        return make(fn, forward(fm, other.data, self.data), (other, self))

    operator.__doc__ = reflected.__doc__ = fn.__doc__
    return operator, reflected


def _unary_operator(fn: type[ops.Op]) -> Callable[[Value], Value]:
    forward = fn.forward

    def operator(self: Value) -> Value:
        return make(fn, forward(fm, self.data), (self,))

    operator.__doc__ = fn.__doc__
    operator.__name__ = fn.name
    return operator


class Value:
    """A scalar in a computation graph, with reverse-mode gradients.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad            # d/dx (x^2 + 3x) = 2x + 3
    7.0
    """

    __slots__ = ("data", "grad", "label", "parents", "_fn")
    # numpy must hand `np.float64(2) * x` to Value.__rmul__ instead of building an object array.
    __array_ufunc__ = None
    is_constant = False

    def __init__(self, data: Any, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {label!r} of type {type(label).__name__}")
        self.data: float = data if type(data) is float else _as_float(data)
        self.grad: float = 0.0
        self.label: str = label
        self.parents: tuple[Value, ...] = ()
        self._fn: type[ops.Op] | None = None

    @property
    def operation(self) -> type[ops.Op] | None:
        """The operation of the table (`autograd_lite.ops`) that made this node; None for a leaf."""
        return self._fn

    @property
    def op(self) -> str:
        """The name of the operation that made this node ("" for a leaf)."""
        return self._fn.name if self._fn is not None else ""

    @property
    def is_leaf(self) -> bool:
        """True for a node no recorded operation made: its ``grad`` accumulates across backward calls."""
        return self._fn is None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def item(self) -> float:
        """The data as a Python float."""
        return self.data

    __float__ = item

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self.data, self.label)

    # -- operations: each is its entry of the table (autograd_lite.ops) applied to Values -------
    # Numbers mixed in become constant leaves; other types give Python's own "unsupported operand".
    __add__, __radd__ = _binary_operators(ops.Add)
    __sub__, __rsub__ = _binary_operators(ops.Sub)
    __mul__, __rmul__ = _binary_operators(ops.Mul)
    __truediv__, __rtruediv__ = _binary_operators(ops.Div)
    __pow__, __rpow__ = _binary_operators(ops.Pow)
    __neg__ = _unary_operator(ops.Neg)
    __abs__ = abs = _unary_operator(ops.Abs)
    exp = _unary_operator(ops.Exp)
    log = _unary_operator(ops.Log)
    tanh = _unary_operator(ops.Tanh)
    sigmoid = _unary_operator(ops.Sigmoid)
    relu = _unary_operator(ops.Relu)
    sqrt = _unary_operator(ops.Sqrt)

    # -- gradients (implemented in autograd_lite.backward) ---------------------------------
    def backward(self, grad: float = 1.0) -> None:
        """Backpropagate from this node: every node it depends on gets ``grad = dself/dnode * grad``.

        As in PyTorch, leaves *accumulate* into ``.grad`` across calls until zeroed, while interior
        nodes hold exactly this call's gradient: two calls double the leaves' grads and nothing else.
        Iterative, linear in the number of nodes: any depth works.
        """
        from .backward import backward

        backward(self, grad)

    def backward_steps(self, grad: float = 1.0) -> BackwardStepper:
        """A backward pass from this node to step through one node at a time (`BackwardStepper`):
        ``s = loss.backward_steps(); s.step()`` prints one node's chain-rule update with its numbers."""
        from .stepper import BackwardStepper

        return BackwardStepper(self, grad)


class Const(Value):
    """A constant leaf: what a plain number mixed into an operation becomes (the 2 in ``2 * x``)."""

    __slots__ = ()
    is_constant = True


_new = object.__new__


def make(fn: type[ops.Op], data: float, parents: tuple[Value, ...]) -> Value:
    """The node `fn` made from `parents` with value `data`; a leaf under `no_grad()`."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.parents = parents
    out._fn = fn
    if modes.plain:
        return out
    if modes.anomaly:
        check_forward(fn, data, parents)
    if not modes.grad_enabled:
        out.parents = ()
        out._fn = None
    return out


def lift(x: Any) -> Value:
    """x itself if it is a Value, else a constant leaf holding it."""
    if isinstance(x, Value):
        return x
    c = _new(Const)
    c.data = x if type(x) is float else _as_float(x, "an operation with a Value")
    c.grad = 0.0
    c.label = ""
    c.parents = ()
    c._fn = None
    return c


def apply(fn: type[ops.Op], *operands: Any) -> Value:
    """Apply any operation of the table to Values or numbers (n-ary operations included)."""
    parents = tuple(lift(x) for x in operands)
    return make(fn, fn.forward(fm, *(p.data for p in parents)), parents)


def weighted_sum(weights: Sequence[Any], inputs: Sequence[Any], bias: Any = 0.0) -> Value:
    """z = sum_k w_k a_k + b as a single node (a neuron's pre-activation).

    Its local derivatives are dz/dw_k = a_k, dz/da_k = w_k, dz/db = 1.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"weighted_sum() needs as many weights as inputs, got {len(weights)} and {len(inputs)}")
    return apply(ops.WeightedSum, *weights, *inputs, bias)


def logsumexp(xs: Sequence[Any]) -> Value:
    """log(sum_i e^(x_i)) as a single, numerically stable node; d/dx_i = softmax(x)_i."""
    if len(xs) == 0:
        raise ValueError("logsumexp() needs at least one operand")
    return apply(ops.LogSumExp, *xs)
