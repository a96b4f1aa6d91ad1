"""Convolutions over scalar Values: `Conv1d` and `Conv2d`, and what a small CNN needs around them.

A convolution with C_in input channels, C_out output channels and a kernel of size K (K_h x K_w in
two dimensions) computes, for output channel c and output position i (or (i, j)),

    z[c,i]   = sum_{c',u}     w[c,c',u]   x[c', s*i + u - p]              + b[c]
    z[c,i,j] = sum_{c',u,v}   w[c,c',u,v] x[c', s*i + u - p, s*j + v - p] + b[c]

with stride s and zero padding p (x is 0 outside the input) -- PyTorch's ``conv1d``/``conv2d``, whose
weight layout (C_out, C_in, K) / (C_out, C_in, K_h, K_w) and 0-based indices are kept. Each z is ONE
graph node, the engine's weighted sum (kernel weights, input patch, bias), and every position reuses
the same leaf Values w[c,c',u(,v)] and b[c]: the weights are *shared*. The chain rule then adds one
contribution per position into a shared weight, so

    dL/dw[c,c',u] = sum_i delta[c,i] x[c', s*i + u - p]          (delta[c,i] = dL/dz[c,i])

the sum over positions the engine computes with its ``+=``: nothing convolution-specific is needed
for the gradients. Inputs and outputs are nested lists: ``[channel][position]`` for Conv1d and
``[channel][row][column]`` for Conv2d, PyTorch's unbatched (C, L) and (C, H, W).

Labels: weights ``w[c,c',u,v]``, biases ``b[c]``, outputs ``z[c,i,j]`` (gradient ``delta[c,i,j]``),
inputs given as numbers ``x[c,i,j]``; with ``l=2`` they read ``w2[...]``, ``z2[...]``, so the
layers of a deeper network stay apart. Every node carries the groups "channel" (its output
channel; the input channels for inputs) and "layer", for ``draw(root, group="channel")``.

`Flatten` turns the channels into one list (for a `nn.Layer` after them), and `ReLU`, `Tanh` and
`Sigmoid` apply an activation to every element of nested lists, as PyTorch's modules of those names.
"""

from __future__ import annotations

import itertools
import math
import random
from collections.abc import Iterator, Sequence
from typing import Any

from autograd_lite import Const, Value, weighted_sum
from autograd_lite.naming import Group, Label

from .architecture import register
from .init import he, make_rng
from .module import Module, finite_float

__all__ = ["Conv1d", "Conv2d", "Flatten", "ReLU", "Sigmoid", "Tanh"]


def _sizes(value: Any, what: str, dims: int, least: int) -> tuple[int, ...]:
    """`value` (an int, or a tuple of `dims` ints) as a tuple of `dims` ints >= `least`, or a clear error."""
    sizes = (value,) * dims if isinstance(value, int) and not isinstance(value, bool) else value
    if (not isinstance(sizes, (tuple, list)) or len(sizes) != dims
            or not all(isinstance(n, int) and not isinstance(n, bool) and n >= least for n in sizes)):
        pair = "" if dims == 1 else " or a pair of them"
        raise ValueError(f"{what} must be an int >= {least}{pair}, got {value!r}")
    return tuple(sizes)


def _text(indices: Sequence[int]) -> str:
    return ",".join(map(str, indices))


