"""The code generated from the op table (autograd_lite.specialise) computes exactly what the table does."""

import inspect
import itertools
import math
import traceback

import pytest

from autograd_lite import OPS, Const, Value, floatmath, specialise
from autograd_lite.backward import general_chain_rule
from autograd_lite.value import apply

FIXED = sorted(name for name, op in OPS.items() if op.arity is not None)
POINTS = [0.0, -0.0, 0.5, -1.5, 2.0, 3.0, 1e-310, -700.0, 710.0, 1e300, math.inf, -math.inf, math.nan]


def bits(x: float) -> tuple:
    return ("nan",) if math.isnan(x) else (x, math.copysign(1.0, x))


@pytest.mark.parametrize("name", FIXED)
def test_generated_apply_and_chain_rule_equal_the_table_bit_for_bit(name):
    operation = OPS[name]
    for operands in itertools.product(POINTS, repeat=operation.arity):
        for grad in (1.0, -0.5, 0.0, math.inf, math.nan):
            fast = [Value(x) for x in operands]
            slow = [Value(x) for x in operands]
            out_fast = operation.apply(*fast)
            out_slow = Value(operation.forward(floatmath, *operands))
            assert bits(out_fast.data) == bits(out_slow.data), (name, operands)
            out_fast.grad = grad
            shares_fast = operation.chain_rule(out_fast)
            reference = apply(operation, *slow)
            reference.operation = operation
            reference.grad = grad
            shares_slow = general_chain_rule(reference)
            assert [bits(s) for s in shares_fast] == [bits(s) for s in shares_slow], (name, operands, grad)
            assert [bits(v.grad) for v in fast] == [bits(v.grad) for v in slow], (name, operands, grad)


def test_generated_source_is_readable_and_shown_in_tracebacks():
    text = specialise.source(OPS["*"])
    assert "data = a_data * b_data" in text and "a._grad += share0" in text and "share1 = grad * a_data" in text
    assert inspect.getsource(OPS["*"].chain_rule) in text  # registered with linecache
    with pytest.raises(ValueError, match="any number of operands"):
        specialise.source(OPS["wsum"])
    try:
        Value(1.0).relu(3)
    except TypeError as error:
        assert "relu() takes 1 positional argument" in str(error)  # the real method's name
    try:
        OPS["/"].chain_rule(None)
    except AttributeError:
        shown = traceback.format_exc()
    assert "autograd_lite.specialise: Div" in shown and "a = node._a" in shown


def test_numbers_become_constants_and_other_types_are_refused():
    x = Value(2.0)
    y = 3 * x
    assert isinstance(y.parents[0], Const) and y.parents[0].data == 3.0 and y.parents[1] is x
    assert OPS["*"].apply(x, "a") is NotImplemented
    with pytest.raises(TypeError, match="unsupported operand"):
        x * None


def test_a_planted_error_in_the_table_reaches_the_generated_code():
    # The generated code is the table's own body: change the body, and the generated text follows.
    class Twice(OPS["*"]):
        name = "twice"

        @staticmethod
        def backward(xp, grad, out, a, b):
            return (2.0 * grad * b, grad * a)

    assert "share0 = 2.0 * grad * b_data" in specialise.source(Twice)
