"""Batched training steps: one sample's graph, traced once, replayed over every batch (numpy).

``nn.fit(..., engine="batched")`` holds a `BatchedTrainer(model, loss)` for the whole fit. Instead
of building a scalar graph per sample, it traces the model and the loss on ONE sample whose inputs
and targets are placeholder leaves, compiles that graph (`autograd_lite.compile`) and replays it
with every node holding a vector over the batch. The numbers are those of the scalar engine: the
same operation table, with numpy (see `autograd_lite.replay`). The loss of a batch is the mean over
samples of the per-sample loss, as the nn losses average (a loss declares its reduction; one that does not is probed).

Models: any callable with ``parameters()`` whose forward takes ONE sample -- a list of numbers, or
nested lists of them (a convolution's channels x positions) -- and returns a Value or a list of
Values: an nn.MLP, a Sequential, an RNN, a Conv2d stack or a user's own Module alike. X is the
batch of such samples (an array of shape (batch, *sample shape)); the model is traced on
placeholder Values nested as one sample is.

`BatchedTrainer.outputs` replays the same program for the model's outputs alone (fit's accuracy
after each epoch).

Placeholders: the sample's inputs a^(0)_k and its target(s) become input leaves of the replay.
For cross-entropy with class indices, the target is passed as one-hot probabilities, so the graph's
structure does not depend on the class (one index would pick one logit: a different graph per class).

Targets: a placeholder lets any number through, so each target value not seen before is first given
to the loss as a number; the loss refuses bad ones (a hinge label of 0) exactly as on the scalar path.

Caching: tracing and compiling cost about as much as ten training steps, so a `BatchedTrainer` keeps
its compiled programs (one per batch layout) and replays them at every step; it recompiles when the
model's parameter Values are replaced, and refuses when activations change. For an nn.Module model
the parameters are gathered once and a step checks what each module holds against a record (a
list comparison per module, in C) instead of walking ``parameters()`` (see `_Watch`). Parameter values are
read at every step, never baked in. `batched_loss_and_grads` is the one-off form: no state is kept
anywhere but in the trainer you hold.

Not detected: a model whose graph depends on the data in a way the traced samples (the first one,
the last one and one of another target) do not reveal, and structural edits to a model the
fingerprint does not see (anything but parameters being replaced and the activations of the model's
innermost parts changed):
build a new `BatchedTrainer`, or use engine="scalar", after such edits.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from autograd_lite import Value, compile, enable_grad, no_grad
from autograd_lite.replay import Replay, ReplayError

from .losses import cross_entropy
from .module import Module

__all__ = ["BatchedTrainer", "batched_loss_and_grads"]

_CHUNK = 256  # samples per replay in outputs(): bounds the scratch memory (graph rows x samples)


def _parts(model: Any) -> list:
    """The model's innermost parts, in order: the Modules among `named_members` (recursively) of an
    nn.Module, or ``layers`` then ``neurons`` of a model that keeps nn's attributes without being one."""
    if isinstance(model, Module):
        children = [m for _, member in model.named_members()
                    for m in (member if isinstance(member, (list, tuple)) else (member,)) if isinstance(m, Module)]
    else:
        children = list(getattr(model, "layers", None) or getattr(model, "neurons", None) or ())
    return [part for child in children for part in _parts(child)] if children else [model]


def _fingerprint(parts: list) -> tuple:
    """What can change a model's graph without replacing its parameters: its innermost parts'
    activations (a neuron's, an RNN cell's, a convolution's -- whichever part has one)."""
    return tuple(getattr(part, "activation", None) for part in parts)


