"""detach(): a new leaf with the same data and label, through which no gradient flows."""

from autograd_lite import Value


def test_detach_is_a_fresh_leaf():
    x = Value(3.0, label="x")
    h = x * x
    d = h.detach()
    assert d is not h and d.is_leaf and d.parents == () and d.data == 9.0 and d.grad == 0.0


def test_no_gradient_flows_through_a_detached_copy():
    x = Value(3.0)
    y = (x * x).detach() * x  # d/dx treats x^2 as a constant
    y.backward()
    assert x.grad == 9.0
