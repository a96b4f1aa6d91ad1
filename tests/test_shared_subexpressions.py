"""A node used more than once gets the sum of the gradients through each use."""

import math

import pytest

from autograd_lite import Value, logsumexp, weighted_sum


@pytest.mark.parametrize("f, df", [
    (lambda x: x * x, lambda x: 2 * x),
    (lambda x: x + x, lambda x: 2.0),
    (lambda x: x - x, lambda x: 0.0),
    (lambda x: x / x, lambda x: 0.0),
    (lambda x: x ** x, lambda x: x ** x * (math.log(x) + 1)),
    (lambda x: weighted_sum([x, x], [x, 2.0], x), lambda x: 2 * x + 2 + 1),
    (lambda x: logsumexp([x, x, x]), lambda x: 1.0),
])
def test_repeated_operand(f, df):
    x = Value(1.7)
    f(x).backward()
    assert x.grad == pytest.approx(df(1.7), rel=1e-14, abs=1e-14)


def test_one_node_feeding_many():
    x, y = Value(0.3), Value(-1.2)
    h = x * y  # used four times
    out = h + h * h + h.exp() + (h - 1.0).tanh()
    out.backward()
    hv = 0.3 * -1.2
    dh = 1 + 2 * hv + math.exp(hv) + (1 - math.tanh(hv - 1) ** 2)
    assert h.grad == pytest.approx(dh, rel=1e-14)
    assert x.grad == pytest.approx(dh * -1.2, rel=1e-14) and y.grad == pytest.approx(dh * 0.3, rel=1e-14)


def test_diamond_of_shared_subexpressions():
    # a feeds b and c, both feed d: every path from d to a counts once.
    a = Value(2.0)
    b, c = a * 3.0, a.exp()
    d = b * c
    d.backward()
    assert a.grad == pytest.approx(3 * math.exp(2) + 6 * math.exp(2), rel=1e-14)
