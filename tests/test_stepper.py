"""The backward stepper: its text, its agreement with backward() bit for bit, and exact undo."""

from __future__ import annotations

import gc
import html
import math
import struct

import pytest
from graphs import build as graph_of
from graphs import leaves, programs
from hypothesis import given, settings
from hypothesis import strategies as st
from standin_mlp import MLP, mse_loss
from svg_tools import svg_nodes

from autograd_lite import (
    AnomalyError,
    BackwardStepper,
    Value,
    detect_anomaly,
    topological_order,
)
from autograd_lite.stepper import zero_grad


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def xyz():
    x, y, z = Value(2.0, label="x"), Value(3.0, label="y"), Value(4.0, label="z")
    return x, y, z, x * y + z


def test_the_text_of_each_step_of_x_times_y_plus_z():
    *_, out = xyz()
    s = out.backward_steps()
    assert isinstance(s, BackwardStepper) and len(s) == 2
    assert str(s.step()) == (
        "step 1 of 2: L = v1 + z = 10\n"
        "  dL/dL = 1\n"
        "  dL/dv1 += dL/dL * 1 = 1 * 1 = 1\n"
        "  dL/dz += dL/dL * 1 = 1 * 1 = 1")
    assert repr(s.step()) == (
        "step 2 of 2: v1 = x * y = 6\n"
        "  dL/dv1 = 1\n"
        "  dL/dx += dL/dv1 * y = 1 * 3 = 3\n"
        "  dL/dy += dL/dv1 * x = 1 * 2 = 2")


def test_accumulation_constants_and_a_labelled_root_read_as_such():
    x = Value(-1.5, label="x")
    out = x * x + 2 * x
    out.label = "f"
    text = str(out.backward_steps(grad=0.5).run())
    # Newest node first (v2 was made after v1, as in PyTorch). x is used three times: each later
    # update shows the sum it accumulates into; the constant 2 learns nothing and gets no line.
    assert text == """step 1 of 3: f = v1 + v2 = -0.75
  df/df = 0.5
  df/dv1 += df/df * 1 = 0.5 * 1 = 0.5
  df/dv2 += df/df * 1 = 0.5 * 1 = 0.5

step 2 of 3: v2 = 2 * x = -3
  df/dv2 = 0.5
  df/dx += df/dv2 * 2 = 0.5 * 2 = 1

step 3 of 3: v1 = x * x = 2.25
  df/dv1 = 0.5
  df/dx += df/dv1 * x = 0.5 * -1.5 = -0.75   (df/dx = 1 + -0.75 = 0.25)
  df/dx += df/dv1 * x = 0.5 * -1.5 = -0.75   (df/dx = 0.25 + -0.75 = -0.5)"""
    assert x.grad == 0.5 * (2 * -1.5 + 2)


def test_a_pre_activation_names_its_delta():
    model = MLP(2, [2, 1], seed=3)
    trace = model.trace([1.0, -2.0])
    loss = mse_loss(trace.output, 0.5)
    s = loss.backward_steps()
    steps = {step.node.label: step for step in s}
    z = trace.z[1][0]
    text = str(steps["z[2]_1"])
    assert text.startswith(f"step 3 of {len(s)}: z[2]_1 = w[2]_11*a[1]_1 + w[2]_12*a[1]_2 + b[2]_1 = {z.data:.4g}\n"
                           f"  delta[2]_1 = dL/dz[2]_1 = {z.grad:.4g}\n")
    a11 = trace.a[0][0]
    assert (f"  dL/dw[2]_11 += dL/dz[2]_1 * a[1]_1 = {z.grad:.4g} * {a11.data:.4g} = {z.grad * a11.data:.4g}\n"
            in text)
    assert str(steps["a[1]_1"]).splitlines()[1] == f"  dL/da[1]_1 = {a11.grad:.4g}"
    assert str(steps["z[1]_1"]).splitlines()[1] == f"  delta[1]_1 = dL/dz[1]_1 = {trace.z[0][0].grad:.4g}"