class _ConvNd(Module):
    """What Conv1d and Conv2d share; ``dims`` is the number of spatial dimensions."""

    dims: int
    layout: str  # the input's nesting, for error messages

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int | tuple[int, ...], stride: Any = 1,
                 padding: Any = 0, seed: int | random.Random | None = None, *, l: int | None = None) -> None:
        self.in_channels = _sizes(in_channels, "in_channels", 1, 1)[0]
        self.out_channels = _sizes(out_channels, "out_channels", 1, 1)[0]
        self.kernel_size = _sizes(kernel_size, "kernel_size", self.dims, 1)
        self.stride = _sizes(stride, "stride", self.dims, 1)
        self.padding = _sizes(padding, "padding", self.dims, 0)
        if l is not None:
            _sizes(l, "l", 1, 0)
        self.l = l
        rng = make_rng(seed)
        # He initialisation (the default for ReLU in nn.init) over the fan-in C_in * prod(K); biases 0.
        self.offsets = list(itertools.product(range(self.in_channels), *map(range, self.kernel_size)))
        fan_in = len(self.offsets)
        self.weight = [Value(v, self._label("w", (c, *offset))) for c in range(self.out_channels)
                       for offset, v in zip(self.offsets, he(fan_in, self.out_channels, rng))]
        self.bias = [Value(0.0, self._label("b", (c,))) for c in range(self.out_channels)]
        self._patch_cache: dict[tuple[int, ...], tuple[tuple[int, ...], list[list[int]], list[list[Label]]]] = {}

    # -- labels ----------------------------------------------------------------------------
    def _groups(self, channel: int) -> dict[str, Group]:
        l = 1 if self.l is None else self.l
        where = "" if self.l is None else f" (layer {l})"
        return {"channel": Group((l, channel), f"channel {channel}{where}"),
                "layer": Group((l,), f"{type(self).__name__} layer {l}" if self.l is not None else type(self).__name__)}

    def _label(self, kind: str, indices: tuple[int, ...], grad_name: str | None = None) -> Label:
        """``w[c,c',u]``, ``b[c]``, ``z[c,i]`` (``w2[...]`` with l=2), in output channel indices[0]'s groups."""
        name = kind if self.l is None else f"{kind}{self.l}"
        return Label(f"{name}[{_text(indices)}]", grad_name=grad_name and f"{grad_name}[{_text(indices)}]",
                     role=kind, index=indices, groups=self._groups(indices[0]))

    def _input_label(self, indices: tuple[int, ...]) -> Label:
        name = "x" if self.l is None else f"a{self.l - 1}"
        return Label(f"{name}[{_text(indices)}]", role="input", index=indices,
                     groups={"channel": Group((-1, indices[0]), f"input channel {indices[0]}"),
                             "layer": Group((0,), "inputs")})

    # -- the computation --------------------------------------------------------------------
    def _grid(self, x: Any) -> tuple[list[Value], tuple[int, ...]]:
        """The input as a flat list of Values in (channel, *position) order, and its shape (C, *sizes).

        Numbers become leaves labelled ``x[c,i,j]``; Values are used as given. A ragged or wrongly
        nested input, or one with the wrong number of channels, is refused with a ValueError."""
        shape: list[int] = []
        flat: list[Any] = []

        def walk(item: Any, depth: int, where: tuple[int, ...]) -> None:
            if depth == self.dims + 1:
                if isinstance(item, (str, bytes)) or hasattr(item, "__len__"):
                    raise ValueError(f"{type(self).__name__} takes {self.layout}: x{list(where)} should be a "
                                     f"number or a Value, got a {type(item).__name__}")
                flat.append(item if isinstance(item, Value) else Value(item, self._input_label(where)))
                return
            if isinstance(item, (str, bytes, Value)) or not hasattr(item, "__len__") or len(item) == 0:
                raise ValueError(f"{type(self).__name__} takes {self.layout}: x{list(where)} should be a non-empty "
                                 f"list, got {type(item).__name__}")
            if len(shape) == depth:
                shape.append(len(item))
            elif len(item) != shape[depth]:
                raise ValueError(f"{type(self).__name__} takes {self.layout} with rows of equal length: "
                                 f"x{list(where)} has length {len(item)}, the first has {shape[depth]}")
            for k, sub in enumerate(item):
                walk(sub, depth + 1, (*where, k))

        walk(x, 0, ())
        if shape[0] != self.in_channels:
            raise ValueError(f"this {type(self).__name__} takes {self.in_channels} input channel(s), got {shape[0]}")
        return flat, tuple(shape)

    def output_size(self, size: Sequence[int]) -> tuple[int, ...]:
        """The output's spatial size for an input of spatial size `size`: floor((n + 2p - k) / s) + 1."""
        out = tuple((n + 2 * p - k) // s + 1 for n, k, s, p in zip(size, self.kernel_size, self.stride, self.padding))
        if min(out) < 1:
            raise ValueError(f"{type(self).__name__} with kernel {self.kernel_size} and padding {self.padding} "
                             f"needs an input of spatial size at least "
                             f"{tuple(k - 2 * p for k, p in zip(self.kernel_size, self.padding))}, got {tuple(size)}")
        return out

    def _patches(self, size: tuple[int, ...]) -> tuple[tuple[int, ...], list[list[int]], list[list[Label]]]:
        """The output size for inputs of spatial `size`; per output position (row-major), the flat input
        index each kernel offset reads (-1: padding); and the outputs' labels, per channel and position.
        They depend on the size only, so they are kept per size (as a Neuron keeps its labels)."""
        if size not in self._patch_cache:
            out_size = self.output_size(size)
            # the flat (row-major) index of input (c', *at) is c' * prod(size) + sum_d at_d * steps_d
            channel, steps = math.prod(size), [math.prod(size[d:]) for d in range(1, self.dims + 1)]
            patches = []
            for position in itertools.product(*map(range, out_size)):
                starts = [i * s - p for i, s, p in zip(position, self.stride, self.padding)]
                patch = []
                for c_in, *offset in self.offsets:
                    at = [s + u for s, u in zip(starts, offset)]
                    inside = all(0 <= a < n for a, n in zip(at, size))
                    patch.append(c_in * channel + sum(a * t for a, t in zip(at, steps)) if inside else -1)
                patches.append(patch)
            delta = "delta" if self.l is None else f"delta{self.l}"
            labels = [[self._label("z", (c, *position), grad_name=delta)
                       for position in itertools.product(*map(range, out_size))] for c in range(self.out_channels)]
            self._patch_cache[size] = out_size, patches, labels
        return self._patch_cache[size]

    def forward(self, x: Any) -> list:
        """z for input x of layout (C_in, *size): nested lists (C_out, *output_size) of weighted-sum nodes."""
        flat, (_, *size) = self._grid(x)
        out_size, patches, labels = self._patches(tuple(size))
        flat.append(Const(0.0, Label("pad", role="padding")))  # index -1: the zero outside the input, one node
        n_w = len(self.offsets)
        outputs = []
        for c in range(self.out_channels):
            w, b = self.weight[c * n_w:(c + 1) * n_w], self.bias[c]
            zs = []
            for patch, label in zip(patches, labels[c]):
                z = weighted_sum(w, [flat[k] for k in patch], b)
                z.label = label
                zs.append(z)
            outputs.append(_nest(zs, out_size))
        return outputs

    # -- module protocol, architecture, weights --------------------------------------------
    def named_members(self) -> tuple[tuple[str, Any], ...]:
        return (("weight", self.weight), ("bias", self.bias))

    def config(self) -> dict[str, Any]:
        """The architecture: what ``type(self)(**config)`` needs to rebuild a layer of this shape."""
        return {"in_channels": self.in_channels, "out_channels": self.out_channels,
                "kernel_size": self._shown(self.kernel_size), "stride": self._shown(self.stride),
                "padding": self._shown(self.padding), "l": self.l}

    @classmethod
    def _shown(cls, sizes: tuple[int, ...]) -> int | list[int]:
        """Sizes as a config holds them: an int in one dimension, a list of ints in two (as JSON reads them)."""
        return sizes[0] if cls.dims == 1 else list(sizes)

    @classmethod
    def from_config(cls, **config: Any) -> _ConvNd:
        """A new layer (fresh weights) of the architecture `config` (as `config` gives it)."""
        return cls(**config)

    def document(self) -> dict[str, Any]:
        """Architecture and weights as JSON values: `config` plus ``"weight"`` (nested (C_out, C_in,
        *kernel_size)) and ``"bias"``. `read_document` reads it back."""
        W, b = self.weights()
        return {**self.config(), "weight": W, "bias": b}

    @classmethod
    def read_document(cls, doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, float]]:
        """(config, state) of a `document` from an untrusted file: the architecture is checked (exact
        types: ``2.0`` is not an int) and the weight lists must have the shape it declares before any
        layer is built, so a small file cannot declare a huge layer. A ValueError names the problem."""
        def exact(key: str, least: int, dims: int) -> tuple[int, ...]:
            value = doc.get(key)
            if not all(type(n) is int for n in (value if isinstance(value, list) else [value])):
                raise ValueError(f"'{key}' must be an int{'' if dims == 1 else ' or a list of ints'}, got {value!r}")
            return _sizes(value, f"'{key}'", dims, least)

        c_in, c_out = exact("in_channels", 1, 1)[0], exact("out_channels", 1, 1)[0]
        kernel, stride, padding = (exact(key, least, cls.dims) for key, least in
                                   (("kernel_size", 1), ("stride", 1), ("padding", 0)))
        l = doc.get("l")
        if l is not None and (type(l) is not int or l < 0):
            raise ValueError(f"'l' must be null or an int >= 0, got {l!r}")
        shape = (c_out, c_in, *kernel)
        weights = [finite_float(v, f"weight{list(k)}") for k, v in _entries(doc.get("weight"), shape, "weight")]
        biases = [finite_float(v, f"bias[{k[0]}]") for k, v in _entries(doc.get("bias"), shape[:1], "bias")]
        config = {"in_channels": c_in, "out_channels": c_out, "kernel_size": cls._shown(kernel),
                  "stride": cls._shown(stride), "padding": cls._shown(padding), "l": l}
        state = {f"weight.{k}": v for k, v in enumerate(weights)} | {f"bias.{k}": v for k, v in enumerate(biases)}
        return config, state

    def weights(self) -> tuple[list, list[float]]:
        """(W, b) as plain floats in PyTorch's layout: W nested (C_out, C_in, *kernel_size), b (C_out,)."""
        return _nest([w.data for w in self.weight], (self.out_channels, self.in_channels, *self.kernel_size)), \
            [b.data for b in self.bias]

    def set_weights(self, W: Any, b: Any) -> None:
        """Set the weights from W (nested (C_out, C_in, *kernel_size)) and b (C_out numbers): the inverse
        of `weights`. Shapes and every entry (finite real numbers) are checked before anything changes."""
        shape = (self.out_channels, self.in_channels, *self.kernel_size)
        values = [finite_float(v, f"W{list(k)}") for k, v in _entries(W, shape, "W")]
        biases = [finite_float(v, f"b[{k[0]}]") for k, v in _entries(b, (self.out_channels,), "b")]
        for p, v in zip(self.weight + self.bias, values + biases):
            p.data = v

    def to_torch(self, dtype: Any = None) -> Any:
        """The same layer as ``torch.nn.Conv1d``/``Conv2d`` (default float64) with copies of the weights;
        it takes PyTorch's unbatched (C, L) / (C, H, W) as this layer takes [channel][...]."""
        import torch

        dtype = torch.float64 if dtype is None else dtype
        conv = getattr(torch.nn, type(self).__name__)(self.in_channels, self.out_channels, self.kernel_size,
                                                      stride=self.stride, padding=self.padding, dtype=dtype)
        W, b = self.weights()
        with torch.no_grad():
            conv.weight.copy_(torch.tensor(W, dtype=dtype))
            conv.bias.copy_(torch.tensor(b, dtype=dtype))
        return conv

    @classmethod
    def from_torch(cls, conv: Any, *, l: int | None = None) -> _ConvNd:
        """A layer with the architecture and weights of a ``torch.nn.Conv1d``/``Conv2d`` (the class's
        name); one PyTorch can express and this cannot (dilation, groups, no bias, non-zero padding
        mode, padding given as a string) is refused with a ValueError naming the setting."""
        import torch

        kind = getattr(torch.nn, cls.__name__)
        if type(conv) is not kind:
            raise TypeError(f"{cls.__name__}.from_torch() takes a torch.nn.{cls.__name__}, got {type(conv).__name__}")
        unsupported = {"dilation": conv.dilation != (1,) * cls.dims, "groups": conv.groups != 1,
                       "padding_mode": conv.padding_mode != "zeros", "bias": conv.bias is None}
        for name, refused in unsupported.items():
            if refused:
                got = "None" if name == "bias" else repr(getattr(conv, name))
                raise ValueError(f"{cls.__name__}.from_torch(): {name}={got} is not supported "
                                 f"(this layer has dilation 1, groups 1, zero padding and a bias)")
        if isinstance(conv.padding, str):
            raise ValueError(f"{cls.__name__}.from_torch(): padding {conv.padding!r} is not supported; give it as ints")
        layer = cls(conv.in_channels, conv.out_channels, tuple(conv.kernel_size), tuple(conv.stride),
                    tuple(conv.padding), seed=0, l=l)
        layer.set_weights(conv.weight.detach().tolist(), conv.bias.detach().tolist())
        return layer

    def __repr__(self) -> str:
        k, s, p = (t[0] if self.dims == 1 else t for t in (self.kernel_size, self.stride, self.padding))
        return (f"{type(self).__name__}({self.in_channels}, {self.out_channels}, kernel_size={k}, stride={s}, "
                f"padding={p})")


