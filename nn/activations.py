"""The activations sigma of nn, in one table: each name with everything nn knows of it.

    name     a = sigma(z)      sigma'(z)                     graph node      torch      default init
    relu     max(0, z)         1 if z > 0 else 0             Value.relu      ReLU       He
    tanh     tanh(z)           1 - tanh(z)^2                 Value.tanh      Tanh       Xavier
    sigmoid  1 / (1 + e^-z)    sigma(z) (1 - sigma(z))       Value.sigmoid   Sigmoid    Xavier
    linear   z                 1                             none: a is z    none       Xavier

The layers build a^l_j with the engine's method (`nn.layers`), `nn.equations` computes sigma and
sigma' on plain floats (a second computation the tests hold the graph against, so this module does
not import the engine), `nn.torch_bridge` maps a layer to its torch module, and `nn.init` picks the
default initial weights. relu'(0) = 0, as PyTorch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Activation:
    """One activation: ``method`` names the Value method that adds a^l_j to the graph (None: a is
    z itself, no node); ``sigma`` and ``sigma_prime`` are its value and derivative on floats;
    ``torch`` is the torch.nn module class name (None: no module); ``init`` the default initialiser."""

    name: str
    method: str | None
    sigma: Callable[[float], float]
    sigma_prime: Callable[[float], float]
    torch: str | None
    init: str


def _sigmoid(z: float) -> float:
    # Two forms so that e^(-z) never overflows.
    return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))


ACTIVATIONS: dict[str, Activation] = {a.name: a for a in (
    Activation("relu", "relu", lambda z: z if z > 0 else 0.0, lambda z: 1.0 if z > 0 else 0.0, "ReLU", "he"),
    # 1 - tanh^2 as (1 - t)(1 + t): no cancellation near saturation, where the graph's is exact (one rounding)
    Activation("tanh", "tanh", math.tanh, lambda z: (1.0 - math.tanh(z)) * (1.0 + math.tanh(z)), "Tanh", "xavier"),
    Activation("sigmoid", "sigmoid", _sigmoid, lambda z: _sigmoid(z) * (1.0 - _sigmoid(z)), "Sigmoid", "xavier"),
    Activation("linear", None, lambda z: z, lambda z: 1.0, None, "xavier"),
)}


def check_activation(activation: object) -> str:
    """The activation's name, or a ValueError listing the valid ones."""
    if not isinstance(activation, str) or activation not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {', '.join(map(repr, ACTIVATIONS))}, got {activation!r}")
    return activation  # type: ignore[return-value]