def test_progress_iteration_and_ends():
    *_, out = xyz()
    s = out.backward_steps()
    assert repr(s).splitlines()[:2] == ["BackwardStepper: step 0 of 2 (not started), next: L",
                                        "  node  op  data  grad  state"]
    with pytest.raises(IndexError, match="no step to undo"):
        s.back()
    s.step()
    assert repr(s).splitlines()[0] == "BackwardStepper: step 1 of 2 (last: L), next: v1"
    assert "  L     +     10     1  current" in repr(s).splitlines()
    assert [step.index for step in s] == [2]
    assert s.done and s.current is out.parents[0]
    with pytest.raises(IndexError, match="finished"):
        s.step()
    assert s.step(5) == () and len(s.back(5)) == 2 and s.position == 0
    assert [step.index for step in s.step(1)] == [1]
    with pytest.raises(ValueError, match="count"):
        s.step(-1)


def test_the_table_is_elided_for_big_graphs():
    x = Value(1.0, label="x")
    y = x
    for _ in range(50):
        y = y + x
    assert repr(y.backward_steps()).splitlines()[-1] == "  ... 21 more nodes"


def test_a_leaf_root_has_no_steps_and_is_seeded_like_backward():
    x = Value(1.0)
    s = x.backward_steps(2.0)
    assert len(s) == 0 and s.done and x.grad == 2.0 and s.run() == ()


def test_bad_input_is_named():
    with pytest.raises(TypeError, match="Value"):
        BackwardStepper(1.0)
    with pytest.raises(TypeError, match="grad"):
        Value(1.0).backward_steps(grad="one")


def test_anomaly_detection_applies_to_steps_as_to_backward():
    def graph():
        x = Value(0.0, label="x")
        return x.sqrt() * 0.0  # d sqrt/dx at 0 is inf; inf * an upstream 0 is nan

    with detect_anomaly():
        with pytest.raises(AnomalyError):
            graph().backward()
        with pytest.raises(AnomalyError):
            graph().backward_steps().run()


# -- random graphs: the stepper and backward() agree bit for bit; back() restores bit for bit -----


@st.composite
def graphs_and_leaves(draw):
    """Leaf values and a random program over them (tests/graphs.py): nodes shared, an operand
    sometimes used twice, sometimes a number (a constant)."""
    leaf_values = draw(st.lists(st.floats(-3, 3), min_size=1, max_size=4))
    return leaf_values, draw(programs(len(leaf_values), st.floats(-3, 3), max_steps=25))


def build(leaf_values, steps):
    return graph_of(steps, leaves(leaf_values))


@settings(max_examples=150, deadline=None)
@given(graphs_and_leaves(), st.floats(-2, 2), st.floats(-1, 1))
def test_run_matches_backward_bit_for_bit(program, seed, held):
    leaf_values, steps = program
    graphs = [build(leaf_values, steps) for _ in range(2)]
    for nodes in graphs:
        for leaf in nodes[:len(leaf_values)]:
            leaf.grad = held  # leaves accumulate across passes, in both
    graphs[0][-1].backward(seed)
    steps = graphs[1][-1].backward_steps(seed).run()
    assert [bits(n.grad) for n in graphs[0]] == [bits(n.grad) for n in graphs[1]]
    assert [s.node for s in steps] == topological_order(graphs[1][-1], leaves=False)[::-1]
    assert not any("stale" in s.text for s in steps)  # nan and inf results included: nothing changed


@settings(max_examples=100, deadline=None)
@given(graphs_and_leaves(), st.floats(-1, 1))
def test_back_restores_every_grad_bit_for_bit(program, held):
    leaf_values, steps = program
    nodes = build(leaf_values, steps)
    for leaf in nodes[:len(leaf_values)]:
        leaf.grad = held
    s = nodes[-1].backward_steps()
    everything = s.nodes
    snapshots = [[bits(n.grad) for n in everything]]
    for _ in s:
        snapshots.append([bits(n.grad) for n in everything])
    while s.position:
        s.back()
        assert [bits(n.grad) for n in everything] == snapshots[s.position]
    s.run()
    assert [bits(n.grad) for n in everything] == snapshots[-1]



# -- what a new user trips over: held grads, stale data, undo, the end, the notebook ---------------

def test_leaves_holding_a_gradient_are_announced_and_fresh_starts_from_zero():
    x, y, z, out = xyz()
    out.backward()
    s = BackwardStepper(out)
    first = str(s.step())
    assert "note: x, y, z already hold a gradient" in first and "fresh=True" in first
    assert "note" not in str(s.step())
    assert x.grad == 2 * 3.0  # accumulated, as backward() twice would
    s = BackwardStepper(out, fresh=True)
    assert "note" not in str(s.step())
    s.run()
    assert (x.grad, y.grad, z.grad) == (3.0, 2.0, 1.0)
    # a graph that only ever met fresh leaves says nothing
    assert "note" not in str(xyz()[-1].backward_steps().step())


