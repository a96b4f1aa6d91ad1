"""Hand nn's blocks to PyTorch and back (float64 by default, weights copied; torch imported lazily).

Each block becomes one torch module computing the same function:

- `nn.RNN(nin, nhidden)` -> ``torch.nn.RNN(nin, nhidden)`` (tanh, one layer) with weight_ih_l0 =
  W_xh, weight_hh_l0 = W_hh, bias_ih_l0 = b and bias_hh_l0 = 0; called on an unbatched (T, nin)
  input, ``rnn(x, h0)`` returns (output, h_T) with output[t - 1] = h_t. Back: b = bias_ih + bias_hh.
- `nn.Residual(f)` -> a ``Residual`` torch module (defined here, on first use) whose forward is
  ``x + f(x)``, f converted.
- `nn.Sequential(...)` -> ``torch.nn.Sequential`` of the converted modules, where a `Layer` (and each
  layer of an `MLP`) is its ``Linear`` followed by its activation module, as `nn.torch_bridge`
  exports an MLP -- the flat list a PyTorch user writes. Back, each Linear with the activation after
  it becomes a Layer (so an MLP inside a Sequential comes back as its Layers: the same function).
- A `Layer` or an `MLP` given alone -> ``torch.nn.Sequential`` (`nn.torch_bridge.to_torch`).
- Any other module inside a Sequential or a Residual: what its own ``to_torch(dtype)`` returns.

Layers read back are numbered l = 1, 2, ... in order, for their labels.
"""

from __future__ import annotations

import functools
from types import SimpleNamespace
from typing import Any

from . import conv
from .architecture import layer_number
from .containers import Residual, Sequential
from .layers import MLP, Layer
from .module import Module
from .recurrent import RNN
from .torch_bridge import ACTIVATIONS
from .torch_bridge import from_torch as mlp_from_torch
from .torch_bridge import to_torch as mlp_to_torch

__all__ = ["from_torch", "to_torch", "torch_residual_class"]


@functools.cache
def torch_residual_class() -> type:
    """The torch module a `Residual` becomes: forward(x) = x + module(x)."""
    import torch

    class TorchResidual(torch.nn.Module):
        """x + module(x): a residual block (nn.Residual's PyTorch equivalent)."""

        def __init__(self, module: Any) -> None:
            super().__init__()
            self.module = module

        def forward(self, x: Any) -> Any:
            return x + self.module(x)

    TorchResidual.__name__ = TorchResidual.__qualname__ = "Residual"
    return TorchResidual


def _torch_modules(module: Module, dtype: Any) -> list[Any]:
    """The torch modules `module` becomes inside a torch Sequential (a Layer or an MLP: flat)."""
    if isinstance(module, Layer):
        return list(mlp_to_torch(SimpleNamespace(layers=[module]), dtype))
    if isinstance(module, MLP):
        return list(mlp_to_torch(module, dtype))
    return [to_torch(module, dtype)]


def to_torch(module: Module, dtype: Any = None) -> Any:
    """The PyTorch equivalent of an nn module (see the module docstring), with copies of its weights."""
    import torch

    dtype = torch.float64 if dtype is None else dtype
    if isinstance(module, RNN):
        W_xh, W_hh, b = module.weights()
        rnn = torch.nn.RNN(module.nin, module.nhidden, dtype=dtype)
        with torch.no_grad():
            rnn.weight_ih_l0.copy_(torch.tensor(W_xh, dtype=dtype))
            rnn.weight_hh_l0.copy_(torch.tensor(W_hh, dtype=dtype))
            rnn.bias_ih_l0.copy_(torch.tensor(b, dtype=dtype))
            rnn.bias_hh_l0.zero_()
        return rnn
    if isinstance(module, Residual):
        inner = _torch_modules(module.module, dtype)
        return torch_residual_class()(inner[0] if len(inner) == 1 else torch.nn.Sequential(*inner))
    if isinstance(module, Sequential):
        return torch.nn.Sequential(*[t for m in module.modules for t in _torch_modules(m, dtype)])
    if isinstance(module, (Layer, MLP)):
        return torch.nn.Sequential(*_torch_modules(module, dtype))
    if callable(getattr(module, "to_torch", None)):  # another module that knows its equivalent (a convolution)
        return module.to_torch(dtype)
    raise TypeError(f"to_torch() converts nn's Layer, MLP, Sequential, Residual, RNN and modules with a "
                    f"to_torch() method, got {type(module).__name__}")


