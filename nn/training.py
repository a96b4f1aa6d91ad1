"""`fit`: mini-batch training with a progress bar, reproducible shuffling and a clean Ctrl-C.

One step on a batch (X_b, y_b): forward, L = loss(outputs, y_b) (+ l2 * sum_p p^2, micrograd's
regularisation), backward, optimiser step. The step is all-or-nothing: if it is interrupted
(KeyboardInterrupt) the parameters and the optimiser's state are put back as they were after the
previous step, and `fit` returns the history so far, marked ``interrupted``.
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from autograd_lite import Value, no_grad, weighted_sum

from . import losses
from .module import Module
from .optim import OPTIMIZERS, Optimizer, _number

ENGINES = ("scalar", "batched")


@dataclass
class History:
    """Per epoch: the mean training loss over the epoch's steps (weighted by batch size, before each
    update) and the accuracy on all of X after the epoch (None when the loss has no notion of it).
    ``steps`` counts finished optimiser steps; ``interrupted`` is True after Ctrl-C."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float | None] = field(default_factory=list)
    steps: int = 0
    interrupted: bool = False


def _argmax(v: Sequence[float]) -> int:
    return max(range(len(v)), key=v.__getitem__)


# Whether one prediction is right, from the model's outputs as floats: sign agreement for hinge
# and BCE, argmax for cross-entropy.
_CORRECT: dict[Callable, Callable[[Any, Any], bool]] = {
    losses.hinge: lambda out, y: (out > 0) == (float(y) > 0),
    losses.binary_cross_entropy: lambda out, y: (out > 0) == (float(y) > 0.5),
    losses.cross_entropy: lambda out, y: _argmax(out) == (
        y if losses.is_class_index(y) else _argmax([float(p) for p in y])),
}


def _scalar_outputs(model: Module, X: Sequence[Any]) -> list:
    """The model's outputs for each sample as floats (a float, or a list of them), without a graph."""
    with no_grad():
        outputs = [model(x) for x in X]
    return [[o.data for o in out] if isinstance(out, Sequence) else out.data for out in outputs]


def _hit_rate(correct: Callable[[Any, Any], bool], outputs: list, y: Sequence[Any]) -> float:
    return float(sum(map(correct, outputs, y)) / len(y))


def accuracy(model: Module, X: Sequence[Any], y: Sequence[Any], loss: Callable | str) -> float | None:
    """The fraction of samples predicted right; None for mse or a custom loss."""
    X, y = _check_samples("accuracy", X, y)
    correct = _CORRECT.get(_resolve_loss(loss))
    if correct is None:
        return None
    return _hit_rate(correct, _scalar_outputs(model, X), y)


def _check_samples(who: str, X: Sequence[Any], y: Sequence[Any]) -> tuple[list[Any], list[Any]]:
    """X and y as lists, numpy arrays (or lists of them) turned into lists of Python numbers."""
    X, y = _plain(X), _plain(y)
    if len(X) == 0 or len(X) != len(y):
        raise ValueError(f"{who}() needs as many targets as samples (at least one), got {len(X)} and {len(y)}")
    return X, y


def _is_array(x: Any) -> bool:
    return hasattr(x, "ndim") and hasattr(x, "tolist")  # numpy's (or torch's) arrays and scalars


def _plain(data: Any) -> list[Any]:
    if _is_array(data):
        return data.tolist()
    return [x.tolist() if _is_array(x) else x for x in data]


def _resolve_loss(loss: Callable | str) -> Callable:
    if isinstance(loss, str):
        if loss not in losses.LOSSES:
            raise ValueError(f"unknown loss {loss!r}; one of {', '.join(losses.LOSSES)}, or a callable")
        return losses.LOSSES[loss]
    if not callable(loss):
        raise TypeError(f"loss must be a name or a callable(outputs, targets) -> Value, got {loss!r}")
    return loss


def _optimizer(optimizer: Optimizer | str | None, params: list[Value], lr: float | None) -> Optimizer:
    """The optimiser `fit` steps: one given, or built from its name (lr default 0.01)."""
    if isinstance(optimizer, Optimizer):
        if lr is not None:
            raise ValueError("lr= is for an optimizer given by name; set the learning rate of an "
                             "optimizer you built when you build it (or its .lr)")
        return optimizer
    if optimizer is None:
        optimizer = "adam"
    if not isinstance(optimizer, str):
        raise TypeError(f"optimizer must be an nn.optim optimiser, e.g. nn.optim.Adam(model.parameters(), "
                        f"lr=0.01), or one of the names {', '.join(OPTIMIZERS)}; got {optimizer!r}")
    if optimizer.lower() not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; one of {', '.join(OPTIMIZERS)}, or an nn.optim optimiser")
    return OPTIMIZERS[optimizer.lower()](params, lr=1e-2 if lr is None else lr)


