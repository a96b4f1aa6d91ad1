"""Anomaly detection: find the first operation that makes a nan or an inf, forward or backward."""

from __future__ import annotations

import math
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from . import floatmath
from .modes import anomaly_var, mode

if TYPE_CHECKING:
    from .ops import Operation
    from .value import Value


class AnomalyError(FloatingPointError):
    """Raised inside `detect_anomaly()` by the first operation that makes a nan or an inf.

    Attributes: ``op`` (the operation's name), ``operands`` (their values), ``labels`` (theirs).
    """

    def __init__(self, message: str, op: str, operands: tuple[float, ...], labels: tuple[str, ...]):
        super().__init__(message)
        self.op = op
        self.operands = operands
        self.labels = labels


def detect_anomaly() -> AbstractContextManager[None]:
    """Raise `AnomalyError` at the first operation whose forward turns finite operands into nan or
    inf, or whose backward turns a finite gradient into a nan one. Slower; for debugging."""
    return mode(anomaly_var, True)


def _raise(what: str, operation: type[Operation], parents: tuple[Value, ...]) -> None:
    operands = tuple(p.data for p in parents)
    labels = tuple(p.label for p in parents)
    shown = ", ".join(f"{p.label or '?'}={p.data!r}" for p in parents)
    raise AnomalyError(f"operation '{operation.name}' {what} (operands: {shown})", operation.name, operands, labels)


def check_forward(operation: type[Operation], data: float, parents: tuple[Value, ...]) -> None:
    """Raise if finite operands gave a non-finite output."""
    if not math.isfinite(data) and all(math.isfinite(p.data) for p in parents):
        _raise(f"produced {data!r} from finite operands", operation, parents)


def check_backward(node: Value, shares: tuple[float, ...]) -> None:
    """Raise if this node's chain-rule step turned a finite gradient into a nan one."""
    g = node.grad
    if math.isnan(g):
        return
    parents = node.parents
    for i, (parent, share) in enumerate(zip(parents, shares)):
        # A constant's gradient is never used: x**2 at x < 0 has d/d2 = x^2 ln x = nan, harmlessly.
        if not parent.is_constant and math.isnan(share):
            local = node.operation.backward(floatmath, 1.0, node.data, *[p.data for p in parents])[i]
            _raise(f"gave a nan gradient for operand {parent.label or '?'}={parent.data!r} "
                   f"(upstream gradient {g!r}, local derivative {local!r})", node.operation, parents)
