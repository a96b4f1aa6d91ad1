"""Toy data: two interleaving half-moons (as sklearn.datasets.make_moons), in pure Python."""

from __future__ import annotations

import math
import random


def make_moons(n: int = 100, noise: float = 0.0, seed: int | None = None,
               labels: tuple[float, float] = (0, 1)) -> tuple[list[list[float]], list[float]]:
    """n points on two half circles, shuffled, with Gaussian noise of standard deviation ``noise``.

    The outer moon is (cos t, sin t) and the inner one (1 - cos t, 1/2 - sin t) for t in [0, pi],
    as sklearn; their labels are ``labels[0]`` and ``labels[1]`` (use ``(-1, 1)`` for the hinge
    loss). Reproducible with ``seed`` and independent of the global `random` state.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 2:
        raise ValueError(f"make_moons() needs n >= 2 points, got {n!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be >= 0, got {noise!r}")
    rng = random.Random(seed)
    n_outer = n // 2
    n_inner = n - n_outer

    def angles(m: int) -> list[float]:
        return [math.pi * i / (m - 1) if m > 1 else 0.0 for i in range(m)]

    points = [([math.cos(t), math.sin(t)], labels[0]) for t in angles(n_outer)]
    points += [([1.0 - math.cos(t), 0.5 - math.sin(t)], labels[1]) for t in angles(n_inner)]
    rng.shuffle(points)
    X = [[x1 + rng.gauss(0.0, noise), x2 + rng.gauss(0.0, noise)] if noise else [x1, x2] for (x1, x2), _ in points]
    return X, [label for _, label in points]
