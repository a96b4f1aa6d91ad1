"""Losses over a batch, built from the engine's operations, numerically stable.

``outputs`` is a list over the batch of per-sample outputs (one Value, or a list of Values);
``targets`` a list over the batch of per-sample targets (numbers or Values). Each loss returns the
MEAN over the batch of the per-sample loss, L = (1/B) sum_s L_s(a^L, y), as PyTorch's
``reduction="mean"``, so its gradient is the mean over the samples of the per-sample gradients. The
mean is one node: the engine's weighted sum with weights 1/B. Each loss declares it: its
``reduction`` attribute is "mean" (see `batch_reduction`), which `nn.batched` reads.

Per sample (s: a score or logit, z: a vector of logits):

- ``mse``:                  L_s = (1/n) sum_i (a_i - y_i)^2
- ``binary_cross_entropy``: L_s = log(1 + e^s) - y s     (from a logit; log(1 + e^s) = logsumexp(0, s))
- ``cross_entropy``:        L_s = logsumexp(z) - z_y, or sum_c p_c (logsumexp(z) - z_c) for probabilities p
- ``hinge``:                L_s = max(0, 1 - y s), y in {-1, +1}                      (micrograd's demo)

logsumexp is the engine's stable n-ary operation, so no loss overflows for large logits and the
graph's structure never depends on the data.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from autograd_lite import Value, logsumexp, weighted_sum

from .module import is_list_like

LossFunction = TypeVar("LossFunction", bound=Callable[..., Any])
REDUCTIONS = ("mean", "sum")


def batch_reduction(reduction: str) -> Callable[[LossFunction], LossFunction]:
    """Declare how a loss combines its batch: "mean" (L = (1/B) sum_s L_s) or "sum" (L = sum_s L_s),
    as PyTorch's ``reduction=``. It sets the loss's ``reduction`` attribute, which `nn.batched` reads
    to replay one sample's graph over a whole batch; a loss of your own can declare it too::

        @nn.losses.batch_reduction("sum")
        def summed_mse(outputs, targets): ...
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"reduction must be one of {REDUCTIONS}, got {reduction!r}")

    def declare(loss: LossFunction) -> LossFunction:
        loss.reduction = reduction  # type: ignore[attr-defined]
        return loss

    return declare


def _mean(terms: list[Value]) -> Value:
    """(1/B) sum_i terms_i as one weighted-sum node."""
    if len(terms) == 1:
        return terms[0]
    return weighted_sum([1.0 / len(terms)] * len(terms), terms, 0.0)


def _batch(name: str, outputs: Any, targets: Any) -> None:
    for what, seq in (("outputs", outputs), ("targets", targets)):
        if isinstance(seq, Value) or not is_list_like(seq):
            raise TypeError(f"{name}() takes {what} as a list over the batch, got {type(seq).__name__}")
    if len(outputs) == 0:
        raise ValueError(f"{name}() needs a non-empty batch")
    if len(outputs) != len(targets):
        raise ValueError(f"{name}(): {len(outputs)} outputs but {len(targets)} targets")


def _vector(name: str, i: int, x: Any, target: bool = False) -> list[Any]:
    """A sample's outputs (or its targets) as a list (a single Value or number is a list of one)."""
    if isinstance(x, (Value, numbers.Real)):
        return [x]
    if not is_list_like(x) or len(x) == 0:
        what = "target {} must be a number or a non-empty list of numbers" if target else \
            "sample {} must be a Value or a non-empty list of Values"
        raise TypeError(f"{name}(): {what.format(i)}, got {x!r} of type {type(x).__name__}")
    return list(x)


def _scalar(name: str, i: int, x: Any) -> Any:
    """A sample's single score: a Value/number, or a list holding one."""
    v = _vector(name, i, x)
    if len(v) != 1:
        raise ValueError(f"{name}() takes one score per sample, sample {i} has {len(v)}")
    return v[0]


def _target(name: str, i: int, y: Any, allowed: str, ok: Any = None) -> Any:
    """A number or Value target; numbers must be finite and pass `ok` (else ValueError naming `allowed`)."""
    if isinstance(y, Value):
        return y
    if isinstance(y, bool) or not isinstance(y, numbers.Real):
        raise TypeError(f"{name}(): target {i} must be a number or a Value, got {y!r}")
    try:
        finite = math.isfinite(y)
    except OverflowError:  # an int beyond 1.8e308
        raise ValueError(f"{name}(): target {i} is too large for a float; targets must be {allowed}") from None
    if not finite or (ok is not None and not ok(y)):
        raise ValueError(f"{name}(): target {i} is {y!r}; targets must be {allowed}")
    return y