class _Watch:
    """An nn.Module model's parameters, gathered once, and a cheap proof at each step that
    ``model.parameters()`` would return them again.

    `Module.parameters` is a function of what each module's `named_members` holds: it walks the
    modules and tests every item (a parameter or a submodule?), about 50 ns of Python per parameter,
    which on the digits model cost more than the replay's numpy work. The watch records every module
    the walk reaches with the items its members hold (lists flattened); a step calls each recorded
    module's `named_members` again and compares the items with the record, a list comparison in C
    (identity: Values and nn's Modules have no ``__eq__``). Equal items in every module mean the
    same walk, so the same parameters; any difference -- a parameter, a list or a submodule
    replaced -- and the trainer asks `parameters()` and builds a new watch.

    Only for models whose every module takes `parameters()` and identity comparison from
    nn.Module: anything else (a model of another kind, a module of one's own overriding either)
    gets no watch, and `parameters()` is asked at every step as before.
    """

    __slots__ = ("params", "record")

    def __init__(self, record: list[tuple[Module, list]], params: list[Value]) -> None:
        self.record, self.params = record, params

    @staticmethod
    def of(model: Any) -> _Watch | None:
        """A watch on `model`, or None when the proof would not hold (see the class docstring)."""
        if not isinstance(model, Module):
            return None
        record: list[tuple[Module, list]] = []
        pending, seen = [model], {id(model)}
        while pending:  # each module once: a shared submodule's items need one check
            module = pending.pop()
            kind = type(module)
            if kind.parameters is not Module.parameters or kind.__eq__ is not object.__eq__:
                return None
            items = _Watch._items(module)
            record.append((module, items))
            for item in items:
                if isinstance(item, Module) and id(item) not in seen:
                    seen.add(id(item))
                    pending.append(item)
        return _Watch(record, model.parameters())

    @staticmethod
    def _items(module: Module) -> list:
        items: list = []
        for _, member in module.named_members():
            if isinstance(member, (list, tuple)):
                items += member
            else:
                items.append(member)
        return items

    def unchanged(self) -> bool:
        """Whether every recorded module holds the same items (so `parameters()` gives `params`)."""
        items = self._items
        return all(items(module) == held for module, held in self.record)


def _same_values(a: Sequence[Value], b: Sequence[Value]) -> bool:
    """Whether a and b hold the same Values (identity): Values compare by identity (no __eq__, as the
    engine's dicts and sets of nodes require), so tuple equality is this check run in C."""
    return tuple(a) == tuple(b)


class _Program:
    """A compiled sample for one batch layout, and the targets the loss has already accepted.

    The placeholders let any number through as a target, so each target value not seen before is
    first given to the loss as a number (with dummy outputs), which raises as the scalar path would;
    after the first epoch every target has been seen and the check is a set lookup per sample.
    """

    __slots__ = ("replay", "reduction", "n_out", "single", "accepted")

    def __init__(self, replay: Replay, reduction: str, n_out: int, single: bool, accepted: set) -> None:
        self.replay, self.reduction, self.n_out, self.single = replay, reduction, n_out, single
        self.accepted = accepted


