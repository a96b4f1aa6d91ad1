"""gradcheck passes correct gradients and can fail: it catches a wrong derivative in the op table."""

import pytest

from autograd_lite import GradcheckError, Value, gradcheck, logsumexp, no_grad, ops, weighted_sum
from autograd_lite.backward import general_chain_rule


def test_passes_a_correct_function():
    def f(x, y, z):
        return weighted_sum([x, y], [z, x], 0.5).tanh() + logsumexp([x, y * z]) + (x * x + 1).sqrt().log() / y
    assert gradcheck(f, [0.3, -1.1, 2.0]) is True


def test_fails_on_a_wrong_derivative_with_a_table(monkeypatch):
    # d/da tanh(a) written as 1 - tanh(a) instead of 1 - tanh(a)^2.
    monkeypatch.setattr(ops.Tanh, "backward", staticmethod(lambda xp, grad, out, a: (grad * (1.0 - out),)))
    # Tanh's specialised chain rule was generated from the right backward: use the general rule.
    monkeypatch.setattr(ops.Tanh, "chain_rule", staticmethod(general_chain_rule))
    x, y = Value(0.5, label="x"), Value(2.0, label="y")
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x, y: x.tanh() + y * y, [x, y])
    message = str(info.value)
    assert "1 of 2 gradients differ" in message
    row = [line for line in message.splitlines() if line.strip().startswith("x =")]
    assert len(row) == 1 and "analytic" in row[0] and "numeric" in row[0]
    assert "y =" not in message  # y's gradient is right


def test_fails_when_backward_misses_a_path():
    # f calls .detach() on one use: the function's value depends on x there, backward does not see it.
    with pytest.raises(GradcheckError, match="inputs\\[0\\]"):
        gradcheck(lambda x: x * x.detach(), [3.0])


def test_nan_gradients_on_both_sides_count_as_agreeing():
    assert gradcheck(lambda x: (x - 5.0).sqrt(), [1.0])


def test_works_inside_no_grad():
    with no_grad():
        assert gradcheck(lambda x: x * x, [3.0]) is True
