"""Leaves accumulate across backward() calls (as in PyTorch); interior nodes hold exactly this call's."""

import pytest

from autograd_lite import Const, Value


def test_leaves_accumulate_interior_nodes_do_not():
    x, w = Value(3.0), Value(-2.0)
    h = x * w
    y = h * h
    y.backward()
    first = (x.grad, w.grad, h.grad, y.grad)
    assert first == (2 * -6.0 * -2.0, 2 * -6.0 * 3.0, -12.0, 1.0)
    y.backward()
    assert (x.grad, w.grad) == (2 * first[0], 2 * first[1])  # accumulated
    assert (h.grad, y.grad) == (first[2], first[3])  # exactly this call's


def test_zeroing_leaves_starts_over():
    x = Value(3.0)
    y = x * x
    y.backward()
    x.grad = 0.0
    y.backward(grad=0.5)
    assert x.grad == 3.0 and y.grad == 0.5


def test_interior_node_shared_by_two_roots_holds_the_latest_call():
    x = Value(1.5)
    h = x.tanh()
    (h * 2.0).backward()
    (h * 3.0).backward()
    assert h.grad == 3.0
    assert x.grad == pytest.approx(5.0 * (1 - h.data ** 2), rel=1e-15)


def test_backward_on_a_leaf_root():
    x = Value(4.0)
    x.backward()
    assert x.grad == 1.0
    x.backward(grad=2.5)
    assert x.grad == 3.5


def test_constants_are_leaves_that_gather_gradient_harmlessly():
    x = Value(2.0)
    y = x * 5
    y.backward()
    c = y.parents[1]
    assert isinstance(c, Const) and c.is_leaf and c.grad == 2.0 and x.grad == 5.0