class BatchedTrainer:
    """Batch loss and gradients of `model` under `loss`, by replaying one traced sample (numpy).

    ``class_targets``: targets are class indices to pass to the loss as one-hot probabilities
    (default: when `loss` is nn.losses.cross_entropy and the targets are numbers).
    """

    def __init__(self, model: Any, loss: Callable, *, class_targets: bool | None = None) -> None:
        if not callable(model) or not hasattr(model, "parameters"):
            raise TypeError(f"BatchedTrainer needs an nn model (callable, with parameters()), "
                            f"got {type(model).__name__}")
        if not callable(loss):
            raise TypeError(f"BatchedTrainer needs a loss function, got {type(loss).__name__}")
        self.model, self.loss = model, loss
        self.class_targets = class_targets
        self._programs: dict[tuple, _Program] = {}  # by batch layout
        self._parts = _parts(model)  # walked again only when the parameters change (a step reads these)
        self._watch: _Watch | None = None  # made at the first step
        self._fingerprint = _fingerprint(self._parts)

    def loss_and_grads(self, X: Any, y: Any) -> float:
        """The loss of the batch (X: one row per sample; y: one target per sample) as a float;
        each parameter's ``.grad`` is increased by the loss's gradient, as backward() would."""
        import numpy as np

        X, shape, y, classes = self._batch(X, y)
        program = self._program(X, shape, y, classes)
        n_out = program.n_out
        if classes:
            index = y.astype(int)
            if not np.array_equal(index, y) or index.min() < 0 or index.max() >= n_out:
                raise ValueError(f"class targets must be integers in 0..{n_out - 1} (the model has {n_out} "
                                 f"outputs), got {sorted(set(y.tolist()) - set(range(n_out)))[:5]}")
            targets = np.eye(n_out)[index]
        else:
            targets = y.reshape(len(y), -1)
            self._check_targets(program.accepted, program.single, program.n_out, targets, y.ndim == 1)
        loss, _ = program.replay.run(np.hstack([X, targets]), reduction=program.reduction, accumulate=True)
        return loss

    def outputs(self, X: Any, y: Any) -> list:
        """The model's outputs for every sample of X, replayed: what ``float()`` of the scalar model's
        outputs gives, a float per sample (one output) or a list of floats. ``y`` (one target per
        sample) fixes the program's layout, since the compiled graph is the loss; its values are unused."""
        import numpy as np

        X, shape, y, classes = self._batch(X, y)
        program = self._program(X, shape, y, classes)
        n_targets = len(program.replay.inputs) - X.shape[1]
        out = np.vstack([program.replay.outputs(np.hstack([chunk, np.zeros((len(chunk), n_targets))]))
                         for chunk in (X[s:s + _CHUNK] for s in range(0, len(X), _CHUNK))])
        return out[:, 0].tolist() if program.single else out.tolist()

    def _batch(self, X: Any, y: Any) -> tuple[Any, tuple[int, ...], Any, bool]:
        """X as a float array of one flat row per sample, the shape of one sample (a list of numbers,
        or nested lists: a conv model's channels x positions), y as floats, and whether y holds
        class indices; all checked."""
        import numpy as np

        try:
            X = np.asarray(X, dtype=float)
        except ValueError as e:  # ragged nesting: samples of different shapes
            raise ValueError(f"X must be a batch of samples of one shape (numbers, or equally nested lists of "
                             f"numbers): {e}") from None
        y = np.asarray(y, dtype=float)
        if X.ndim < 2 or len(X) == 0 or X.size == 0:
            raise ValueError(f"X must be a non-empty batch of samples, one row each (a list of numbers, or "
                             f"nested lists); got shape {X.shape}")
        if y.ndim not in (1, 2) or len(y) != len(X):
            raise ValueError(f"y must hold one target (a number or a row) per sample: got shape {y.shape} "
                             f"for {len(X)} samples")
        classes = self.class_targets if self.class_targets is not None else (
            y.ndim == 1 and self.loss is cross_entropy)
        if classes and y.ndim != 1:
            raise ValueError(f"class targets are one class index per sample, got shape {y.shape}")
        return X.reshape(len(X), -1), X.shape[1:], y, classes

    def _check_targets(self, accepted: set, single: bool, n_out: int, targets: Any, scalar: bool) -> None:
        """Give the loss each target row not accepted before, as numbers: it raises as on the scalar path."""
        # A sample's key: its target, or its row of targets as a tuple.
        keys = targets.ravel().tolist() if targets.shape[1] == 1 else list(map(tuple, targets.tolist()))
        if accepted.issuperset(keys):  # after the first epoch, always
            return
        new: dict[Any, int] = {}
        for i, key in enumerate(keys):
            if key not in accepted and key not in new:
                new[key] = i
        outputs = self._stub(single, n_out, 0.0)
        for key, i in new.items():
            try:
                with no_grad():
                    self.loss([outputs], [key if scalar else list(key) if isinstance(key, tuple) else [key]])
            except (TypeError, ValueError) as e:
                raise type(e)(f"sample {i} of the batch: {e}") from e
            accepted.add(key)

    def _program(self, X: Any, shape: tuple[int, ...], y: Any, classes: bool) -> _Program:
        layout = (shape, classes, y.shape[1:])
        cached = self._programs.get(layout)
        watch = self._watch
        if watch is not None and watch.unchanged():
            params = watch.params
        else:
            self._watch = watch = _Watch.of(self.model)
            params = watch.params if watch is not None else list(self.model.parameters())
        same = cached is not None and _same_values(params, cached.replay.params)
        if not same:
            self._parts = _parts(self.model)  # parts may have been replaced with the parameters
        if _fingerprint(self._parts) != self._fingerprint:
            raise ReplayError("the model's activations changed since this BatchedTrainer compiled it: "
                              "make a new BatchedTrainer")
        if same:
            return cached
        samples = [0] + sorted({len(X) - 1, next((k for k in range(len(X)) if not (y[k] == y[0]).all()), 0)} - {0})
        traces = [self._trace(X[k], shape, y[k], classes) for k in samples]
        (root, inputs, (out, t), n_out), *others = traces
        single = not isinstance(out, Sequence)
        accepted: set = set()
        if not classes:  # the traced targets are numbers the loss never saw: check them first
            self._check_targets(accepted, single, n_out, y.reshape(len(y), -1), y.ndim == 1)
        replay = compile(root, inputs, params, check=[(r, i) for r, i, _, _ in others],
                         outputs=[out] if single else out)
        reduction = getattr(self.loss, "reduction", None)  # nn's losses declare it (nn.losses.batch_reduction)
        if reduction is None:  # a loss of one's own that does not: compare it on two samples with each alone
            reduction = self._reduction(single, n_out, t, others[0][2][1] if others else t)
        program = _Program(replay, reduction, n_out, single, accepted)
        self._programs[layout] = program
        return program

    def _trace(self, x: Any, shape: tuple[int, ...], target: Any, classes: bool) -> tuple[Value, list, tuple, int]:
        """One sample's loss graph over placeholder leaves: (root, placeholders, (outputs, target),
        number of model outputs). `x` is the sample's flat row; the model gets it in `shape` (nested
        lists of placeholders when the sample has more than one axis)."""
        import numpy as np

        inputs = [Value(float(v), label=f"a[0]_{k + 1}") for k, v in enumerate(x)]
        sample: list = inputs
        if len(shape) > 1:
            nested = np.empty(len(inputs), dtype=object)
            nested[:] = inputs
            sample = nested.reshape(shape).tolist()
        with enable_grad():  # a trace under no_grad() would record nothing to replay
            out = self.model(sample)
            n_out = len(out) if isinstance(out, Sequence) else 1
            if classes:
                t: Any = [Value(float(j == target), label=f"y_{j + 1}") for j in range(n_out)]
            elif target.ndim == 0:
                t = Value(float(target), label="y")
            else:
                t = [Value(float(v), label=f"y_{j + 1}") for j, v in enumerate(target)]
            root = self.loss([out], [t])
        if not isinstance(root, Value):
            raise TypeError(f"the loss must return a Value, got {type(root).__name__}")
        return root, inputs + (t if isinstance(t, list) else [t]), (out, t), n_out

    @staticmethod
    def _stub(single: bool, n_out: int, value: float) -> Any:
        """Outputs of the model's shape holding made-up numbers (no model involved)."""
        return Value(value) if single else [Value(value + 0.1 * j) for j in range(n_out)]

    def _reduction(self, single: bool, n_out: int, t_a: Any, t_b: Any) -> str:
        """Whether the loss averages or sums over the batch: compare it on two samples with each
        alone, at made-up outputs (finite whatever the model computes) and two traced targets."""
        out_a, out_b = self._stub(single, n_out, 0.3), self._stub(single, n_out, -0.7)
        with no_grad():
            a, b = self.loss([out_a], [t_a]).data, self.loss([out_b], [t_b]).data
            both = self.loss([out_a, out_b], [t_a, t_b]).data
        for reduction, expected in (("mean", (a + b) / 2), ("sum", a + b)):
            if math.isclose(both, expected, rel_tol=1e-9, abs_tol=1e-12):
                return reduction
        raise ReplayError(f"the loss of two samples ({both!r}) is neither the mean nor the sum of their "
                          f"losses ({a!r}, {b!r}): a batch cannot be replayed one sample at a time")


def batched_loss_and_grads(model: Any, loss: Callable, X_batch: Any, y_batch: Any) -> float:
    """The batch loss (mean over samples, as nn losses average) as a float; each parameter's
    ``.grad`` is increased by its gradient. Same numbers as the scalar engine on the whole batch.

    A one-off: it traces and compiles afresh at every call. To train, hold a `BatchedTrainer`
    (as ``nn.fit(..., engine="batched")`` does), which compiles once and replays at every step.
    """
    return BatchedTrainer(model, loss).loss_and_grads(X_batch, y_batch)
