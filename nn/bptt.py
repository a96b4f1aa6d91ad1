"""Backpropagation through time for an Elman RNN by hand, as `nn.equations` does for the MLP: no graph.

Plain Python floats and lists, no autograd_lite: a second, independent computation of the gradients
of `nn.RNN`, which the tests hold every ``.grad`` of the graph against. With inputs x_1..x_T, h_0
given and tanh' = 1 - tanh^2:

    forward      z_t = W_xh x_t + W_hh h_(t-1) + b,          h_t = tanh(z_t)          (t = 1..T)
    backward     delta_t = (W_hh^T delta_(t+1) + dL/dh_t) (.) (1 - h_t^2)            (t = T..1)
                 with delta_(T+1) = 0, and dL/dh_t the loss's own gradient at h_t
    gradients    dL/dW_xh = sum_t delta_t x_t^T,     dL/dW_hh = sum_t delta_t h_(t-1)^T,
                 dL/db = sum_t delta_t,               dL/dx_t = W_xh^T delta_t,    dL/dh_0 = W_hh^T delta_1

(.) is the element-wise product and delta_t = dL/dz_t, the error signal of step t. Per unit:
delta[t]_j = (sum_k W_hh[k,j] delta[t+1]_k + dL/dh[t]_j) (1 - h[t]_j^2) and
dL/dW_hh[j,k] = sum_t delta[t]_j h[t-1]_k. The recurrence is the MLP's delta^l =
((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l) with layers become time steps, every step sharing the one
W_hh, plus the loss's gradient entering at every step (each h_t is an output); a shared weight's
gradient is the sum over the steps, as the graph accumulates it with one ``+=`` per step.

Each step back multiplies by W_hh^T and by tanh' <= 1, so |delta_t| typically shrinks (or, with
large W_hh, grows) geometrically with the distance T - t: vanishing (exploding) gradients through
time. Matrices are lists of rows: ``W_hh[j][k]`` (0-based here, 1-based in the labels).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

Vector = list[float]
Matrix = list[list[float]]


@dataclass
class BPTT:
    """The quantities of backpropagation through time; lists over t = 1..T (index t - 1).

    ``h0`` = h_0; ``z``, ``h``, ``delta``, ``dx`` are vectors per step; ``dW_xh``, ``dW_hh`` matrices
    (rows j); ``db`` and ``dh0`` vectors.
    """

    h0: Vector
    z: list[Vector]
    h: list[Vector]
    delta: list[Vector]
    dW_xh: Matrix
    dW_hh: Matrix
    db: Vector
    dx: list[Vector]
    dh0: Vector


def _matvec(W: Matrix, v: Vector) -> Vector:
    return [math.fsum(w * x for w, x in zip(row, v)) for row in W]


def _matTvec(W: Matrix, v: Vector) -> Vector:
    """W^T v."""
    return [math.fsum(W[j][k] * v[j] for j in range(len(W))) for k in range(len(W[0]))]


def _outer_sum(deltas: list[Vector], vectors: list[Vector]) -> Matrix:
    """sum_t delta_t v_t^T."""
    return [[math.fsum(d[j] * v[k] for d, v in zip(deltas, vectors)) for k in range(len(vectors[0]))]
            for j in range(len(deltas[0]))]


def bptt(W_xh: Matrix, W_hh: Matrix, b: Vector, xs: Sequence[Sequence[float]], dL_dh: Sequence[Sequence[float]],
         h0: Sequence[float] | None = None) -> BPTT:
    """Forward and backward pass through time, equation by equation.

    ``xs``: the T inputs; ``dL_dh``: the loss's gradient at each h_t (t = 1..T), zeros where the loss
    does not read h_t; ``h0``: None for zeros. Returns every intermediate quantity and gradient.
    """
    T, n = len(xs), len(b)
    if len(dL_dh) != T:
        raise ValueError(f"dL_dh must hold one gradient per time step ({T}), got {len(dL_dh)}")
    h_prev = [0.0] * n if h0 is None else [float(v) for v in h0]
    xs = [[float(v) for v in x] for x in xs]
    # Forward: z_t = W_xh x_t + W_hh h_(t-1) + b,  h_t = tanh(z_t).
    hs_in, zs, hs = [h_prev], [], []
    for x in xs:
        z = [math.fsum([a, c, b_j]) for a, c, b_j in zip(_matvec(W_xh, x), _matvec(W_hh, h_prev), b)]
        h_prev = [math.tanh(z_j) for z_j in z]
        zs.append(z)
        hs.append(h_prev)
        hs_in.append(h_prev)
    # Backward: delta_t = (W_hh^T delta_(t+1) + dL/dh_t) (.) (1 - h_t^2), from t = T down to 1.
    delta: list[Vector] = [[]] * T
    carried = [0.0] * n  # W_hh^T delta_(t+1); zero past the last step
    for t in range(T - 1, -1, -1):
        delta[t] = [(c + float(g)) * (1.0 - h_j * h_j) for c, g, h_j in zip(carried, dL_dh[t], hs[t])]
        carried = _matTvec(W_hh, delta[t])
    # Gradients: sums over t of each step's share.
    return BPTT(h0=hs_in[0], z=zs, h=hs, delta=delta,
                dW_xh=_outer_sum(delta, xs), dW_hh=_outer_sum(delta, hs_in[:-1]),
                db=[math.fsum(d[j] for d in delta) for j in range(n)],
                dx=[_matTvec(W_xh, d) for d in delta], dh0=carried)


def of_model(rnn: Any, xs: Sequence[Sequence[float]], dL_dh: Sequence[Sequence[float]],
             h0: Sequence[float] | None = None) -> BPTT:
    """`bptt` with the weights of an `nn.RNN`."""
    return bptt(*rnn.weights(), xs, dL_dh, h0)