@batch_reduction("mean")
def mse(outputs: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Mean squared error: mean over the batch of (1/n) sum_i (a_i - y_i)^2 (torch's MSELoss)."""
    _batch("mse", outputs, targets)
    terms = []
    for i, (out, y) in enumerate(zip(outputs, targets)):
        a, t = _vector("mse", i, out), _vector("mse", i, y, target=True)
        if len(a) != len(t):
            raise ValueError(f"mse(): sample {i} has {len(a)} outputs but {len(t)} targets")
        squares = []
        for a_k, t_k in zip(a, t):
            d = a_k - _target("mse", i, t_k, "finite numbers")
            squares.append(d * d)  # d*d rather than d**2: one product, no log in its derivative
        terms.append(_mean(squares))
    return _mean(terms)


@batch_reduction("mean")
def binary_cross_entropy(logits: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Binary cross-entropy from logits s, targets y in [0, 1] (torch's BCEWithLogitsLoss).

    -[y log sigma(s) + (1 - y) log(1 - sigma(s))] = log(1 + e^s) - y s, with log(1 + e^s) the
    stable logsumexp(0, s): never log(0), never overflow. dL_s/ds = sigma(s) - y.
    """
    _batch("binary_cross_entropy", logits, targets)
    terms = []
    for i, (s, y) in enumerate(zip(logits, targets)):
        s = _scalar("binary_cross_entropy", i, s)
        y = _target("binary_cross_entropy", i, y, "in [0, 1]", lambda v: 0.0 <= v <= 1.0)
        terms.append(logsumexp([0.0, s]) - s * y)
    return _mean(terms)


def is_class_index(y: Any) -> bool:
    """Whether a cross-entropy target is a class index (any integer, numpy's too; not a bool)."""
    return isinstance(y, numbers.Integral) and not isinstance(y, bool)


@batch_reduction("mean")
def cross_entropy(logits: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Multi-class cross-entropy from logits z (torch's CrossEntropyLoss).

    A target is a class index c (L_s = logsumexp(z) - z_c) or a list of class probabilities p
    (L_s = sum_c p_c (logsumexp(z) - z_c), the same graph whatever p holds). dL_s/dz = softmax(z) - p.
    """
    _batch("cross_entropy", logits, targets)
    terms = []
    for i, (z, y) in enumerate(zip(logits, targets)):
        z = _vector("cross_entropy", i, z)
        lse = logsumexp(z)
        if is_class_index(y):
            if not 0 <= y < len(z):
                raise ValueError(f"cross_entropy(): target {i} is class {y}, but there are {len(z)} classes")
            terms.append(lse - z[y])
        elif is_list_like(y):
            if len(y) != len(z):
                raise ValueError(f"cross_entropy(): target {i} has {len(y)} probabilities for {len(z)} classes")
            p = [_target("cross_entropy", i, p_c, "probabilities in [0, 1]", lambda v: 0.0 <= v <= 1.0) for p_c in y]
            numbers_only = [p_c for p_c in p if not isinstance(p_c, Value)]
            if len(numbers_only) == len(p) and abs(math.fsum(p) - 1.0) > 1e-6:
                raise ValueError(f"cross_entropy(): target {i}'s probabilities sum to {math.fsum(p)!r}, not 1")
            terms.append(weighted_sum(p, [lse - z_c for z_c in z], 0.0))
        else:
            raise TypeError(f"cross_entropy(): target {i} must be a class index (int) or a list of class "
                            f"probabilities, got {y!r}")
    return _mean(terms)


@batch_reduction("mean")
def hinge(scores: Sequence[Any], targets: Sequence[Any]) -> Value:
    """Max-margin loss of micrograd's demo: max(0, 1 - y s) with labels y in {-1, +1}."""
    _batch("hinge", scores, targets)
    terms = []
    for i, (s, y) in enumerate(zip(scores, targets)):
        s = _scalar("hinge", i, s)
        y = _target("hinge", i, y, "-1 or +1", lambda v: v in (-1.0, 1.0))
        terms.append((1.0 - y * s).relu())
    return _mean(terms)


def log_softmax(z: Sequence[Any]) -> list[Value]:
    """log softmax(z)_i = z_i - logsumexp(z), stable for any logits."""
    z = _vector("log_softmax", 0, z)
    lse = logsumexp(z)
    return [z_i - lse for z_i in z]


def softmax(z: Sequence[Any]) -> list[Value]:
    """softmax(z)_i = e^(z_i - logsumexp(z)): no overflow, sums to 1."""
    return [v.exp() for v in log_softmax(z)]


#: The losses by name (what `nn.fit` and `nn.equations` accept as a string).
LOSSES = {f.__name__: f for f in (mse, binary_cross_entropy, cross_entropy, hinge)}
