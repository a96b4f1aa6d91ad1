"""topological_order: every node once, each after all of its parents, the root last."""

from graphs import build, leaves, programs
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_lite import Value, topological_order


def reachable(root):
    seen, todo = {root}, [root]
    while todo:
        for p in todo.pop().parents:
            if p not in seen:
                seen.add(p)
                todo.append(p)
    return seen


@st.composite
def graphs(draw):
    """A random DAG (tests/graphs.py): leaves, then nodes each combining earlier ones (repeats allowed)."""
    values = [float(i) for i in range(draw(st.integers(1, 4)))]
    steps = draw(programs(len(values), max_steps=30, operations=("+", "*", "tanh")))
    return build(steps, leaves(values))[-1]


@settings(max_examples=100, deadline=None)
@given(graphs())
def test_order_is_topological_and_complete(root):
    order = topological_order(root)
    assert len(order) == len(set(order)) and set(order) == reachable(root)
    position = {node: k for k, node in enumerate(order)}
    assert all(position[p] < position[node] for node in order for p in node.parents)
    assert order[-1] is root
    interior = topological_order(root, leaves=False)
    assert interior == [n for n in order if not n.is_leaf]


def test_leaf_root():
    x = Value(1.0)
    assert topological_order(x) == [x]
    assert topological_order(x, leaves=False) == []


def test_includes_constants_and_repeated_leaves_once():
    x = Value(1.0)
    y = x * x + 2
    order = topological_order(y)
    assert order.count(x) == 1 and len(order) == 4 and order[-1] is y
