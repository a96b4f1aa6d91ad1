"""`gradcheck`: backward's gradients against central finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from .modes import enable_grad, no_grad
from .value import Value, real


class GradcheckError(RuntimeError):
    """Raised by `gradcheck` with a table of every mismatching input (as torch's GradcheckError)."""


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
) -> bool:
    """Check ``f``'s gradients from backward() against central differences.

    ``f`` takes one Value per input and returns a Value. For each input x_i the numeric derivative is
    (f(..., x_i + eps, ...) - f(..., x_i - eps, ...)) / (2 eps); it matches the analytic one when
    ``|analytic - numeric| <= atol + rtol * |numeric|``. Returns True, or raises `GradcheckError`
    listing each mismatch (input, analytic, numeric).
    """
    points = [x.data if isinstance(x, Value) else real(x, "gradcheck() input") for x in inputs]
    labels = [(x.label if isinstance(x, Value) else "") or f"inputs[{i}]" for i, x in enumerate(inputs)]

    def call(leaves: list[Value]) -> Value:
        out = f(*leaves)
        if not isinstance(out, Value):
            raise TypeError(f"gradcheck() needs f to return a Value, got {type(out).__name__}")
        return out

    def evaluate(values: list[float]) -> Value:
        return call([Value(v, label) for v, label in zip(values, labels)])

    leaves = [Value(v, label) for v, label in zip(points, labels)]
    with enable_grad():  # the analytic gradients need a recorded graph, even inside no_grad()
        call(leaves).backward()

    rows = []
    with no_grad():
        for i, leaf in enumerate(leaves):
            up, down = list(points), list(points)
            up[i] += eps
            down[i] -= eps
            numeric = (evaluate(up).data - evaluate(down).data) / (2 * eps)
            analytic = leaf.grad
            close = abs(analytic - numeric) <= atol + rtol * abs(numeric)
            if not close and not (math.isnan(analytic) and math.isnan(numeric)):
                rows.append((labels[i], points[i], analytic, numeric))
    if rows:
        table = "\n".join(f"  {name:>12} = {x:<12.6g} analytic {a:<14.8g} numeric {n:<14.8g}" for name, x, a, n in rows)
        raise GradcheckError(f"gradcheck: {len(rows)} of {len(leaves)} gradients differ "
                             f"(atol={atol}, rtol={rtol}, eps={eps}):\n{table}")
    return True
