"""`Sequential` and `Residual`: networks put together from modules, with PyTorch's names.

A sample flows through a `Sequential` module by module as a list of Values. A `Layer` takes a list
and returns a list; an `MLP` (or a Sequential) whose last layer has one neuron returns that one
Value, which the next module receives as a list of one. Like an MLP, a Sequential returns a single
Value when its output is a list of one, so ``Sequential(Layer(2, 8), Layer(8, 1, "linear"))`` and
``MLP(2, [8, 1])`` are called, trained and scored alike. A flat list of numbers given to a
Sequential becomes input leaves labelled ``a[0]_k``, as an MLP's inputs.

``Residual(f)`` is ResNet's skip connection around a module f that keeps the width n:

    r_j = x_j + f(x)_j            (j = 1..n)
    dL/dx_k = dL/dr_k + sum_j dL/dr_j df_j/dx_k

so the gradient reaching the block's input is the one reaching its output *plus* what flows back
through f: however small f's derivatives (a saturated sigmoid has sigma' <= 1/4), the first term
passes through unchanged, and a deep stack of residual blocks does not make delta vanish.

A deep residual MLP in a few lines (each layer numbered for its labels, ``w[l]_jk`` ...)::

    net = Sequential(Layer(2, 8, "sigmoid", l=1),
                     *[Residual(Layer(8, 8, "sigmoid", l=l)) for l in range(2, 9)],
                     Layer(8, 1, "linear", l=9))

The sum node of a residual block is labelled ``r[l]_j`` (role "r"), l being the number of the
block's last layer, so it sits in layer l's and neuron [l]_j's groups of the diagrams; every node of
the block is in the group "residual block l" of the grouping "block" (``draw(loss, group="block",
collapse=True)`` draws each block as one box).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd_lite import Value
from autograd_lite.naming import Group, Label

from .architecture import Block, build, config, layer_number, register
from .layers import MLP, Layer, _label
from .module import Module


def as_list(out: Any) -> list[Any]:
    """A module's output as the list the next module reads: one Value becomes a list of one."""
    return [out] if isinstance(out, Value) else list(out)


def as_output(out: list[Any]) -> Any:
    """What a container returns, as an MLP does: the Value itself when the list holds one."""
    return out[0] if len(out) == 1 and isinstance(out[0], Value) else out


def widths(module: Module) -> tuple[int | None, int | None]:
    """(inputs, outputs) of a module, where its structure tells (None where it does not: an RNN's
    output is a sequence, a custom module may say nothing)."""
    if isinstance(module, Layer):
        return module.nin, len(module.neurons)
    if isinstance(module, MLP):
        return module.nin, module.sizes[-1]
    if isinstance(module, Residual):
        n, _ = widths(module.module)
        return n, n
    if isinstance(module, Sequential):
        return widths(module.modules[0])[0], widths(module.modules[-1])[1]
    return None, None


def _check_module(m: Any, where: str) -> Module:
    if not isinstance(m, Module):
        raise TypeError(f"{where} must be an nn.Module (a Layer, an MLP, a Residual, ...), got {type(m).__name__}")
    return m


@register
class Sequential(Block):
    """``Sequential(m1, m2, ...)``: applies the modules in order, each to the previous one's output.

    Parameters are named by position, as PyTorch's: ``1.neurons.0.w.2`` is ``seq[1].neurons[0].w[2]``.
    Consecutive widths are checked when built, where the modules tell them (a ValueError naming both).
    """

    def __init__(self, *modules: Module) -> None:
        if not modules:
            raise ValueError("Sequential() needs at least one module")
        self.modules = [_check_module(m, f"Sequential() argument {i}") for i, m in enumerate(modules)]
        for i in range(1, len(self.modules)):
            out, nin = widths(self.modules[i - 1])[1], widths(self.modules[i])[0]
            if out is not None and nin is not None and out != nin:
                raise ValueError(f"Sequential(): module {i - 1} ({self.modules[i - 1]!r}) has {out} outputs "
                                 f"but module {i} ({self.modules[i]!r}) takes {nin} inputs")

    def __getitem__(self, i: int) -> Module:
        return self.modules[i]

    def __len__(self) -> int:
        return len(self.modules)

    def __iter__(self):
        return iter(self.modules)

    def forward(self, x: Any) -> Any:
        """The last module's output for x: a list of Values, or one Value when it holds one."""
        out = x
        if (isinstance(x, Sequence) and not isinstance(x, (str, bytes))
                and all(not isinstance(v, (Value, Sequence)) for v in x)):
            out = [Value(v, _label("a", 0, k)) for k, v in enumerate(x, start=1)]  # as MLP.inputs
        for m in self.modules:
            out = as_list(m(out))
        return as_output(out)

    def named_members(self) -> tuple[tuple[str, Any], ...]:
        return tuple((str(i), m) for i, m in enumerate(self.modules))

    def __repr__(self) -> str:
        return f"Sequential({', '.join(map(repr, self.modules))})"

    def config(self) -> dict[str, Any]:
        return {"modules": [config(m) for m in self.modules]}

    @classmethod
    def from_config(cls, modules: list[Any]) -> Sequential:
        if not isinstance(modules, list) or not modules:
            raise ValueError(f"a Sequential's 'modules' must be a non-empty list, got {modules!r}")
        return cls(*map(build, modules))


