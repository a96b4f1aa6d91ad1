"""`Value`: one scalar node of a computation graph.

A Value holds a float (``data``), the gradient of the last ``backward()`` with respect to it
(``grad``), an optional ``label``, and -- when an operation made it -- that operation (an entry of
the table in `autograd_lite.ops`) and its operands (``parents``). This module only builds nodes;
the mathematics is in the table, the chain rule in `autograd_lite.backward`.

A node refers to its operands and never to itself or its consumers, so a graph has no reference
cycles and is freed by reference counting as soon as it is dropped. The operands are kept in two
slots, not a tuple, and a number mixed in (the 0.5 in ``y * 0.5``) stays a float in its slot: one
object per node instead of two or three is the largest saving of time and memory in the engine
(see benchmarks/designs.py). ``parents`` builds the tuple when asked, and makes a folded number
the constant leaf (`Const`) the stepper and the diagrams show.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from . import floatmath, specialise
from .anomaly import check_forward
from .backward import backward as backpropagate
from .modes import anomaly, grad_enabled_var, plain
from .ops import (
    OPERATIONS,
    Abs,
    Add,
    Div,
    Exp,
    Log,
    LogSumExp,
    Mul,
    Neg,
    Operation,
    Pow,
    Relu,
    Sigmoid,
    Sqrt,
    Sub,
    Tanh,
    WeightedSum,
)

if TYPE_CHECKING:
    from .stepper import BackwardStepper


def real(x: Any, who: str = "Value()") -> float:
    """The float of a real number, or a TypeError naming what was given instead."""
    if isinstance(x, numbers.Real) and not isinstance(x, Value):
        try:
            return float(x)
        except OverflowError:  # an int or Fraction beyond 1.8e308: say which call got it
            raise OverflowError(f"{who} takes a real number, got {type(x).__name__} too large "
                                f"for a float (above 1.8e308)") from None
    # numpy booleans and 0-d numeric arrays are real numbers too, though not numbers.Real.
    kind = getattr(getattr(x, "dtype", None), "kind", None)
    if kind in ("b", "i", "u", "f") and getattr(x, "ndim", None) == 0:
        return float(x)
    if isinstance(x, Value):
        raise TypeError(f"{who} takes a real number, got a Value ({x!r}); "
                        "use value.detach() for a new leaf with the same data")
    raise TypeError(f"{who} takes a real number, got {x!r} of type {type(x).__name__}")


#: Numbers for the nodes operations make, in the order they are made, as PyTorch's ``sequence_nr``:
#: a node is made after its operands, so its number is larger than theirs, and the backward pass
#: visits nodes newest first (`autograd_lite.backward.backward_order`). It is the one thing shared
#: between threads; itertools.count is atomic under the GIL, and the numbers only order nodes.
sequence = itertools.count(1)

#: The global names of the code generated from the table (`autograd_lite.specialise`). It is made
#: before `Value`, which binds it as its operators; the names it uses that are defined further down
#: (Value, constant, node, apply) are added at the end of this module -- a function looks its
#: global names up when it runs.
generated: dict[str, Any] = {"sequence": sequence}
specialise.install(OPERATIONS.values(), generated)


class Value:
    """A scalar in a computation graph, with reverse-mode gradients.

    >>> x = Value(2.0, label="x")
    >>> y = x * x + 3 * x
    >>> y.backward()
    >>> x.grad            # d/dx (x^2 + 3x) = 2x + 3
    7.0
    """

    # _data and _grad sit behind the `data` and `grad` properties, which check what is assigned;
    # the engine itself reads and writes the slots. _a and _b hold the operands: a unary node uses
    # _a (its _b is None), a binary one both, an n-ary one (wsum, logsumexp) keeps them all as a
    # tuple in _a.
    # _sequence numbers the nodes operations make in the order they are made (`sequence`).
    __slots__ = ("_data", "_grad", "label", "operation", "_a", "_b", "_sequence")
    # numpy must hand `np.float64(2) * x` to Value.__rmul__ instead of building an object array.
    __array_ufunc__ = None
    is_constant = False

    def __init__(self, data: Any, label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Value() label must be a str, got {label!r} of type {type(label).__name__}")
        self._data: float = data if type(data) is float else real(data)
        self._grad: float = 0.0
        self.label: str = label
        self.operation: type[Operation] | None = None

    @property
    def data(self) -> float:
        """The value, a float. Assigning a non-real number raises TypeError, as ``Value()`` does."""
        return self._data

    @data.setter
    def data(self, x: Any) -> None:
        self._data = x if type(x) is float else real(x, "Value.data")

    @property
    def grad(self) -> float:
        """dL/d(this node) after ``L.backward()``; 0.0 before. ``grad = None`` resets it to 0.0 (what
        PyTorch's ``zero_grad(set_to_none=True)`` means: no gradient yet)."""
        return self._grad

    @grad.setter
    def grad(self, g: Any) -> None:
        self._grad = 0.0 if g is None else g if type(g) is float else real(g, "Value.grad")

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operands of the operation that made this node, in order (``()`` for a leaf)."""
        return operands(self)

    @property
    def op(self) -> str:
        """The name of the operation that made this node ("" for a leaf)."""
        return self.operation.name if self.operation is not None else ""

    @property
    def is_leaf(self) -> bool:
        """True for a node no recorded operation made: its ``grad`` accumulates across backward calls."""
        return self.operation is None

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self._data!r}, grad={self._grad!r}{label})"

    def item(self) -> float:
        """The data as a Python float."""
        return self._data

    __float__ = item

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from this graph."""
        return Value(self._data, self.label)

    # -- operations: each is its row of the table (autograd_lite.ops) -----------------------------
    # ``x * y`` calls ``Mul.apply(x, y)``, which builds the node x * y with code generated from the
    # table's row (``print(autograd_lite.specialise.source(Mul))`` shows it): bound as the operator
    # itself, not called from a method, it costs one Python call per node instead of two (a tenth
    # of a chain's time). A number mixed in is folded into the node (or becomes a constant leaf);
    # any other type gives Python's own "unsupported operand" error (apply returns NotImplemented).
    # ``2 * x`` is Python's reflected call ``x.__rmul__(2)``, which hands the operands back in order.
    __add__ = Add.apply
    __sub__ = Sub.apply
    __mul__ = Mul.apply
    __truediv__ = Div.apply
    __pow__ = Pow.apply
    __neg__ = Neg.apply
    __abs__ = abs = Abs.apply
    exp = Exp.apply
    log = Log.apply
    tanh = Tanh.apply
    sigmoid = Sigmoid.apply
    relu = Relu.apply
    sqrt = Sqrt.apply

    def __radd__(self, other: Any) -> Value:
        return Add.apply(other, self)

    def __rsub__(self, other: Any) -> Value:
        return Sub.apply(other, self)

    def __rmul__(self, other: Any) -> Value:
        return Mul.apply(other, self)

    def __rtruediv__(self, other: Any) -> Value:
        return Div.apply(other, self)

    def __rpow__(self, other: Any) -> Value:
        return Pow.apply(other, self)

    # -- gradients -------------------------------------------------------------------------------
    def backward(self, grad: float = 1.0) -> None:
        """Backpropagate from this node: every node it depends on gets ``grad = dself/dnode * grad``.

        As in PyTorch, leaves *accumulate* into ``.grad`` across calls until zeroed, while interior
        nodes hold exactly this call's gradient: two calls double the leaves' grads and nothing else.
        Iterative, linear in the number of nodes: any depth works. See `autograd_lite.backward`.
        """
        backpropagate(self, grad if type(grad) is float else real(grad, "backward(grad=...)"))

    def backward_steps(self, grad: float = 1.0, *, fresh: bool = False, **options: Any) -> BackwardStepper:
        """A backward pass from this node to step through one node at a time (`BackwardStepper`,
        which takes the ``options``): ``s = loss.backward_steps(); print(s.step())`` shows one
        node's chain-rule update with its numbers. ``fresh=True`` zeroes every grad first (leaves
        otherwise accumulate onto an earlier backward's, as in PyTorch)."""
        from .stepper import BackwardStepper  # a teaching tool built on the engine, not part of it

        return BackwardStepper(self, grad, fresh=fresh, **options)


class Const(Value):
    """A constant leaf: what a plain number mixed into an operation becomes (the 2 in ``2 * x``)."""

    __slots__ = ()
    is_constant = True


_new = object.__new__


def constant(x: Any) -> Value:
    """x itself if it is a Value, else a constant leaf holding it."""
    if isinstance(x, Value):
        return x
    c = _new(Const)
    c._data = x if type(x) is float else real(x, "an operation with a Value")
    c._grad = 0.0
    c.label = ""
    c.operation = None
    return c


def operands(node: Value) -> tuple[Value, ...]:
    """`node`'s operands in order. A number folded into the node (kept as a float in its slot, see
    `autograd_lite.specialise`) becomes its constant leaf here, once: later calls return the same one."""
    operation = node.operation
    if operation is None:
        return ()
    if operation.arity == 1:
        return (node._a,)
    if operation.arity is None:
        return node._a
    if type(node._a) is float:
        node._a = constant(node._a)
    if type(node._b) is float:
        node._b = constant(node._b)
    return (node._a, node._b)


def node(operation: type[Operation], data: float, a: Any, b: Any = None) -> Value:
    """The node `operation` made, with value `data` and operands `a` (and `b`, or a tuple of them in
    `a`): the one place nodes are built. Under `no_grad()` it records nothing and is a leaf."""
    out = _new(Value)
    out._data = data
    out._grad = 0.0
    out.label = ""
    if not plain():  # checking, or not recording: rarely
        if anomaly():
            check_forward(operation, data, tuple(map(constant, (a, b))) if operation.arity == 2 else
                          (a,) if operation.arity == 1 else a)
        if not grad_enabled_var.get():
            out.operation = None
            return out
    out.operation = operation
    out._a = a
    out._b = b
    out._sequence = next(sequence)
    return out


def apply(operation: type[Operation], *operands: Any) -> Value:
    """Any operation of the table applied to Values or numbers (n-ary operations included)."""
    if operation.arity is not None and len(operands) != operation.arity:
        raise TypeError(f"operation '{operation.name}' takes {operation.arity} operands, got {len(operands)}")
    # A neuron's weighted sum has 2n + 1 operands, nearly all Values: no call for those.
    parents = tuple([x if type(x) is Value else constant(x) for x in operands])
    data = operation.forward(floatmath, *[p._data for p in parents])
    if operation.arity is None:
        return node(operation, data, parents)
    return node(operation, data, *parents)


generated.update(Value=Value, constant=constant, node=node, general_apply=apply)


def weighted_sum(weights: Sequence[Any], inputs: Sequence[Any], bias: Any = 0.0) -> Value:
    """z = sum_k w_k a_k + b as a single node (a neuron's pre-activation).

    Its local derivatives are dz/dw_k = a_k, dz/da_k = w_k, dz/db = 1.
    """
    if len(weights) != len(inputs):
        raise ValueError(f"weighted_sum() needs as many weights as inputs, got {len(weights)} and {len(inputs)}")
    return apply(WeightedSum, *weights, *inputs, bias)


def logsumexp(xs: Sequence[Any]) -> Value:
    """log(sum_i e^(x_i)) as a single, numerically stable node; d/dx_i = softmax(x)_i."""
    if len(xs) == 0:
        raise ValueError("logsumexp() needs at least one operand")
    return apply(LogSumExp, *xs)
