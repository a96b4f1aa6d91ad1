"""Hand a model to PyTorch and back: an nn.MLP as a torch.nn.Sequential of Linear + activations.

Layer l of the MLP becomes ``torch.nn.Linear(n_(l-1), n_l)`` with ``weight[j, k] = w^l_jk`` (neuron j,
input k; PyTorch stores a layer's weights as one row per neuron, as the documents' matrix w^l) and
``bias[j] = b^l_j``, followed by its activation module (ReLU, Tanh, Sigmoid; none for "linear").
Both compute a^l = sigma(w^l a^(l-1) + b^l), so outputs and gradients agree to rounding.

torch is optional: it is imported inside these functions only. Moving a trained model into a
PyTorch training loop::

    seq = model.to_torch()                                   # same weights, float64
    opt = torch.optim.Adam(seq.parameters(), lr=1e-3)
    loss = torch.nn.functional.cross_entropy(seq(X), y); opt.zero_grad(); loss.backward(); opt.step()
"""

from __future__ import annotations

from typing import Any

from .activations import ACTIVATIONS as _TABLE
from .layers import MLP, layer_weights, set_layer_weights

__all__ = ["from_torch", "to_torch"]

# The torch module of each activation, read off nn's one table ("linear": no module).
ACTIVATIONS = {name: a.torch for name, a in _TABLE.items() if a.torch is not None}


def _layer_activation(layer: Any, l: int) -> str:
    kinds = {n.activation for n in layer.neurons}
    if len(kinds) != 1:
        raise ValueError(f"layer {l} mixes activations {sorted(kinds)}: a torch Sequential applies one per layer")
    (kind,) = kinds
    if kind != "linear" and kind not in ACTIVATIONS:
        raise ValueError(f"layer {l} has activation {kind!r}; PyTorch export knows {sorted(ACTIVATIONS)} and 'linear'")
    return kind


def to_torch(model: Any, dtype: Any = None) -> Any:
    """An equivalent ``torch.nn.Sequential`` (dtype default torch.float64) with copies of the weights."""
    import torch

    dtype = torch.float64 if dtype is None else dtype
    modules = []
    for l, layer in enumerate(model.layers, start=1):
        kind = _layer_activation(layer, l)
        W, b = layer_weights(layer)
        linear = torch.nn.Linear(len(W[0]), len(W), dtype=dtype)
        with torch.no_grad():
            linear.weight.copy_(torch.tensor(W, dtype=dtype))
            linear.bias.copy_(torch.tensor(b, dtype=dtype))
        modules.append(linear)
        if kind != "linear":
            modules.append(getattr(torch.nn, ACTIVATIONS[kind])())
    return torch.nn.Sequential(*modules)


def _layers_of(seq: Any) -> list[tuple[Any, str]]:
    """(Linear, activation name) per layer, checking the Sequential holds nothing else."""
    import torch

    if not isinstance(seq, torch.nn.Sequential):
        raise TypeError(f"from_torch() takes a torch.nn.Sequential, got {type(seq).__name__}")
    names = {getattr(torch.nn, cls): kind for kind, cls in ACTIVATIONS.items()}
    layers: list[tuple[Any, str]] = []
    activated = True  # an activation needs a Linear before it that has none yet
    for position, module in enumerate(seq):
        if isinstance(module, torch.nn.Linear):
            if module.bias is None:
                raise ValueError(f"module {position} is a Linear without bias; every nn.Neuron has a bias b")
            if layers and module.in_features != layers[-1][0].out_features:
                raise ValueError(f"module {position} takes {module.in_features} inputs but the layer before it "
                                 f"has {layers[-1][0].out_features} outputs")
            layers.append((module, "linear"))
            activated = False
        elif type(module) in names or isinstance(module, torch.nn.Identity):
            if activated:
                raise ValueError(f"module {position} ({type(module).__name__}) does not follow a Linear: "
                                 f"an nn.MLP layer is one Linear and at most one activation")
            if type(module) in names:
                layers[-1] = (layers[-1][0], names[type(module)])
            activated = True
        else:
            raise ValueError(f"module {position} is a {type(module).__name__}; from_torch() understands Linear, "
                             f"ReLU, Tanh, Sigmoid and Identity")
    if not layers:
        raise ValueError("from_torch() needs at least one Linear layer")
    return layers


def from_torch(seq: Any, cls: Any = None) -> Any:
    """An nn.MLP (or `cls`, called like nn.MLP) with the Sequential's weights and activations."""
    cls = MLP if cls is None else cls
    layers = _layers_of(seq)
    hidden = {kind for _, kind in layers[:-1]}
    if len(hidden) > 1:
        raise ValueError(f"the hidden layers use different activations {sorted(hidden)}; an nn.MLP uses one")
    model = cls(layers[0][0].in_features, [linear.out_features for linear, _ in layers],
                activation=hidden.pop() if hidden else "relu", output_activation=layers[-1][1], seed=0)
    for l, ((linear, kind), layer) in enumerate(zip(layers, model.layers), start=1):
        for neuron in layer.neurons:
            if neuron.activation != kind:
                raise ValueError(f"{cls.__name__} made layer {l} with activation {neuron.activation!r}, not {kind!r}")
        try:
            set_layer_weights(layer, linear.weight.detach().tolist(), linear.bias.detach().tolist())
        except (TypeError, ValueError) as e:
            raise type(e)(f"layer {l}: {e}") from None
    return model