def _engine(engine: str, model: Module, loss: Callable) -> tuple[Callable, Callable]:
    """The engine's two functions: its training step, (X, y) of a batch -> the batch loss with each
    parameter's grad accumulated; and the model's outputs as floats, (X, y) -> one per sample."""
    if engine == "batched":
        from .batched import BatchedTrainer

        trainer = BatchedTrainer(model, loss)  # compiles once, replays every step
        return trainer.loss_and_grads, trainer.outputs

    def scalar(X: Sequence[Any], y: Sequence[Any]) -> float:
        total = loss([model(x) for x in X], y)
        total.backward()
        return total.data

    return scalar, lambda X, y: _scalar_outputs(model, X)


def fit(model: Module, X: Sequence[Any], y: Sequence[Any], loss: Callable | str = "mse",
        optimizer: Optimizer | str | None = None, epochs: int = 10, batch_size: int | None = None,
        seed: int | None = None, progress: bool = True, engine: str = "scalar", l2: float = 0.0,
        lr_schedule: Callable[[int], float] | None = None, lr: float | None = None) -> History:
    """Train `model` on (X, y) and return the `History`.

    ``loss``: a function of `nn.losses` or its name, or any callable(outputs, targets) -> Value.
    ``X``, ``y``: lists (or numpy arrays) of samples and targets.
    ``optimizer``: an `nn.optim` optimiser, or its name ("sgd", "rmsprop", "adam", "adamw"; any
    case), built on model.parameters() with ``lr`` (default 0.01) and its other defaults as in
    PyTorch; None means "adam". ``batch_size``: None means the whole set (full batch). Each epoch
    visits the samples in an order shuffled by random.Random(seed). ``l2`` (a finite number >= 0)
    adds l2 * sum_p p^2 to the loss (one weighted-sum node).
    ``lr_schedule(step)`` (step = 0, 1, ...) sets the optimiser's lr before each step.
    ``engine``: "scalar" (the graph of Values) or "batched" (`nn.batched`, same numbers, faster).
    """
    loss = _resolve_loss(loss)
    X, y = _check_samples("fit", X, y)
    l2 = _number(l2, "l2")
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be an int >= 0, got {epochs!r}")
    n = len(X)
    batch_size = n if batch_size is None else batch_size
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    params = model.parameters()
    optimizer = _optimizer(optimizer, params, lr)
    loss_and_grads, outputs = _engine(engine, model, loss)
    correct = _CORRECT.get(loss)
    rng = random.Random(seed)
    history = History()
    order = list(range(n))
    starts = range(0, n, batch_size)

    from tqdm import TqdmWarning

    with warnings.catch_warnings():  # in Jupyter without ipywidgets tqdm warns, then falls back to a text bar
        warnings.simplefilter("ignore", TqdmWarning)
        from tqdm.auto import tqdm

    bar = tqdm(total=epochs * len(starts), disable=not progress, desc="fit", unit="step")
    try:
        for _ in range(epochs):
            rng.shuffle(order)
            total = 0.0
            for start in starts:
                batch = order[start:start + batch_size]
                if lr_schedule is not None:
                    optimizer.lr = lr_schedule(history.steps)
                value = _step(params, optimizer, loss_and_grads, [X[i] for i in batch], [y[i] for i in batch], l2)
                history.steps += 1
                total += value * len(batch)
                bar.update(1)
                bar.set_postfix(loss=f"{value:.4g}", refresh=False)
            history.loss.append(total / n)
            history.accuracy.append(None if correct is None else _hit_rate(correct, outputs(X, y), y))
    except KeyboardInterrupt:
        history.interrupted = True
    finally:
        bar.close()
    return history


def _step(params: list[Value], optimizer: Optimizer, loss_and_grads: Callable[[list[Any], list[Any]], float],
          X: list[Any], y: list[Any], l2: float) -> float:
    """One all-or-nothing training step; returns the batch loss (regularisation included)."""
    saved = [p.data for p in params]
    saved_state = optimizer.state_dict()
    try:
        optimizer.zero_grad()
        value = loss_and_grads(X, y)
        if l2:
            reg = l2 * weighted_sum(params, params, 0.0)  # sum_p p*p as one node: d/dp = 2p
            reg.backward()
            value += reg.data
        optimizer.step()
    except BaseException:
        for p, v in zip(params, saved):
            p.data = v
            p.grad = 0.0
        optimizer.load_state_dict(saved_state)
        raise
    return value