@register
class Residual(Block):
    """``Residual(f)``: r = x + f(x), for a module f with as many outputs as inputs.

    The widths are checked when built, where f tells them, and at every call (a ValueError naming
    both). ``l`` numbers the sum nodes' labels ``r[l]_j``; by default it is the layer number that f's
    last parameter is labelled with (None where it has none: the sum nodes are then unlabelled).

    The block's nodes -- f's parameters, the nodes f makes from x, and the sums -- are in the group
    "residual block l" of the grouping "block", so ``draw(loss, group="block")`` boxes each block.
    """

    def __init__(self, module: Module, *, l: int | None = None) -> None:
        self.module = _check_module(module, "Residual() argument")
        nin, nout = widths(module)
        if nin is not None and nout is not None and nin != nout:
            raise ValueError(f"Residual(): {module!r} maps {nin} inputs to {nout} outputs; the skip connection "
                             f"x + f(x) needs as many outputs as inputs")
        self.l = layer_number(module) if l is None else l
        self._labels: list[Label] = []
        self._group = None if self.l is None else Group((self.l,), f"residual block {self.l}")
        self._in_block: dict[int, tuple[str, str]] = {}  # id(label) -> (label, the label in the block)
        for p in module.parameters():
            p.label = self._block_label(p.label)

    def _block_label(self, label: str) -> str:
        """`label` with the group of this block added; nodes of f already in a block (an inner one)
        and plain labels stay as they are. A new Label, made once per label: f's may be shared."""
        if (self._group is None or not isinstance(label, Label) or "block" in label.groups):
            return label
        cached = self._in_block.get(id(label))
        if cached is None or cached[0] is not label:
            cached = self._in_block[id(label)] = (label, Label(label, grad_name=label.grad_name, role=label.role,
                                                               index=label.index,
                                                               groups={**label.groups, "block": self._group}))
        return cached[1]

    def _sum_label(self, j: int) -> str:
        if self.l is None:
            return ""
        while len(self._labels) < j:
            self._labels.append(self._block_label(_label("r", self.l, len(self._labels) + 1)))
        return self._labels[j - 1]

    def forward(self, x: Sequence[Any]) -> list[Value]:
        """r_j = x_j + f(x)_j for every j: one '+' node each, labelled r[l]_j."""
        fx = as_list(self.module(x))
        if len(fx) != len(x):
            raise ValueError(f"Residual: {self.module!r} gave {len(fx)} outputs for {len(x)} inputs; the skip "
                             f"connection x + f(x) needs as many outputs as inputs")
        if self._group is not None:  # f's new nodes: everything between fx and x
            stack, inputs, seen = [v for v in fx if isinstance(v, Value)], {id(v) for v in x}, set()
            while stack:
                node = stack.pop()
                if node.is_leaf or id(node) in inputs or id(node) in seen:
                    continue
                seen.add(id(node))
                node.label = self._block_label(node.label)
                stack.extend(node.parents)
        out = []
        for j, (x_j, f_j) in enumerate(zip(x, fx), start=1):
            r = x_j + f_j
            if isinstance(r, Value) and not r.is_leaf:
                r.label = self._sum_label(j)
            out.append(r)
        return out

    def named_members(self) -> tuple[tuple[str, Any], ...]:
        return (("module", self.module),)

    def __repr__(self) -> str:
        return f"Residual({self.module!r})"

    def config(self) -> dict[str, Any]:
        return {"l": self.l, "module": config(self.module)}

    @classmethod
    def from_config(cls, module: Any, l: int | None = None) -> Residual:
        return cls(build(module), l=l)
