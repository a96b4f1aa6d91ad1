"""The order of the backward pass: newest node first, as PyTorch's engine, so that gradients which
reach a node from several consumers add up in PyTorch's order and come out the same to the bit.

tests/fixtures/order_golden.json (written by tests/fixtures/make_order_golden.py) holds PyTorch's
leaf gradients for 200 random graphs of +, -, * and relu in which nodes feed several consumers:
operations both engines compute alike, so only the order of the additions can tell them apart.
(In the depth-first order of earlier releases, 45 of these 800 leaf gradients differ from
PyTorch's in the last bits.)
"""

from __future__ import annotations

import json
import math
import struct
import sys
from pathlib import Path

import pytest

from autograd_lite import Value, topological_order
from autograd_lite.backward import backward_order

sys.path.insert(0, str(Path(__file__).parent / "fixtures"))
from make_order_golden import program, run, torch_grads  # noqa: E402

CASES = json.loads((Path(__file__).parent / "fixtures" / "order_golden.json").read_text())["cases"]


def same(got: float, want: float) -> bool:
    """Bit for bit; a zero may differ in sign only: PyTorch keeps a gradient's first share as it
    is (-0.0 stays -0.0), while a leaf's grad here starts at +0.0, and 0.0 + -0.0 is +0.0."""
    return got == want == 0.0 or struct.pack("<d", got) == struct.pack("<d", want)


def our_grads(case: dict) -> list[float]:
    nodes, root = run(case, Value, Value.relu)
    root.backward()
    return [leaf.grad for leaf in nodes[:len(case["leaves"])]]


def test_every_leaf_gradient_is_pytorchs_to_the_bit():
    wrong = []
    for number, case in enumerate(CASES):
        case = dict(case, leaves=[float.fromhex(x) for x in case["leaves"]])
        want = [float.fromhex(g) for g in case["grads"]]
        got = our_grads(case)
        wrong += [(number, i, g, w) for i, (g, w) in enumerate(zip(got, want)) if not same(g, w)]
    assert not wrong, f"{len(wrong)} leaf gradients differ from PyTorch's, first (case, leaf, ours, torch): {wrong[:3]}"


def test_against_live_pytorch_on_fresh_graphs():
    pytest.importorskip("torch")
    for seed in range(1000, 1100):
        case = program(seed)
        assert all(map(same, our_grads(case), torch_grads(case))), seed


def test_newest_first_and_each_node_before_its_operands():
    x = Value(2.0)
    a = x * x  # made first
    b = x + 1.0
    c = a * b  # made last
    root = c + a
    assert backward_order(root) == [root, c, b, a]
    order = backward_order(run(program(7), Value, Value.relu)[1])
    seen = set()
    for node in order:  # every consumer of a node comes before it
        assert not any(p in seen for p in node.parents)
        seen.add(node)
    assert topological_order(root, leaves=False) == [a, b, c, root]
    assert topological_order(root)[:2] == [x, a]  # a leaf just before its first user


def test_threads_building_one_graph_still_give_a_valid_order():
    import threading

    x = Value(0.5)
    parts = []

    def work():
        y = x
        for _ in range(200):
            y = y * 1.001 + x
        parts.append(y)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    root = sum(parts[1:], parts[0])
    root.backward()
    expected = 0.0
    for _ in range(4):  # each chain: dy/dx over y <- 1.001 y + x, from y = x
        d = 1.0
        for _ in range(200):
            d = 1.001 * d + 1.0
        expected += d
    assert math.isclose(x.grad, expected, rel_tol=1e-12)