def _rnn_from_torch(rnn: Any) -> RNN:
    if rnn.num_layers != 1 or rnn.nonlinearity != "tanh" or rnn.bidirectional or rnn.proj_size:
        raise ValueError(f"nn.RNN is one tanh layer, one direction: got {rnn!r}")
    model = RNN(rnn.input_size, rnn.hidden_size, seed=0)
    b = (rnn.bias_ih_l0 + rnn.bias_hh_l0).tolist() if rnn.bias else [0.0] * rnn.hidden_size
    model.set_weights(rnn.weight_ih_l0.tolist(), rnn.weight_hh_l0.tolist(), b)
    return model


def _from_torch(module: Any, counter: list[int]) -> Module:
    """The nn module `module` stands for; ``counter[0]`` is the number of layers read so far."""
    import torch

    if isinstance(module, torch.nn.RNN):
        with torch.no_grad():
            return _rnn_from_torch(module)
    if isinstance(module, torch_residual_class()):
        inner = _from_torch(module.module, counter)
        if isinstance(inner, Sequential) and len(inner) == 1:
            inner = inner[0]
        return Residual(inner)
    if isinstance(module, (torch.nn.Conv1d, torch.nn.Conv2d)):
        counter[0] += 1
        return getattr(conv, type(module).__name__).from_torch(module, l=counter[0])
    if isinstance(module, torch.nn.Flatten):
        return conv.Flatten()
    for name in ("ReLU", "Tanh", "Sigmoid"):  # an activation of its own, as after a convolution
        if isinstance(module, getattr(torch.nn, name)):
            return getattr(conv, name)()
    if isinstance(module, torch.nn.Linear):
        module = torch.nn.Sequential(module)
    if isinstance(module, torch.nn.Sequential):
        parts: list[Module] = []
        run: list[Any] = []  # a run of Linear / activation modules: Layers

        def flush() -> None:
            if run:
                mlp = mlp_from_torch(torch.nn.Sequential(*run))
                for layer in mlp.layers:
                    counter[0] += 1
                    parts.append(_renumbered(layer, counter[0]))
                run.clear()

        activations = tuple(getattr(torch.nn, name) for name in ACTIVATIONS.values()) + (torch.nn.Identity,)
        for child in module:
            if isinstance(child, torch.nn.Linear) or (run and isinstance(child, activations)):
                run.append(child)
            else:
                flush()
                parts.append(_from_torch(child, counter))
        flush()
        if not parts:
            raise ValueError("from_torch() got an empty torch.nn.Sequential")
        return Sequential(*parts)
    raise TypeError(f"from_torch() understands torch.nn.Sequential, Linear (+ ReLU, Tanh, Sigmoid), Conv1d, Conv2d, "
                    f"Flatten, RNN and the Residual module of nn's to_torch, got {type(module).__name__}")


def _renumbered(layer: Layer, l: int) -> Layer:
    """A copy of `layer` whose labels say layer l."""
    if layer_number(layer) == l:
        return layer
    copy = Layer(layer.nin, len(layer.neurons), layer.activation, l=l)
    copy.set_weights(*layer.weights())
    return copy


def from_torch(module: Any) -> Module:
    """The nn module a PyTorch module stands for: the inverse of `to_torch` (see the module docstring)."""
    return _from_torch(module, [0])
