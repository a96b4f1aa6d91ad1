"""numpy scalars mix with Values as plain numbers do, on either side, and leave Python floats behind."""

import numpy as np
import pytest

from autograd_lite import Value, gradcheck, logsumexp, weighted_sum


@pytest.mark.parametrize("s", [np.float64(1.5), np.float32(1.5), np.int64(2), np.int8(-3), np.bool_(True)])
def test_mixed_operations(s):
    x = Value(2.0)
    for y in (x * s, s * x, x + s, s - x, x / s, s ** x, x ** s):
        assert isinstance(y, Value) and type(y.data) is float
    (s * x).backward()
    assert x.grad == float(s) and type(x.grad) is float


def test_numpy_scalars_as_operands_inputs_and_grad():
    x = Value(np.float32(0.25))
    z = weighted_sum([np.float64(2.0)], [x], np.int32(1)) + logsumexp([x, np.float64(0.0)])
    z.backward(np.float64(2.0))
    assert type(z.data) is float and x.grad == pytest.approx(2 * (2 + 1 / (1 + np.exp(-0.25))), rel=1e-14)
    assert gradcheck(lambda a: a * a, [np.float64(3.0)])


def test_a_0d_array_is_a_number_but_a_1d_array_is_not():
    assert Value(np.array(2.5)).data == 2.5
    with pytest.raises(TypeError):
        Value(np.array([2.5]))
