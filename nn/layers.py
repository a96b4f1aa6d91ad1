"""`Neuron`, `Layer` and `MLP`: micrograd's structure, labelled in the documents' notation.

With layers l = 1..L, neuron j of a layer and input k of a neuron (all 1-based), a neuron computes

    z^l_j = sum_k w^l_jk a^(l-1)_k + b^l_j        (ONE graph node: the engine's weighted sum)
    a^l_j = sigma(z^l_j)                          (one node more, none for a linear neuron)

and its nodes carry the labels ``w[l]_jk``, ``b[l]_j``, ``z[l]_j``, ``a[l]_j``; the inputs are
``a[0]_k`` (a^(0) = x). For a linear neuron a^l_j is z^l_j itself, labelled ``z[l]_j``. Once any
index j or k of the model has two digits, every label of the model separates its indices with a
comma (``w[3]_1,9`` next to ``w[3]_1,10``), so a label reads one way.

Python's lists count from 0, the labels from 1: ``model.layers[0].neurons[1].w[2]`` is ``w[1]_23``.
``model.w(l, j, k)`` and ``model.b(l, j)`` take the labels' numbering (as `Trace` does for z, a and
delta), so an equation's indices can be typed as they are written.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from typing import Any

from autograd_lite import Value, weighted_sum
from autograd_lite.naming import Group, Label

from .activations import ACTIVATIONS, check_activation
from .init import make_rng, resolve
from .module import Module, finite_float, is_list_like
from .trace import Trace, textbook_item


def _subscript(indices: tuple[int, ...], max_index: int) -> str:
    return ("" if max(max_index, *indices) < 10 else ",").join(map(str, indices))


def _label(kind: str, l: int, *indices: int, grad_name: str | None = None, max_index: int = 0) -> Label:
    """The label of an nn node: its text in the documents' notation (``w[l]_jk``, ``z[l]_j``, ...),
    with its role, indices and groups (neuron (l, j) and layer l) for the diagrams and the stepper.

    ``max_index`` is the largest index j or k of the whole model: from 10 on, every label separates
    its indices with a comma (``w[3]_1,9``, not ``w[3]_19`` next to ``w[3]_1,10``)."""
    groups = {"layer": Group((l,), "layer 0 (inputs)" if l == 0 else f"layer {l}")}
    if l > 0:
        groups["neuron"] = Group((l, indices[0]), f"neuron [{l}]_{indices[0]}")
    return Label(f"{kind}[{l}]_{_subscript(indices, max_index)}", grad_name=grad_name,
                 role="input" if l == 0 else kind, index=(l, *indices), groups=groups)


def _is_batch(x: Any) -> bool:
    """Whether x is rows of samples: a 2-D array, or a list of lists."""
    return is_list_like(x) and (getattr(x, "ndim", 1) >= 2 or any(map(is_list_like, x)))


def _positive_int(n: Any, what: str) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{what} must be a positive int, got {n!r}")
    return n


class Neuron(Module):
    """One neuron: z = sum_k w_k a_k + b as one node, then a = sigma(z).

    ``l`` and ``j`` (1-based) are its layer and its place in the layer, for the labels: ``w[k - 1]``
    is labelled ``w[l]_jk``. ``fan_out`` is its layer's width, which Xavier initialisation uses;
    ``max_index`` the largest index j or k of the model it is part of, so that its labels are written
    as all the model's are (see `_label`; 0: its own indices decide).
    """

    def __init__(self, nin: int, activation: str = "relu", init: str | None = None,
                 seed: int | random.Random | None = None, *, l: int = 1, j: int = 1, fan_out: int = 1,
                 max_index: int = 0) -> None:
        nin = _positive_int(nin, "nin")
        self.activation = check_activation(activation)
        rng = make_rng(seed)
        n = max(max_index, nin, j)
        self.w = [Value(v, _label("w", l, j, k, max_index=n)) for k, v in
                  enumerate(resolve(init, activation)(nin, fan_out, rng), start=1)]
        self.b = Value(0.0, _label("b", l, j, max_index=n))
        self._z_label = _label("z", l, j, grad_name=f"delta[{l}]_{j}", max_index=n)
        self._a_label = _label("a", l, j, max_index=n)

    @property
    def activation(self) -> str:
        """sigma's name (relu, tanh, sigmoid or linear). The forward pass reads it: setting it changes
        what the neuron computes, and what `to_torch` and the batched engine see, alike."""
        return self._activation

    @activation.setter
    def activation(self, name: str) -> None:
        self._activation = check_activation(name)

    def za(self, x: Sequence[Any]) -> tuple[Value, Value]:
        """(z, a) for inputs x: the pre-activation node and the activation node (the same for linear)."""
        z = weighted_sum(self.w, x, self.b)
        z.label = self._z_label
        sigma = ACTIVATIONS[self._activation].method
        if sigma is None:
            return z, z
        a = getattr(z, sigma)()
        a.label = self._a_label
        return z, a

    def forward(self, x: Sequence[Any]) -> Value:
        return self.za(x)[1]

    def named_members(self) -> tuple[tuple[str, Any], ...]:
        return ("w", self.w), ("b", self.b)

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"


def _shape(widths: list[int]) -> str:
    return f"{len(widths)}x{widths[0]}" if len(set(widths)) == 1 else f"rows of lengths {widths}"


# Functions of any layer with ``.neurons`` (not only an nn.Layer): nn.torch_bridge takes any model
# that keeps the nn contract, the tests' stand-in MLPs among them. `Layer.weights` and
# `Layer.set_weights` are these; their docstrings give the meaning.

def layer_weights(layer: Any) -> tuple[list[list[float]], list[float]]:
    """(W, b) of ``layer.neurons``: see `Layer.weights`."""
    return [[w.data for w in n.w] for n in layer.neurons], [n.b.data for n in layer.neurons]


def set_layer_weights(layer: Any, W: Iterable[Iterable[Any]], b: Iterable[Any]) -> None:
    """Set the weights and biases of ``layer.neurons`` from W and b: see `Layer.set_weights`."""
    try:
        rows, biases = [list(row) for row in W], list(b)
    except TypeError:
        raise TypeError(f"set_weights() takes W as rows of numbers and b as numbers, "
                        f"got {type(W).__name__} and {type(b).__name__}") from None
    widths = [len(n.w) for n in layer.neurons]
    if [len(row) for row in rows] != widths or len(biases) != len(widths):
        raise ValueError(f"W must be {_shape(widths)} and b of length {len(widths)} (one row and one bias per neuron), "
                         f"got W {_shape([len(row) for row in rows])} and b of length {len(biases)}")
    rows = [[finite_float(w, f"W[{j}][{k}]") for k, w in enumerate(row)] for j, row in enumerate(rows)]
    biases = [finite_float(b_j, f"b[{j}]") for j, b_j in enumerate(biases)]
    for n, row, b_j in zip(layer.neurons, rows, biases):
        for w, value in zip(n.w, row):
            w.data = value
        n.b.data = b_j


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; calling it returns a list of nout Values.

    ``neurons[j - 1]`` is neuron j of layer ``l``; ``max_index`` as for `Neuron`."""

    def __init__(self, nin: int, nout: int, activation: str = "relu", init: str | None = None,
                 seed: int | random.Random | None = None, *, l: int = 1, max_index: int = 0) -> None:
        self.nin = _positive_int(nin, "nin")
        nout = _positive_int(nout, "nout")
        rng = make_rng(seed)
        n = max(max_index, nin, nout)
        self.neurons = [Neuron(nin, activation, init, rng, l=l, j=j, fan_out=nout, max_index=n)
                        for j in range(1, nout + 1)]

    @property
    def activation(self) -> str:
        """The activation of the layer's neurons (what they compute: each neuron reads its own at
        forward time). Setting it sets every neuron's. A ValueError if the neurons were given
        different ones: then the layer has no single activation to report, save or export."""
        kinds = {n.activation for n in self.neurons}
        if len(kinds) != 1:
            raise ValueError(f"this layer's neurons have different activations {sorted(kinds)}")
        return kinds.pop()

    @activation.setter
    def activation(self, name: str) -> None:
        name = check_activation(name)
        for n in self.neurons:
            n.activation = name

    def za(self, x: Sequence[Any]) -> tuple[list[Value], list[Value]]:
        """The layer's z and a nodes, one per neuron: (z^l_1..z^l_n, a^l_1..a^l_n) at Python's 0..n-1."""
        if len(x) != self.nin:
            raise ValueError(f"this layer takes {self.nin} inputs, got {len(x)}")
        pairs = [n.za(x) for n in self.neurons]
        return [z for z, _ in pairs], [a for _, a in pairs]

    def forward(self, x: Sequence[Any]) -> list[Value]:
        return self.za(x)[1]

    def weights(self) -> tuple[list[list[float]], list[float]]:
        """(W, b) as plain floats, so that z^l = W^l a^(l-1) + b^l.

        W^l has one row per neuron j and one column per input k: W[j][k] = w^l_jk, and b[j] = b^l_j
        (0-based here, 1-based in the documents). This is PyTorch's ``Linear.weight`` layout.
        """
        return layer_weights(self)

    def set_weights(self, W: Iterable[Iterable[Any]], b: Iterable[Any]) -> None:
        """Set every w^l_jk to W[j][k] and every b^l_j to b[j]: the inverse of `weights`.

        Everything is checked first -- W has one row of nin numbers per neuron and b one number per
        neuron (else a ValueError naming the expected and the given shape), every entry is a finite
        real number (else a TypeError or ValueError naming it) -- so on any error the layer is left
        unchanged.
        """
        set_layer_weights(self, W, b)

    def named_members(self) -> tuple[tuple[str, Any], ...]:
        return (("neurons", self.neurons),)

    def __repr__(self) -> str:
        kinds = sorted({n.activation for n in self.neurons})
        return f"Layer({self.nin}, {len(self.neurons)}, activation={kinds[0] if len(kinds) == 1 else kinds!r})"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [16, 16, 1])`` has layers 2 -> 16 -> 16 -> 1.

    Hidden layers use ``activation``; the last layer uses ``output_activation`` (None: linear, as
    micrograd, so the outputs are scores or logits for the losses). ``init`` (None, "he", "xavier" or
    "uniform") picks the initial weights (None: He for ReLU layers, Xavier otherwise); ``seed`` (an int
    or a random.Random) makes them reproducible without touching the global `random` state.
    """

    def __init__(self, nin: int, sizes: Sequence[int], activation: str = "relu",
                 output_activation: str | None = None, init: str | None = None,
                 seed: int | random.Random | None = None) -> None:
        self.nin = _positive_int(nin, "nin")
        if isinstance(sizes, (str, bytes)) or not isinstance(sizes, Sequence) or len(sizes) == 0:
            raise ValueError(f"sizes must be a non-empty list of layer widths, got {sizes!r}")
        self.sizes = [_positive_int(n, "each layer width in sizes") for n in sizes]
        self._activation = check_activation(activation)  # what the config says when there is no hidden layer
        output_activation = check_activation("linear" if output_activation is None else output_activation)
        rng = make_rng(seed)
        widths = [self.nin, *self.sizes]
        L = len(self.sizes)
        self.layers = [Layer(widths[l - 1], widths[l], self._activation if l < L else output_activation,
                             init, rng, l=l, max_index=max(widths)) for l in range(1, L + 1)]

    @property
    def activation(self) -> str:
        """The hidden layers' activation, read off their neurons; setting it sets every hidden neuron's.
        A ValueError if they differ (an MLP's config, and so its saved file, has one)."""
        hidden = {layer.activation for layer in self.layers[:-1]}
        if len(hidden) > 1:
            raise ValueError(f"the hidden layers have different activations {sorted(hidden)}")
        return hidden.pop() if hidden else self._activation

    @activation.setter
    def activation(self, name: str) -> None:
        self._activation = check_activation(name)
        for layer in self.layers[:-1]:
            layer.activation = name

    @property
    def output_activation(self) -> str:
        """The output layer's activation, read off its neurons; setting it sets theirs."""
        return self.layers[-1].activation

    @output_activation.setter
    def output_activation(self, name: str) -> None:
        self.layers[-1].activation = name

    def inputs(self, x: Sequence[Any]) -> list[Value]:
        """a^(0) for ONE sample x (a list, tuple or 1-D numpy array of nin numbers or Values): numbers
        become leaves labelled ``a[0]_k``; Values are used as given. A batch is refused, naming what
        to do instead."""
        if _is_batch(x):
            raise TypeError(f"an MLP takes one sample (a list of {self.nin} numbers), got a batch of "
                            f"{len(x)} samples: use [model(x) for x in X] for their outputs, "
                            f"or nn.fit(model, X, y, ...) to train on them")
        if not is_list_like(x):
            raise TypeError(f"an MLP takes a list of {self.nin} numbers or Values, got {type(x).__name__}")
        if len(x) != self.nin:
            raise ValueError(f"this MLP takes {self.nin} inputs, got {len(x)}")
        return [v if isinstance(v, Value) else Value(v, _label("a", 0, k)) for k, v in enumerate(x, start=1)]

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        """The outputs a^L: a list of Values, or one Value when the last layer has one neuron."""
        return self.trace(x).output

    def trace(self, x: Sequence[Any]) -> Trace:
        """A forward pass that keeps every layer's z and a nodes (see `Trace`)."""
        a = inputs = self.inputs(x)
        zs, as_ = [], []
        for layer in self.layers:
            z, a = layer.za(a)
            zs.append(z)
            as_.append(a)
        return Trace(inputs, zs, as_)

    def w(self, l: int, j: int, k: int) -> Value:
        """The weight w^l_jk, labelled ``w[l]_jk``, in the documents' numbering (l, j, k from 1):
        ``model.layers[l - 1].neurons[j - 1].w[k - 1]``. An IndexError names the valid range."""
        return textbook_item(self._neuron(l, j, "w(l, j, k)").w, k, f"w(l, j, k): the input k of neuron [{l}]_{j}")

    def b(self, l: int, j: int) -> Value:
        """The bias b^l_j, labelled ``b[l]_j`` (l and j from 1): ``model.layers[l - 1].neurons[j - 1].b``."""
        return self._neuron(l, j, "b(l, j)").b

    def _neuron(self, l: int, j: int, call: str) -> Neuron:
        layer = textbook_item(self.layers, l, f"{call}: the layer l")
        return textbook_item(layer.neurons, j, f"{call}: the neuron j of layer {l}")

    def named_members(self) -> tuple[tuple[str, Any], ...]:
        return (("layers", self.layers),)

    def config(self) -> dict[str, Any]:
        """The architecture: what `MLP(**config)` needs to rebuild an MLP of this shape."""
        return {"nin": self.nin, "sizes": list(self.sizes), "activation": self.activation,
                "output_activation": self.output_activation}

    def save(self, path: str) -> None:
        """Write architecture and weights to `path` as JSON, atomically (see `nn.serialization`)."""
        from .serialization import save

        save(self, path)

    def to_torch(self, dtype: Any = None) -> Any:
        """The same network as a torch.nn.Sequential (see `nn.torch_bridge`)."""
        from .torch_bridge import to_torch

        return to_torch(self, dtype=dtype)

    @classmethod
    def from_torch(cls, seq: Any) -> MLP:
        """An MLP with the architecture and weights of a torch.nn.Sequential (see `nn.torch_bridge`)."""
        from .torch_bridge import from_torch

        return from_torch(seq, cls)

    def __repr__(self) -> str:
        try:
            activations = f"activation={self.activation!r}, output_activation={self.output_activation!r}"
        except ValueError:  # neurons set one by one: show each layer's
            activations = f"layers={self.layers!r}"
        return f"MLP({self.nin}, {self.sizes}, {activations})"
