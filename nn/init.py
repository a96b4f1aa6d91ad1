"""Initial weights: He for ReLU, Xavier (Glorot) for tanh, sigmoid and linear, or micrograd's uniform(-1, 1).

A neuron with n_in inputs in a layer of n_out neurons starts with

- ``"he"``:      w ~ N(0, 2 / n_in)                               (He et al. 2015, torch's kaiming_normal_)
- ``"xavier"``:  w ~ U(-r, r),  r = sqrt(6 / (n_in + n_out))      (Glorot & Bengio 2010, xavier_uniform_)
- ``"uniform"``: w ~ U(-1, 1)                                     (micrograd)

and every bias starts at 0, as in micrograd. Both keep the variance of z^l close to that of a^(l-1)
for their activation, so deep stacks neither vanish nor explode at the start. The random numbers
come from the `random.Random` given, never from the global `random` state.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from .activations import ACTIVATIONS


def he(nin: int, nout: int, rng: random.Random) -> list[float]:
    """n_in weights drawn from N(0, 2 / n_in)."""
    std = math.sqrt(2.0 / nin)
    return [rng.gauss(0.0, std) for _ in range(nin)]


def xavier(nin: int, nout: int, rng: random.Random) -> list[float]:
    """n_in weights drawn from U(-r, r) with r = sqrt(6 / (n_in + n_out))."""
    r = math.sqrt(6.0 / (nin + nout))
    return [rng.uniform(-r, r) for _ in range(nin)]


def uniform(nin: int, nout: int, rng: random.Random) -> list[float]:
    """n_in weights drawn from U(-1, 1), as micrograd's Neuron."""
    return [rng.uniform(-1.0, 1.0) for _ in range(nin)]


INITIALISERS: dict[str, Callable[[int, int, random.Random], list[float]]] = {
    "he": he,
    "xavier": xavier,
    "uniform": uniform,
}


def default_init(activation: str) -> str:
    """He for ReLU, Xavier for the others (the activation table's ``init``)."""
    return ACTIVATIONS[activation].init


def resolve(init: str | None, activation: str) -> Callable[[int, int, random.Random], list[float]]:
    """The initialiser named `init` (None: the default for `activation`)."""
    name = default_init(activation) if init is None else init
    if name not in INITIALISERS:
        raise ValueError(f"init must be None or one of {', '.join(map(repr, INITIALISERS))}, got {init!r}")
    return INITIALISERS[name]


def make_rng(seed: int | random.Random | None) -> random.Random:
    """A private random generator: `seed` itself if it is one, else a new one seeded with it."""
    if isinstance(seed, random.Random):
        return seed
    if seed is not None and (not isinstance(seed, int) or isinstance(seed, bool)):
        raise TypeError(f"seed must be an int, a random.Random or None, got {seed!r}")
    return random.Random(seed)
