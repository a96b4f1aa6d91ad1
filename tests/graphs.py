"""Random graphs over the operation table, for the property tests: one generator, shared.

`programs(n_leaves)` draws a straight-line program: each step applies an operation of the table
(`autograd_lite.OPS`, with as many operands as the table says) to earlier nodes -- leaves or earlier
steps, repeats allowed, so nodes are shared and an operand may appear twice -- or to numbers
(constants). A step is ``(operation name, operands)``, an operand an earlier node's index (an int)
or a number (a float). `build` makes the program's graph of Values; a test that needs its own rules
(domains, a batch) reads the same steps its own way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from hypothesis import strategies as st

from autograd_lite import OPS, Value
from autograd_lite.value import apply

Step = tuple[str, tuple[int | float, ...]]
NUMBERS = st.floats(-2.0, 2.0)


def operand_counts(name: str, min_terms: int = 0) -> st.SearchStrategy[int]:
    """Operand counts to draw for operation `name`: its fixed arity from the table, or for an n-ary
    operation a range (wsum: 2 * terms + 1 operands, terms >= min_terms; logsumexp: 1 to 4)."""
    arity = OPS[name].arity
    if arity is not None:
        return st.just(arity)
    if name == "wsum":
        return st.integers(min_terms, 3).map(lambda terms: 2 * terms + 1)
    assert name == "logsumexp", f"operation {name!r} takes any number of operands: give it a range here"
    return st.integers(1, 4)


@st.composite
def programs(draw: Any, n_leaves: int, constants: st.SearchStrategy[float] = NUMBERS,
             max_steps: int = 8, min_terms: int = 0, operations: Iterable[str] | None = None) -> list[Step]:
    """Between 1 and `max_steps` steps over `n_leaves` leaves, mostly on nodes, some on constants."""
    names = sorted(operations or OPS)
    steps = []
    for i in range(draw(st.integers(1, max_steps))):
        name = draw(st.sampled_from(names))
        arity = draw(operand_counts(name, min_terms))
        node = st.integers(0, n_leaves + i - 1)
        operand = st.one_of(node, node, node, constants)
        steps.append((name, tuple(draw(st.lists(operand, min_size=arity, max_size=arity)))))
    return steps


def operands(nodes: Sequence[Any], refs: Iterable[int | float]) -> list[Any]:
    """A step's operands: the nodes its ints point at, its numbers as they are."""
    return [nodes[r] if isinstance(r, int) else r for r in refs]


def build(steps: list[Step], leaves: Iterable[Any],
          call: Callable[..., Any] = lambda name, *x: apply(OPS[name], *x)) -> list[Any]:
    """Every node of the program's graph, leaves first: each step is ``call(name, *operands)``."""
    nodes: list[Any] = list(leaves)
    for name, refs in steps:
        nodes.append(call(name, *operands(nodes, refs)))
    return nodes


def leaves(values: Iterable[float]) -> list[Value]:
    """Leaves x0, x1, ... holding `values`."""
    return [Value(v, label=f"x{i}") for i, v in enumerate(values)]
