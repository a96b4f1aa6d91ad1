"""Losses: values by hand, stability at extreme logits, gradients by finite differences, validation."""

import math

import pytest

import nn
from autograd_lite import Value, gradcheck


def test_values_by_hand():
    assert nn.mse([Value(1.0), Value(3.0)], [0.0, 1.0]).data == (1 + 4) / 2
    assert nn.mse([[Value(1.0), Value(2.0)]], [[0.0, 0.0]]).data == (1 + 4) / 2
    assert nn.hinge([Value(0.5), Value(2.0), Value(-0.5)], [1, 1, 1]).data == pytest.approx((0.5 + 0 + 1.5) / 3)
    s = 0.3
    assert nn.binary_cross_entropy([Value(s)], [1.0]).data == pytest.approx(-math.log(1 / (1 + math.exp(-s))))
    z = [1.0, 2.0, 0.5]
    log_p = [v - math.log(sum(math.exp(u) for u in z)) for v in z]
    assert nn.cross_entropy([[Value(v) for v in z]], [1]).data == pytest.approx(-log_p[1])
    assert nn.cross_entropy([[Value(v) for v in z]], [[0.2, 0.5, 0.3]]).data == pytest.approx(
        -(0.2 * log_p[0] + 0.5 * log_p[1] + 0.3 * log_p[2]))
    assert [v.data for v in nn.log_softmax(z)] == pytest.approx(log_p)
    assert math.fsum(v.data for v in nn.softmax(z)) == pytest.approx(1.0)


def test_mean_over_the_batch_is_one_node():
    loss = nn.hinge([Value(0.5), Value(0.2)], [1, -1])
    assert loss.op == "wsum"


@pytest.mark.parametrize("s", [800.0, -800.0])
def test_extreme_logits_stay_finite(s):
    for y in (0.0, 1.0):
        loss = nn.binary_cross_entropy([Value(s)], [y])
        loss.backward()
        assert math.isfinite(loss.data)
    loss = nn.binary_cross_entropy([Value(s)], [1.0])
    assert loss.data == pytest.approx(max(-s, 0.0))
    z = [Value(s), Value(0.0), Value(-s)]
    ce = nn.cross_entropy([z], [1])
    ce.backward()
    assert ce.data == pytest.approx(abs(s)) and all(math.isfinite(v.grad) for v in z)
    assert all(math.isfinite(v.data) for v in nn.softmax(z))


@pytest.mark.parametrize("make", [
    lambda v: nn.mse([v[:2], v[2:]], [[0.5, -1.0], [2.0, 0.0]]),
    lambda v: nn.binary_cross_entropy([v[0], v[1]], [0.3, 1.0]),
    lambda v: nn.cross_entropy([v[:3], v[1:]], [2, [0.1, 0.6, 0.3]]),
    lambda v: nn.hinge([v[0], v[1], v[3]], [1, -1, 1]),
    lambda v: nn.softmax(v)[1] * 3 + nn.log_softmax(v)[2],
])
def test_gradients_match_finite_differences(make):
    assert gradcheck(lambda *v: make(list(v)), [0.3, -1.2, 0.7, 0.1], atol=1e-7, rtol=1e-6)


def test_targets_may_be_values():
    y = Value(1.0)
    s = Value(0.4)
    nn.mse([s], [y]).backward()
    assert y.grad == pytest.approx(-2 * (0.4 - 1.0))
    p = [Value(0.0), Value(1.0)]
    nn.cross_entropy([[Value(0.1), Value(0.2)]], [p]).backward()
    assert p[0].grad != 0.0


@pytest.mark.parametrize("call, error", [
    (lambda: nn.mse([], []), ValueError),
    (lambda: nn.mse([Value(1.0)], [1.0, 2.0]), ValueError),
    (lambda: nn.mse([[Value(1.0), Value(2.0)]], [[1.0]]), ValueError),
    (lambda: nn.mse(Value(1.0), [1.0]), TypeError),
    (lambda: nn.mse([Value(1.0)], [math.nan]), ValueError),
    (lambda: nn.hinge([Value(1.0)], [0]), ValueError),
    (lambda: nn.hinge([[Value(1.0), Value(2.0)]], [1]), ValueError),
    (lambda: nn.binary_cross_entropy([Value(1.0)], [1.5]), ValueError),
    (lambda: nn.binary_cross_entropy([Value(1.0)], ["1"]), TypeError),
    (lambda: nn.cross_entropy([[Value(1.0), Value(2.0)]], [2]), ValueError),
    (lambda: nn.cross_entropy([[Value(1.0), Value(2.0)]], [-1]), ValueError),
    (lambda: nn.cross_entropy([[Value(1.0), Value(2.0)]], [1.0]), TypeError),
    (lambda: nn.cross_entropy([[Value(1.0), Value(2.0)]], [[0.5, 0.6]]), ValueError),
    (lambda: nn.cross_entropy([[Value(1.0), Value(2.0)]], [[1.0]]), ValueError),
    (lambda: nn.cross_entropy([[]], [0]), TypeError),
])
def test_bad_inputs_are_clear_errors(call, error):
    with pytest.raises(error, match=r"\w+\(\)"):
        call()


@pytest.mark.parametrize("name, outputs, targets", [
    ("mse", [[0.3, -1.0], [2.0, 0.5], [-0.2, 0.1]], [[1.0, 0.0], [0.0, 1.0], [0.5, 0.5]]),
    ("binary_cross_entropy", [0.3, -2.0, 1.5], [1.0, 0.0, 0.25]),
    ("cross_entropy", [[0.3, -1.0], [2.0, 0.5], [-0.2, 0.1]], [1, 0, [0.25, 0.75]]),
    ("hinge", [0.3, -2.0, 1.5], [1, -1, -1]),
])
def test_each_loss_declares_the_reduction_it_computes(name, outputs, targets):
    loss = nn.losses.LOSSES[name]
    assert loss.reduction == "mean"
    outputs = [[Value(v) for v in o] if isinstance(o, list) else Value(o) for o in outputs]
    alone = [loss([o], [t]).data for o, t in zip(outputs, targets)]
    assert loss(outputs, targets).data == pytest.approx(math.fsum(alone) / len(alone), rel=1e-15)


def test_a_loss_of_ones_own_declares_its_reduction():
    @nn.losses.batch_reduction("sum")
    def summed_mse(outputs, targets):
        return nn.mse(outputs, targets) * len(outputs)

    assert summed_mse.reduction == "sum" and summed_mse([Value(1.0)], [0.0]).data == 1.0
    with pytest.raises(ValueError, match=r"reduction must be one of \('mean', 'sum'\), got 'max'"):
        nn.losses.batch_reduction("max")


def test_the_loss_is_called_L_throughout():
    import inspect

    for module in (nn.losses, nn.equations):
        text = inspect.getsource(module)
        assert "dC/" not in text and "C =" not in text and "C_s" not in text
    assert "the third document's cost\nC" in inspect.getsource(nn.equations)  # said once, where it applies
