"""Bad input gives a clear error naming the problem, never a deep crash or a silently wrong number."""

import numpy as np
import pytest

from autograd_lite import Value, gradcheck, logsumexp, topological_order, weighted_sum


@pytest.mark.parametrize("bad, named", [("x", "'x' of type str"), (1j, "1j of type complex"),
                                        (None, "None of type NoneType"), ([1.0], r"\[1.0\] of type list"),
                                        (np.array([1.0, 2.0]), r"array\(\[1., 2.\]\) of type ndarray")])
def test_value_of_a_non_real(bad, named):
    with pytest.raises(TypeError, match=rf"Value\(\) takes a real number, got {named}"):
        Value(bad)


def test_value_of_a_value_points_to_detach():
    with pytest.raises(TypeError, match=r"got a Value .*detach\(\)"):
        Value(Value(1.0))


@pytest.mark.parametrize("label", [3, None, b"x", ["x"]])
def test_label_must_be_a_str(label):
    with pytest.raises(TypeError, match=r"label must be a str, got"):
        Value(1.0, label=label)


@pytest.mark.parametrize("grad", ["x", None, [1.0], 1j])
def test_backward_grad_must_be_a_real_number(grad):
    y = Value(2.0) * 3
    with pytest.raises(TypeError, match=r"backward\(grad=...\) takes a real number"):
        y.backward(grad=grad)
    leaf = Value(1.0)
    with pytest.raises(TypeError, match=r"backward\(grad=...\)"):
        leaf.backward(grad)
    assert leaf.grad == 0.0


def test_backward_grad_accepts_numpy_and_int():
    x = Value(3.0)
    (x * x).backward(np.float32(0.5))
    (x * x).backward(2)
    assert x.grad == 3.0 + 12.0 and type(x.grad) is float


def test_operation_with_a_non_number():
    # Python's own message; for a list, its sequence repetition speaks first.
    for bad in ("a", None, [1.0], 1j):
        with pytest.raises(TypeError, match="unsupported operand|can't multiply sequence by non-int of type 'Value'"):
            Value(1.0) * bad
        with pytest.raises(TypeError, match="unsupported operand"):
            bad - Value(1.0)


def test_n_ary_operations_check_their_operands():
    with pytest.raises(ValueError, match="as many weights as inputs, got 2 and 1"):
        weighted_sum([1.0, 2.0], [Value(1.0)])
    with pytest.raises(ValueError, match="at least one operand"):
        logsumexp([])
    with pytest.raises(TypeError, match="an operation with a Value takes a real number, got 'x'"):
        logsumexp([Value(1.0), "x"])


def test_topological_order_of_a_non_value():
    with pytest.raises(TypeError, match="topological_order\\(\\) takes a Value, got float"):
        topological_order(1.0)


def test_gradcheck_checks_inputs_and_result():
    with pytest.raises(TypeError, match=r"gradcheck\(\) input takes a real number, got 'x'"):
        gradcheck(lambda x: x, ["x"])
    with pytest.raises(TypeError, match="gradcheck\\(\\) needs f to return a Value, got float"):
        gradcheck(lambda x: 2.0, [1.0])


def test_a_number_too_large_for_a_float():
    with pytest.raises(OverflowError, match=r"Value\(\) takes a real number, got int too large for a float"):
        Value(10**400)
    with pytest.raises(OverflowError, match=r"an operation with a Value takes a real number, got int too large"):
        Value(1.0) * 10**400


@pytest.mark.parametrize("bad, named", [("3", "'3' of type str"), (None, "None of type NoneType"),
                                        ([1.0], r"\[1.0\] of type list")])
def test_assigning_data_is_checked_like_value(bad, named):
    x = Value(1.0)
    with pytest.raises(TypeError, match=rf"Value.data takes a real number, got {named}"):
        x.data = bad
    assert x.data == 1.0
    x.data = 3  # a real number becomes a float, as Value(3)
    assert x.data == 3.0 and type(x.data) is float


def test_assigning_grad_none_means_no_gradient_yet():
    x = Value(2.0)
    (x * x).backward()
    x.grad = None  # what PyTorch's zero_grad(set_to_none=True) leaves: no gradient yet
    assert x.grad == 0.0
    (x * x).backward()
    assert x.grad == 4.0
    with pytest.raises(TypeError, match=r"Value.grad takes a real number, got 'x'"):
        x.grad = "x"


def test_a_numpy_array_in_an_operation_is_refused():
    x = Value(1.0)
    for operation in (lambda a: a * x, lambda a: x * a, lambda a: a + x, lambda a: x - a):
        with pytest.raises(TypeError):
            operation(np.array([1.0, 2.0]))
