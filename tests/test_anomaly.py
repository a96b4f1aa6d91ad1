"""detect_anomaly(): the first operation to make a nan or inf, forward or backward, raises and names it."""

import math

import pytest

from autograd_lite import AnomalyError, Value, detect_anomaly, weighted_sum


def test_forward_log_of_zero_raises_naming_op_operands_and_labels():
    x = Value(0.0, label="x")
    with detect_anomaly(), pytest.raises(AnomalyError, match=r"operation 'log' produced -inf from finite operands "
                                                              r"\(operands: x=0.0\)") as info:
        x.log()
    assert (info.value.op, info.value.operands, info.value.labels) == ("log", (0.0,), ("x",))
    assert isinstance(info.value, FloatingPointError)


@pytest.mark.parametrize("f", [lambda x: x.exp() * 1e308, lambda x: 1 / (x - 1), lambda x: (x - 2).sqrt()])
def test_forward_overflow_and_domain_errors_raise(f):
    with detect_anomaly(), pytest.raises(AnomalyError):
        f(Value(1.0, label="x"))


def test_non_finite_inputs_do_not_raise_by_themselves():
    with detect_anomaly():
        y = Value(math.nan, label="n") + 1.0
        z = Value(math.inf).exp() + weighted_sum([math.inf], [2.0])
        y.backward()
    assert math.isnan(y.data) and z.data == math.inf


def test_backward_nan_from_a_finite_gradient_raises():
    # d/dx [0 * sqrt(x)] at x = 0: sqrt'(0) = inf meets the upstream gradient 0 -> nan (torch agrees).
    x = Value(0.0, label="x")
    with detect_anomaly():
        y = x.sqrt() * 0.0
        with pytest.raises(AnomalyError, match=r"operation 'sqrt' gave a nan gradient for operand x=0.0 "
                                               r"\(upstream gradient 0.0, local derivative inf\)"):
            y.backward()
    y.backward()  # without detection: the nan goes through silently
    assert math.isnan(x.grad)


def test_square_of_a_negative_number_does_not_raise():
    # d/d2 (x**2) = x^2 ln x is nan for x < 0, but 2 is a constant: its gradient is never used.
    x = Value(-3.0, label="x")
    with detect_anomaly():
        y = x ** 2
        y.backward()
    assert x.grad == -6.0


def test_nan_gradient_of_an_exponent_that_is_a_value_raises():
    x, p = Value(-3.0, label="x"), Value(2.0, label="p")
    with detect_anomaly():
        y = x ** p
        with pytest.raises(AnomalyError, match="for operand p=2.0"):
            y.backward()


def test_anomaly_mode_computes_the_same_gradients():
    def grads():
        x, w = Value(0.7), Value(-1.3)
        (weighted_sum([w], [x], 0.1).tanh() ** 2).backward()
        return x.grad, w.grad

    plain = grads()
    with detect_anomaly():
        assert grads() == plain