def test_the_note_names_a_few_leaves_and_counts_the_rest():
    xs = [Value(1.0, label=f"x{i}") for i in range(8)]
    out = sum(x * x for x in xs)
    out.backward()
    assert "note: x0, x1, x2, x3, x4 and 3 more already hold" in str(BackwardStepper(out).step())


def test_zero_grad_zeroes_every_node_of_the_graph():
    x, y, z, out = xyz()
    out.backward()
    zero_grad(out)
    assert [n.grad for n in topological_order(out)] == [0.0] * 5
    out.backward()
    assert (x.grad, y.grad, z.grad) == (3.0, 2.0, 1.0)
    with pytest.raises(TypeError, match="zero_grad"):
        zero_grad(3.0)


def test_backward_steps_passes_fresh_on():
    x, y, z, out = xyz()
    out.backward()
    out.backward_steps(fresh=True).run()
    assert x.grad == 3.0


def test_a_node_whose_operands_changed_after_the_forward_pass_is_called_stale():
    x, y, z, out = xyz()
    y.data = 5.0  # v1 = x * y still holds 6
    s = out.backward_steps()
    assert "stale" not in str(s.step())  # L = v1 + z: its operands did not change
    text = str(s.step())
    assert text.splitlines()[0] == "step 2 of 2: v1 = x * y = 6, stale: x * y is 10 now"
    assert "  dL/dx += dL/dv1 * y\n" in text + "\n" and " = 1 * " not in text  # no numbers that do not add up
    assert x.grad == 5.0  # the step still does what backward() does


def test_the_stale_check_is_no_anomaly_check():
    x = Value(0.0, label="x")
    y = x.log() + 1  # -inf, built outside detect_anomaly: backward() there does not object
    with detect_anomaly():
        steps = y.backward_steps().run()
    assert x.grad == math.inf and "stale" not in str(steps)


def test_back_says_it_undid_a_step():
    x, y, z, out = xyz()
    s = out.backward_steps()
    s.run()
    undone = s.back()
    assert undone.undone and undone.index == 2 and undone.node is out.parents[0]
    assert str(undone) == "undid step 2 of 2: v1 = x * y\n  dL/dx back to 0 (was 3)\n  dL/dy back to 0 (was 2)"
    x2 = Value(-1.5, label="x")
    s = (x2 * x2).backward_steps()
    s.step()
    assert str(s.back()) == "undid step 1 of 1: L = x * x\n  dL/dx back to 0 (was -3)"
    assert not s.step().undone


def test_after_the_last_step_no_node_is_current():
    *_, out = xyz()
    s = out.backward_steps()
    s.step()
    assert list(s.states().values()).count("current") == 1
    s.step()
    assert set(s.states().values()) == {"done"}
    assert repr(s).splitlines()[0].endswith(", finished")


def test_the_notebook_display_is_the_graph_beside_the_escaped_text():
    x = Value(2.0, label="<b>x</b>")
    out = x * 3.0
    s = out.backward_steps()
    page = s._repr_html_()
    assert "<svg" in page and "not started" in page and "<?xml" not in page
    step = s.step()
    page = step._repr_html_()
    assert page.count("<svg") == 1 and "&lt;b&gt;x&lt;/b&gt;" in page and "<b>x</b>" not in page
    shown = html.unescape(page.split("<pre")[1].split(">", 1)[1].split("</pre>")[0])
    assert shown == "BackwardStepper: step 1 of 1 (last: L), finished\n\n" + step.text
    # mid-pass the step's node is highlighted as current in the picture beside its text
    *_, out = xyz()
    s = out.backward_steps()
    page = s.step()._repr_html_()
    svg = page[page.index("<svg"):page.index("</svg>") + len("</svg>")]
    states = {node["texts"][0]: node["classes"] for node in svg_nodes(svg).values() if node["texts"]}
    assert "current" in states["L"] and "waiting" in states["v1"]


def test_a_step_outliving_its_stepper_shows_its_text():
    *_, out = xyz()
    step = out.backward_steps().step()
    gc.collect()
    assert step._repr_html_() == "<pre>" + html.escape(step.text) + "</pre>"