def _nest(flat: Sequence[Any], shape: Sequence[int]) -> list:
    """`flat` (row-major) as nested lists of `shape`."""
    if len(shape) == 1:
        return list(flat)
    step = len(flat) // shape[0]
    return [_nest(flat[k * step:(k + 1) * step], shape[1:]) for k in range(shape[0])]


def _entries(x: Any, shape: tuple[int, ...], what: str) -> Iterator[tuple[tuple[int, ...], Any]]:
    """(index, entry) of nested lists `x` of `shape`, row-major; a ValueError naming the first misfit."""
    entries = []

    def walk(item: Any, where: tuple[int, ...]) -> None:
        if len(where) == len(shape):
            entries.append((where, item))
            return
        if isinstance(item, (str, bytes)) or not hasattr(item, "__len__") or len(item) != shape[len(where)]:
            got = f"length {len(item)}" if hasattr(item, "__len__") else type(item).__name__
            raise ValueError(f"{what} must have shape {shape}: {what}{list(where) if where else ''} has {got}")
        for k, sub in enumerate(item):
            walk(sub, (*where, k))

    walk(x, ())
    return iter(entries)


@register
class Conv1d(_ConvNd):
    """A 1-d convolution on input [channel][position] (PyTorch's unbatched (C, L)); see the module docstring.

    >>> conv = Conv1d(1, 2, kernel_size=3, padding=1, seed=0)
    >>> z = conv([[1.0, 2.0, 3.0, 4.0]])          # 2 channels x 4 positions, each one weighted-sum node
    >>> len(z), len(z[0]), z[1][2].label, z[1][2].op
    (2, 4, 'z[1,2]', 'wsum')
    """

    dims = 1
    layout = "input [channel][position]"


