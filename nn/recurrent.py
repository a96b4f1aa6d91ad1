"""`RNN`: an Elman recurrent layer, unrolled through time over scalar Values.

With inputs x_1..x_T (each a vector of nin numbers), hidden states of nhidden units and h_0 given
(zeros by default), the layer computes for t = 1..T

    z_t = W_xh x_t + W_hh h_(t-1) + b          z[t]_j: ONE weighted-sum node per unit and step
    h_t = tanh(z_t)                            h[t]_j

and returns [h_1, ..., h_T]. The same parameter Values W_xh[j,k], W_hh[j,k] and b[j] are used at
every step: the graph is the network unrolled in time, and backpropagation through it (BPTT, see
`nn.bptt`) adds one term per time step to each shared weight's gradient,

    dL/dW_hh[j,k] = sum_t delta[t]_j h[t-1]_k,     delta[t]_j = dL/dz[t]_j,

which the stepper shows as one ``+=`` per step, with the running sum.

Labels (1-based, as the MLP's): ``x[t]_k`` (inputs given as numbers), ``h[0]_j`` (the default
h_0), ``z[t]_j`` (gradient named ``delta[t]_j``), ``h[t]_j`` (role "h"), and the parameters
``W_xh[j,k]``, ``W_hh[j,k]``, ``b[j]``. Every node of step t is in the group "t = t" of the grouping
"time step", so ``draw(loss, group="time step")`` boxes each step; the shared weights belong to none.

Parameter names (0-based, dotted as every module's): ``W_xh.j.k``, ``W_hh.j.k``, ``b.j``. This is
``torch.nn.RNN(nin, nhidden)`` with weight_ih_l0 = W_xh, weight_hh_l0 = W_hh and one bias where
PyTorch has two (b = bias_ih_l0 + bias_hh_l0): `to_torch` puts b in bias_ih_l0 and zeros in
bias_hh_l0. Initial weights as PyTorch's: every W_xh, W_hh and b entry uniform in
(-1/sqrt(nhidden), 1/sqrt(nhidden)).
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import Any

from autograd_lite import Value, weighted_sum
from autograd_lite.naming import Group, Label

from .architecture import Block, register
from .init import make_rng
from .layers import _positive_int
from .module import finite_float


def _time_step(t: int) -> dict[str, Group]:
    return {"time step": Group((t,), f"t = {t}")}


def _weight_label(name: str, j: int, k: int) -> Label:
    return Label(f"{name}[{j},{k}]", role="w", index=(j, k))


def _sequence(xs: Any, n: int, what: str) -> list[Any]:
    if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence):
        raise TypeError(f"{what} must be a list of {n} numbers or Values, got {type(xs).__name__}")
    if len(xs) != n:
        raise ValueError(f"{what} must hold {n} numbers or Values, got {len(xs)}")
    return list(xs)


@register
class RNN(Block):
    """``RNN(nin, nhidden, seed=None)``; ``rnn(xs, h0=None)`` returns the hidden states [h_1, ..., h_T].

    ``xs``: a sequence of T >= 1 samples, each a list of nin numbers or Values (PyTorch's unbatched
    (T, nin) input); ``h0``: nhidden numbers or Values, None for zeros.
    """

    def __init__(self, nin: int, nhidden: int, seed: int | random.Random | None = None) -> None:
        self.nin = _positive_int(nin, "nin")
        self.nhidden = _positive_int(nhidden, "nhidden")
        rng = make_rng(seed)
        bound = 1.0 / math.sqrt(nhidden)

        def matrix(name: str, columns: int) -> list[list[Value]]:
            return [[Value(rng.uniform(-bound, bound), _weight_label(name, j, k)) for k in range(1, columns + 1)]
                    for j in range(1, nhidden + 1)]

        self.W_xh = matrix("W_xh", nin)
        self.W_hh = matrix("W_hh", nhidden)
        self.b = [Value(rng.uniform(-bound, bound), Label(f"b[{j}]", role="b", index=(j,)))
                  for j in range(1, nhidden + 1)]

    def forward(self, xs: Sequence[Any], h0: Sequence[Any] | None = None) -> list[list[Value]]:
        """h_t = tanh(W_xh x_t + W_hh h_(t-1) + b) for t = 1..T; returns [h_1, ..., h_T]."""
        if isinstance(xs, (str, bytes)) or not isinstance(xs, Sequence) or len(xs) == 0:
            raise TypeError(f"an RNN takes a sequence of T >= 1 samples, each a list of {self.nin} numbers or "
                            f"Values, got {xs!r:.60}")
        if h0 is None:
            h = [Value(0.0, Label(f"h[0]_{j}", role="h", index=(0, j), groups=_time_step(0)))
                 for j in range(1, self.nhidden + 1)]
        else:
            h = [v if isinstance(v, Value) else Value(v, Label(f"h[0]_{j}", role="h", index=(0, j),
                                                                  groups=_time_step(0)))
                 for j, v in enumerate(_sequence(h0, self.nhidden, "h0"), start=1)]
        states = []
        for t, x in enumerate(xs, start=1):
            x = [v if isinstance(v, Value) else
                 Value(v, Label(f"x[{t}]_{k}", role="input", index=(t, k), groups=_time_step(t)))
                 for k, v in enumerate(_sequence(x, self.nin, f"sample {t - 1} of the sequence"), start=1)]
            inputs = x + h
            h = []
            for j in range(1, self.nhidden + 1):
                z = weighted_sum(self.W_xh[j - 1] + self.W_hh[j - 1], inputs, self.b[j - 1])
                z.label = Label(f"z[{t}]_{j}", grad_name=f"delta[{t}]_{j}", role="z", index=(t, j),
                                groups=_time_step(t))
                h_j = z.tanh()
                h_j.label = Label(f"h[{t}]_{j}", role="h", index=(t, j), groups=_time_step(t))
                h.append(h_j)
            states.append(h)
        return states

    def named_members(self) -> tuple[tuple[str, Any], ...]:
        return (*((f"W_xh.{j}", row) for j, row in enumerate(self.W_xh)),
                *((f"W_hh.{j}", row) for j, row in enumerate(self.W_hh)),
                ("b", self.b))

    def weights(self) -> tuple[list[list[float]], list[list[float]], list[float]]:
        """(W_xh, W_hh, b) as plain floats: W_xh[j][k] multiplies input k in unit j (0-based), as
        PyTorch's weight_ih_l0; W_hh[j][k] multiplies h_(t-1)_k, as weight_hh_l0."""
        return ([[w.data for w in row] for row in self.W_xh], [[w.data for w in row] for row in self.W_hh],
                [b.data for b in self.b])

    def set_weights(self, W_xh: Any, W_hh: Any, b: Any) -> None:
        """Set every weight from plain numbers (the layout of `weights`). Everything is checked first
        (shapes: a ValueError naming them; entries: finite real numbers), so on error nothing changes."""
        values = []
        for name, given, rows, columns in (("W_xh", W_xh, self.nhidden, self.nin),
                                           ("W_hh", W_hh, self.nhidden, self.nhidden)):
            given = [list(row) for row in given]
            if len(given) != rows or any(len(row) != columns for row in given):
                raise ValueError(f"{name} must be {rows}x{columns}, got rows of lengths {[len(r) for r in given]}")
            values += [finite_float(v, f"{name}[{j}][{k}]") for j, row in enumerate(given) for k, v in enumerate(row)]
        b = list(b)
        if len(b) != self.nhidden:
            raise ValueError(f"b must hold {self.nhidden} numbers, got {len(b)}")
        values += [finite_float(v, f"b[{j}]") for j, v in enumerate(b)]
        for p, v in zip(self.parameters(), values):
            p.data = v

    def config(self) -> dict[str, Any]:
        return {"nin": self.nin, "nhidden": self.nhidden}

    @classmethod
    def from_config(cls, nin: int, nhidden: int) -> RNN:
        return cls(nin, nhidden)

    def __repr__(self) -> str:
        return f"RNN({self.nin}, {self.nhidden})"
