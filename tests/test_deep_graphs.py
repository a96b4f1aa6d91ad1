"""Depth is no limit: backward, topological_order and freeing a graph are all iterative."""

import gc
import sys

from autograd_lite import Const, Value, topological_order

DEPTH = 100_000


def chain(x: Value, depth: int) -> Value:
    y = x
    for _ in range(depth):
        y = y * 1.0 + x  # y_k = (k + 1) x
    return y


def test_a_100000_deep_chain_backpropagates():
    assert DEPTH * 2 > sys.getrecursionlimit() * 10
    x = Value(0.5, label="x")
    y = chain(x, DEPTH)
    y.backward()
    assert y.data == 0.5 * (DEPTH + 1) and x.grad == DEPTH + 1
    assert len(topological_order(y, leaves=False)) == 2 * DEPTH


def test_a_100000_deep_chain_is_freed_without_recursion_error():
    # Deallocating a chain of nested objects recurses in C unless CPython's trashcan unrolls it;
    # a RecursionError or a crash would show here (the exception would be printed, not raised:
    # so the hook turns it into a failure).
    seen = []
    hook, sys.unraisablehook = sys.unraisablehook, seen.append
    try:
        x = Value(1.0)
        y = chain(x, DEPTH)
        y.backward()
        gc.collect()
        before = sum(type(o) in (Value, Const) for o in gc.get_objects())
        del y
        after = sum(type(o) in (Value, Const) for o in gc.get_objects())
    finally:
        sys.unraisablehook = hook
    assert not seen
    assert before - after >= 2 * DEPTH  # the nodes (numbers are folded into them): freed by refcounting alone