@register
class Conv2d(_ConvNd):
    """A 2-d convolution on input [channel][row][column] (PyTorch's unbatched (C, H, W)); kernel_size,
    stride and padding are ints or (rows, columns) pairs. See the module docstring.

    >>> conv = Conv2d(1, 4, kernel_size=3, stride=2, padding=1, seed=0)
    >>> z = conv([[[0.5] * 8 for _ in range(8)]])   # 8x8 image -> 4 channels of 4x4
    >>> len(z), len(z[0]), len(z[0][0]), conv.weight[5].label
    (4, 4, 4, 'w[0,0,1,2]')
    """

    dims = 2
    layout = "input [channel][row][column]"


class _Stateless(Module):
    """A module with no parameters and nothing to configure: saved by its name alone."""

    def named_members(self) -> tuple:
        return ()

    def config(self) -> dict[str, Any]:
        return {}

    @classmethod
    def from_config(cls) -> _Stateless:
        return cls()

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


@register
class Flatten(_Stateless):
    """Nested lists (channels of positions, ...) as one flat list in row-major order, as
    ``torch.flatten`` of an unbatched (C, H, W) tensor: the input of a fully connected `nn.Layer`."""

    def forward(self, x: Any) -> list:
        if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
            raise TypeError(f"Flatten takes nested lists, got {type(x).__name__}")
        flat: list[Any] = []
        stack = [x]
        while stack:
            item = stack.pop()
            if isinstance(item, Value) or not hasattr(item, "__len__"):
                flat.append(item)
            else:
                stack.extend(reversed(item))
        return flat

    def to_torch(self, dtype: Any = None) -> Any:
        """``torch.nn.Flatten(0, -1)``: all dimensions of an unbatched tensor, as this module flattens a sample."""
        import torch

        return torch.nn.Flatten(0, -1)


class _Elementwise(_Stateless):
    """An activation applied to every Value of nested lists, keeping the nesting. An output of a node
    labelled by a model (a conv's ``z[c,i,j]``) is labelled ``relu(z[c,i,j])``, in the same groups."""

    function: str  # the Value method

    def forward(self, x: Any) -> Any:
        if isinstance(x, Value):
            a = getattr(x, self.function)()
            if isinstance(x.label, Label):
                a.label = Label(f"{self.function}({x.label})", role="a", index=x.label.index, groups=x.label.groups)
            return a
        if isinstance(x, (str, bytes)) or not hasattr(x, "__len__"):
            raise TypeError(f"{type(self).__name__} takes Values or nested lists of them, got {type(x).__name__}")
        return [self.forward(item) for item in x]

    def to_torch(self, dtype: Any = None) -> Any:
        import torch

        return getattr(torch.nn, type(self).__name__)()


@register
class ReLU(_Elementwise):
    """max(0, x) for every element."""

    function = "relu"


@register
class Tanh(_Elementwise):
    """tanh(x) for every element."""

    function = "tanh"


@register
class Sigmoid(_Elementwise):
    """1 / (1 + e^(-x)) for every element."""

    function = "sigmoid"
