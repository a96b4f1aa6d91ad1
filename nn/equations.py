"""Backpropagation for an MLP by hand, exactly as the source documents write it: no graph.

Plain Python floats and lists, no autograd_lite. This is deliberately a second, independent
computation of the gradients: the tests hold every ``.grad`` the engine produces against it. With
layers l = 1..L, a^(0) = x, sigma the layer's activation and L the loss (the third document's cost
C; as a superscript, L is the last layer, as in the second document):

    forward      z^l = W^l a^(l-1) + b^l,            a^l = sigma(z^l)
    output       delta^L = dL/da^L (.) sigma'(z^L)
    hidden       delta^l = ((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l)
    gradients    dL/dW^l = delta^l (a^(l-1))^T,      dL/db^l = delta^l

(.) is the element-wise product. Per neuron: delta^l_j = sum_k w^(l+1)_kj delta^(l+1)_k sigma'(z^l_j)
and dL/dw^l_jk = a^(l-1)_k delta^l_j. With softmax and cross-entropy at the output the first line
becomes delta^L = softmax(z^L) - y. For a batch loss (the mean over B samples) the gradient is the
mean over the samples of these per-sample gradients. docs/backprop.md lists each equation with the
function below that computes it and the test that holds the graph to it.

``W^l`` is a list of rows: ``W[j][k]`` = w^l_jk (0-based here, 1-based in the documents), and the
per-layer lists are 0-based too: ``Backprop.delta[l - 1]`` is delta^l.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .activations import ACTIVATIONS

Vector = list[float]
Matrix = list[list[float]]


class LayerWeights(NamedTuple):
    """One layer's W^l (rows j, columns k), b^l and activation name."""

    W: Matrix
    b: Vector
    activation: str


#: sigma and sigma' as functions of z, read off nn's one activation table (`nn.activations`).
SIGMA: dict[str, Callable[[float], float]] = {name: a.sigma for name, a in ACTIVATIONS.items()}
SIGMA_PRIME: dict[str, Callable[[float], float]] = {name: a.sigma_prime for name, a in ACTIVATIONS.items()}


def softmax(z: Vector) -> Vector:
    top = max(z)
    e = [math.exp(z_i - top) for z_i in z]
    total = math.fsum(e)
    return [e_i / total for e_i in e]


def _one_hot(y: Any, n: int) -> Vector:
    return [1.0 if c == y else 0.0 for c in range(n)] if isinstance(y, int) else [float(p) for p in y]


def loss_gradient(loss: str, a: Vector, y: Any) -> Vector:
    """dL/da^L for one sample, for the losses of `nn.losses` (a^L being the scores / logits).

    - mse:                  L = (1/n) sum_i (a_i - y_i)^2            dL/da_i = 2 (a_i - y_i) / n
    - hinge:                L = max(0, 1 - y a)                       dL/da = -y where 1 - y a > 0, else 0
    - binary_cross_entropy: L = log(1 + e^a) - y a                    dL/da = sigmoid(a) - y
    - cross_entropy:        L = -sum_c y_c log softmax(a)_c           dL/da = softmax(a) sum_c y_c - y
                            (so softmax(a) - y for a one-hot y: the documents' softmax(z^L) - y)
    """
    if loss == "mse":
        ys = y if isinstance(y, Sequence) else [y]
        return [2.0 * (a_i - y_i) / len(a) for a_i, y_i in zip(a, ys)]
    if loss == "hinge":
        return [-y if 1.0 - y * a[0] > 0 else 0.0]
    if loss == "binary_cross_entropy":
        return [SIGMA["sigmoid"](a[0]) - y]
    if loss == "cross_entropy":
        p = _one_hot(y, len(a))
        return [s * math.fsum(p) - p_c for s, p_c in zip(softmax(a), p)]
    raise ValueError(f"unknown loss {loss!r}; one of mse, hinge, binary_cross_entropy, cross_entropy")


@dataclass
class Backprop:
    """The documents' quantities, one list entry per layer l = 1..L (index l - 1).

    ``x`` = a^(0); ``z``, ``a``, ``delta`` are vectors; ``dW`` matrices (rows j); ``db`` vectors.
    """

    x: Vector
    z: list[Vector]
    a: list[Vector]
    delta: list[Vector]
    dW: list[Matrix]
    db: list[Vector]


def weights_of(model: Any) -> list[LayerWeights]:
    """W^l, b^l and sigma of every layer of an `nn.MLP`, as plain floats."""
    return [LayerWeights(*layer.weights(), layer.activation) for layer in model.layers]


def backprop(model_or_weights: Any, x: Sequence[float], y: Any, loss: str | Callable) -> Backprop:
    """Forward and backward pass for one sample (x, y), equation by equation."""
    layers = model_or_weights if isinstance(model_or_weights, list) else weights_of(model_or_weights)
    loss = getattr(loss, "__name__", loss)
    x = [float(v) for v in x]
    # Forward: z^l = W^l a^(l-1) + b^l,  a^l = sigma(z^l).
    z: list[Vector] = []
    a: list[Vector] = []
    a_prev = x
    for W, b, act in layers:
        z_l = [math.fsum([w_jk * a_k for w_jk, a_k in zip(W_j, a_prev)] + [b_j]) for W_j, b_j in zip(W, b)]
        a_prev = [SIGMA[act](z_j) for z_j in z_l]
        z.append(z_l)
        a.append(a_prev)
    # Output layer: delta^L = dL/da^L (.) sigma'(z^L).
    L = len(layers)
    delta: list[Vector] = [[]] * L
    dL_da = loss_gradient(loss, a[-1], y)
    delta[L - 1] = [g * SIGMA_PRIME[layers[-1].activation](z_j) for g, z_j in zip(dL_da, z[-1])]
    # Hidden layers: delta^l = ((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l).
    for l in range(L - 2, -1, -1):
        W_next, sigma_prime = layers[l + 1].W, SIGMA_PRIME[layers[l].activation]
        delta[l] = [math.fsum(W_next[k][j] * delta[l + 1][k] for k in range(len(W_next))) * sigma_prime(z_j)
                    for j, z_j in enumerate(z[l])]
    # dL/dW^l = delta^l (a^(l-1))^T,  dL/db^l = delta^l.
    a_in = [x, *a[:-1]]
    dW = [[[d_j * a_k for a_k in a_in[l]] for d_j in delta[l]] for l in range(L)]
    db = [list(delta[l]) for l in range(L)]
    return Backprop(x, z, a, delta, dW, db)


def batch_gradients(model_or_weights: Any, X: Sequence[Sequence[float]], Y: Sequence[Any],
                    loss: str | Callable) -> tuple[list[Matrix], list[Vector], list[Backprop]]:
    """dL/dW^l and dL/db^l of the batch loss L = (1/B) sum_s L_s: the mean of the per-sample gradients.

    Returns (dW, db, per-sample results).
    """
    samples = [backprop(model_or_weights, x, y, loss) for x, y in zip(X, Y)]
    B = len(samples)
    dW = [[[math.fsum(s.dW[l][j][k] for s in samples) / B for k in range(len(row))] for j, row in enumerate(m)]
          for l, m in enumerate(samples[0].dW)]
    db = [[math.fsum(s.db[l][j] for s in samples) / B for j in range(len(v))] for l, v in enumerate(samples[0].db)]
    return dW, db, samples
