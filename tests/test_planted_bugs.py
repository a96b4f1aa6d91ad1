"""Tests that catch bugs once planted in the engine, the diagrams, the stepper and the losses.

Each of these bugs passed the whole suite before the test that names it here: a one-sided nan in
gradcheck, the stepper's "done" for a leaf with several consumers, the record escaping of backslash
and quote, the label comma rule at exactly 10, a generated name clashing with a user's label, the
replay comparing constants with ``==``, numpy arrays mixed into Values, and losses blaming the
output for a bad target.
"""

from __future__ import annotations

import math
import operator
from decimal import Decimal

import numpy as np
import pytest
from svg_tools import programs, svg_nodes

import nn
from autograd_lite import GradcheckError, Value, draw, gradcheck, topological_order
from autograd_lite.naming import node_names

# -- gradcheck: nan on one side only is a mismatch ---------------------------------------------


def test_gradcheck_fails_when_only_the_analytic_gradient_is_nan():
    # sqrt(0 * x): the numeric derivative is 0 (the function is constant), backward gives 0 * inf = nan.
    with pytest.raises(GradcheckError, match="1 of 1 gradients differ"):
        gradcheck(lambda x: (x * 0.0).sqrt(), [1.5])


def test_gradcheck_fails_when_only_the_numeric_gradient_is_nan():
    # sqrt(x - 1) just above 1: x - eps is below 1, so the central difference is nan; backward is finite.
    with pytest.raises(GradcheckError, match="1 of 1 gradients differ"):
        gradcheck(lambda x: (x - 1.0).sqrt(), [1.0 + 1e-7])


# -- the stepper: a leaf is done when every consumer has stepped --------------------------------


def test_a_leaf_with_two_consumers_is_done_only_after_both_have_stepped():
    x = Value(2.0, "x")
    a, b = x * 3.0, x + 1.0
    a.label, b.label = "a", "b"
    stepper = (a * b).backward_steps()
    stepper.step()  # the root: neither consumer of x has stepped
    assert stepper.states()[x] == "waiting"
    stepper.step()  # one of a, b
    assert stepper.states()[x] == "waiting"
    stepper.step()  # the other
    assert stepper.states()[x] == "done" and x.grad == 3.0 * 3.0 + 6.0


# -- the diagram's records: backslash and quote are text, not syntax ----------------------------


@programs
@pytest.mark.parametrize("label", ["a\\|b", "\\{", 'say "hi"', "c\\", "\\\\"])
def test_record_labels_with_backslash_and_quote_render_as_their_text(program, label):
    x = Value(2.0, label)
    nodes = svg_nodes(draw(x).svg(program=program))
    texts = [t for node in nodes.values() for t in node["texts"]]
    assert label in texts, texts  # one field holding the whole label, not two fields or an error


# -- names: the comma rule at 10, generated names never clash with labels -----------------------


def test_the_comma_rule_starts_at_exactly_10():
    wide = nn.MLP(1, [10], seed=0)
    assert wide.layers[0].neurons[9].w[0].label == "w[1]_10,1"
    assert wide.layers[0].neurons[9].b.label == "b[1]_10"
    many_inputs = nn.MLP(10, [1], seed=0)
    assert many_inputs.layers[0].neurons[0].w[9].label == "w[1]_1,10"


def test_a_generated_name_never_takes_a_users_label():
    a, b = Value(2.0, "v1"), Value(3.0)  # the user's v1, and an unlabelled leaf
    root = (a * b + a).tanh()
    names = node_names(topological_order(root), root)
    assert names[a] == "v1"
    generated = [name for node, name in names.items() if node is not a and not node.is_constant]
    assert "v1" not in generated and len(set(generated)) == len(generated)


# -- replay: constants compared bit for bit, not with == ----------------------------------------


def replay_traces(first: float, second: float):
    from autograd_lite.replay import compile

    w = Value(0.5, "w")

    def trace(x_value: float, constant: float):
        x = Value(x_value, "x")
        return w * x + constant, [x]  # `constant` becomes a Const leaf of the graph

    (root, xs), other = trace(1.0, first), trace(2.0, second)
    return compile, root, xs, w, other


def test_replay_accepts_a_nan_constant_that_is_nan_in_every_trace():
    compile, root, xs, w, other = replay_traces(math.nan, math.nan)
    program = compile(root, xs, [w], check=[other])
    assert math.isnan(program.run([[1.0]])[0])


def test_replay_refuses_a_constant_that_is_0_in_one_trace_and_minus_0_in_another():
    from autograd_lite import ReplayError

    compile, root, xs, w, other = replay_traces(0.0, -0.0)
    with pytest.raises(ReplayError, match="a number computed from the data"):
        compile(root, xs, [w], check=[other])


# -- numpy arrays are not numbers: mixing one into a Value is a TypeError, not an object array ----


@pytest.mark.parametrize("op", [operator.mul, operator.add, operator.sub, operator.truediv, operator.pow])
def test_a_numpy_array_mixed_into_a_value_is_refused(op):
    x, arr = Value(2.0), np.array([1.0, 2.0])
    for left, right in ((arr, x), (x, arr)):
        with pytest.raises(TypeError):
            op(left, right)  # never a numpy object array of Values


# -- losses: a bad target is named as the target -------------------------------------------------


@pytest.mark.parametrize("target, error, named", [
    (Decimal(1), TypeError, "mse\\(\\): target 0 must be a number or a non-empty list of numbers, got Decimal"),
    ("1", TypeError, "mse\\(\\): target 0 must be a number"),
    (10**400, ValueError, "mse\\(\\): target 0 is too large for a float"),
    ([10**400], ValueError, "mse\\(\\): target 0 is too large for a float"),
], ids=["Decimal", "str", "10**400", "[10**400]"])
def test_mse_names_a_bad_target(target, error, named):
    with pytest.raises(error, match=named):
        nn.mse([Value(0.5)], [target])


@pytest.mark.parametrize("loss, width, target", [
    (nn.hinge, 1, 10**400),
    (nn.binary_cross_entropy, 1, -(10**400)),
    (nn.cross_entropy, 2, [10**400, 0.0]),
], ids=["hinge", "binary_cross_entropy", "cross_entropy"])
def test_every_loss_names_a_target_too_large_for_a_float(loss, width, target):
    output = [Value(0.5) for _ in range(width)]
    with pytest.raises(ValueError, match=f"{loss.__name__}\\(\\): target 0 is too large for a float"):
        loss([output], [target])
