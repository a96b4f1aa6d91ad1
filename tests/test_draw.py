"""Graph diagrams: DOT text, SVG from each dot program present, highlighting, grouping, size limit."""

from __future__ import annotations

import html
import math
import re

import pytest
from standin_mlp import MLP, mse_loss
from svg_tools import programs, svg_nodes, svg_texts

from autograd_lite import BackwardStepper, Diagram, DiagramTooLarge, RenderError, Value, draw
from autograd_lite.draw import STATE_COLOURS
from autograd_lite.render import find_program, run_dot


def xyz():
    x, y, z = Value(2.0, label="x"), Value(3.0, label="y"), Value(4.0, label="z")
    return x, y, z, x * y + z


def box(name, data, grad):
    """A value's box as draw() writes it: three cells side by side, as large as a record."""
    return (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="7"><TR><TD HEIGHT="37">{name}</TD>'
            f'<TD>data {data}</TD><TD>grad {grad}</TD></TR></TABLE>>')


def boxes(source: str) -> list[list[str]]:
    """The fields (name, data, grad) of each value's box in DOT `source`, as the picture shows them."""
    return [[html.unescape(cell).replace("\\\\", "\\") for cell in re.findall(r"<TD[^>]*>(.*?)</TD>", row)]
            for row in re.findall(r"<TR>(.*?)</TR>", source)]


def box_names(source: str) -> set[str]:
    return {fields[0] for fields in boxes(source)}


def test_dot_source_snapshot():
    *_, out = xyz()
    out.backward()
    assert draw(out).source == f"""digraph {{
\tgraph [fontname=Helvetica nodesep=0.25 ordering=out rankdir=LR ranksep=0.35]
\tnode [fontname=Helvetica fontsize=11]
\tedge [arrowsize=0.6 color="#555555"]
\tn0 [label={box("x", 2, 3)} shape=plain]
\tn1 [label={box("y", 3, 2)} shape=plain]
\tn2 [label={box("v1", 6, 1)} shape=plain]
\tn2_op [label="x * y" fillcolor="#e3f2fd" fontsize=10 height=0.3 margin="0.04,0.02" shape=box style="rounded,filled"]
\tn3 [label={box("z", 4, 1)} shape=plain]
\tn4 [label={box("L", 10, 1)} shape=plain]
\tn4_op [label="v1 + z" fillcolor="#e3f2fd" fontsize=10 height=0.3 margin="0.04,0.02" shape=box style="rounded,filled"]
\t{{
\t\trank=same
\t\tn0 -> n1 [style=invis]
\t}}
\tn2_op -> n2
\tn0 -> n2_op
\tn1 -> n2_op
\tn4_op -> n4
\tn2 -> n4_op
\tn3 -> n4_op
}}
"""


@programs
def test_svg_has_a_record_per_value_and_a_node_per_operation(program):
    x, y, z, out = xyz()
    out.backward()
    nodes = svg_nodes(draw(out).svg(program))
    assert set(nodes) == {"n0", "n1", "n2", "n2_op", "n3", "n4", "n4_op"}
    assert nodes["n0"]["texts"] == ["x", "data 2", "grad 3"]
    assert nodes["n2"]["texts"] == ["v1", "data 6", "grad 1"]
    assert nodes["n2_op"]["texts"] == ["x * y"] and nodes["n4_op"]["texts"] == ["v1 + z"]


@programs
def test_highlighted_states_are_filled_and_classed(program):
    x, y, z, out = xyz()
    s = out.backward_steps()
    s.step()
    nodes = svg_nodes(s.draw().svg(program))
    by_name = {n["texts"][0]: n for n in nodes.values() if n["texts"]}
    assert "current" in by_name["L"]["classes"] and by_name["L"]["fill"] == STATE_COLOURS["current"]
    assert "done" in by_name["z"]["classes"] and by_name["z"]["fill"] == STATE_COLOURS["done"]
    for waiting in ("v1", "x", "y"):
        assert "waiting" in by_name[waiting]["classes"] and by_name[waiting]["fill"] == STATE_COLOURS["waiting"]
    s.step()
    by_name = {n["texts"][0]: n for n in svg_nodes(s.draw().svg(program)).values() if n["texts"]}
    assert "done" in by_name["v1"]["classes"] and "done" in by_name["L"]["classes"]  # finished: none current
    assert "done" in by_name["x"]["classes"]


@programs
def test_constants_are_drawn_as_their_number(program):
    x = Value(3.0, label="x")
    nodes = svg_nodes(draw(2.5 * x).svg(program))
    assert [n["texts"] for n in nodes.values() if n["texts"] == ["2.5"]] == [["2.5"]]
    full = svg_nodes(draw(2.5 * x, small_constants=False).svg(program))
    assert ["2.5", "data 2.5", "grad 0"] in [n["texts"] for n in full.values()]


def test_options_direction_format_grad_and_names():
    *_, out = xyz()
    tb = draw(out, rankdir="TB", number_format=".2g", show_grad=False).source
    assert "rankdir=TB" in tb and "grad" not in tb
    assert ["x", "data 2"] in boxes(tb)  # fields run across in either direction
    assert ["out", "data 10", "grad 0"] in boxes(draw(out, names={out: "out"}).source)


@pytest.mark.parametrize("bad, message", [
    (dict(rankdir="RL"), "rankdir"), (dict(group="neurons"), "group"), (dict(collapse=True), "collapse"),
    (dict(states={}), None), (dict(number_format="q"), "format"),
])
def test_bad_options_are_named(bad, message):
    *_, out = xyz()
    if message is None:
        draw(out, **bad)  # an empty states mapping is fine
        return
    with pytest.raises(ValueError, match=message):
        draw(out, **bad)


def test_bad_state_and_root_are_named():
    x, y, z, out = xyz()
    with pytest.raises(ValueError, match="states"):
        draw(out, states={x: "finished"})
    with pytest.raises(TypeError, match="Value"):
        draw(3.0)


def test_record_special_characters_are_escaped():
    x = Value(1.0, label="a|b {c} <d>")
    assert ">a|b {c} &lt;d&gt;<" in draw(x).source
    if find_program():
        assert svg_nodes(draw(x).svg())["n0"]["texts"][0] == "a|b {c} <d>"


def nn_graph():
    model = MLP(2, [3, 1], seed=1)
    trace = model.trace([0.5, -1.0])
    loss = mse_loss(trace.output, 1.0)
    loss.backward()
    return model, trace, loss


def cluster_blocks(source: str) -> dict[str, str]:
    """Each cluster's block of DOT `source` by name, nested ones too (a layer's neurons share one)."""
    blocks = re.findall(r"(?=^(\t+)subgraph (cluster_\w+) \{(.*?)\n\1\})", source, re.M | re.S)
    return {name: block for _, name, block in blocks}


def test_group_by_neuron_puts_each_neurons_nodes_in_its_cluster():
    model, trace, loss = nn_graph()
    blocks = cluster_blocks(draw(loss, group="neuron").source)
    # Layer 1's neurons are drawn inside an invisible cluster of their own, which keeps them in order.
    assert set(blocks) == {"cluster_f1", "cluster_g1_1", "cluster_g1_2", "cluster_g1_3", "cluster_g2_1"}
    for j in (1, 2, 3):
        block = blocks[f"cluster_g1_{j}"]
        assert box_names(block) == {f"w[1]_{j}1", f"w[1]_{j}2", f"b[1]_{j}", f"z[1]_{j}", f"a[1]_{j}"}
        assert f'label="neuron [1]_{j}"' in block
    # The output neuron is linear: its a is its z node.
    assert box_names(blocks["cluster_g2_1"]) == {
        "w[2]_11", "w[2]_12", "w[2]_13", "b[2]_1", "z[2]_1"}


def test_group_by_layer_includes_the_inputs_as_layer_0():
    model, trace, loss = nn_graph()
    blocks = cluster_blocks(draw(loss, group="layer").source)
    assert set(blocks) == {"cluster_g0", "cluster_g1", "cluster_g2"}
    assert box_names(blocks["cluster_g0"]) == {"a[0]_1", "a[0]_2"}
    assert 'label="layer 0 (inputs)"' in blocks["cluster_g0"]


@programs
def test_collapsed_neurons_show_z_a_and_delta(program):
    model, trace, loss = nn_graph()
    diagram = draw(loss, group="neuron", collapse=True)
    nodes = svg_nodes(diagram.svg(program))
    z, a = trace.z[0][1], trace.a[0][1]
    assert nodes["g1_2"]["texts"] == ["neuron [1]_2", f"z {z.data:.4g}", f"a {a.data:.4g}", f"delta {z.grad:.4g}"]
    # 2 inputs + 4 neurons + v1 = output - 1, L, and the constants 1 and 2.
    assert diagram.size == 2 + 4 + 2 + 2 == len([n for n in nodes if not n.endswith("_op")])
    layers = svg_nodes(draw(loss, group="layer", collapse=True).svg(program))
    assert layers["g1"]["texts"] == ["layer 1", "3 neurons"] and layers["g0"]["texts"] == ["layer 0 (inputs)",
                                                                                                "2 inputs"]
    assert layers["g2"]["texts"] == ["layer 2", "1 neuron"]


def test_collapsed_groups_are_joined_by_one_edge_each():
    model, trace, loss = nn_graph()
    source = draw(loss, group="layer", collapse=True).source
    assert source.count("g0 -> g1") == 1 and source.count("g1 -> g2") == 1


def test_a_graph_over_the_size_limit_is_refused_with_the_grouped_view_suggested():
    x = Value(0.5, label="x")
    y = x
    for _ in range(300):
        y = y * x  # 301 Values besides the constant-free chain: x and 300 products
    with pytest.raises(DiagramTooLarge, match=r"301 nodes, more than max_nodes=300.*group='layer', collapse=True"):
        draw(y, max_nodes=300)
    assert draw(y, max_nodes=None).size == 301
    model = MLP(8, [16, 16, 1], seed=0)
    loss = mse_loss(model.trace([0.1] * 8).output, 0.0)
    with pytest.raises(DiagramTooLarge, match="unreadable"):
        draw(loss)
    assert draw(loss, group="layer", collapse=True).size == 4 + 4  # 4 layers, v1, L, two constants


def test_render_writes_the_format_of_the_extension(tmp_path):
    *_, out = xyz()
    diagram = draw(out)
    assert diagram.render(tmp_path / "g.dot").read_text() == diagram.source
    with pytest.raises(ValueError, match="extension"):
        diagram.render(tmp_path / "graph")
    if find_program() is None:
        pytest.skip("no dot program")
    assert diagram.render(tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
    assert diagram.render(tmp_path / "g.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_jupyter_repr_is_svg_text():
    if find_program() is None:
        pytest.skip("no dot program")
    *_, out = xyz()
    diagram = draw(out)
    svg = diagram._repr_svg_()
    assert isinstance(svg, str) and "<svg" in svg and "data 10" in svg_texts(svg)
    assert isinstance(diagram, Diagram) and "svg" in repr(diagram)


def test_render_errors_are_clear():
    with pytest.raises(RenderError, match="not found"):
        run_dot("digraph { a }", "svg", program="/nonexistent/dot")
    if find_program() is None:
        pytest.skip("no dot program")
    with pytest.raises(RenderError, match="failed"):
        run_dot("digraph { a }", "no-such-format")
    with pytest.raises(RenderError, match="failed"):
        run_dot("this is not DOT {", "svg")


def test_a_slow_rendering_stops_at_the_timeout_given_and_says_how_to_raise_it(tmp_path):
    slow = tmp_path / "slow-dot"
    slow.write_text("#!/bin/sh\nexec sleep 30\n")
    slow.chmod(0o755)
    *_, out = xyz()
    with pytest.raises(RenderError, match=r"timeout=0\.2 seconds.*larger timeout=.*timeout=None"):
        draw(out).svg(str(slow), timeout=0.2)
    with pytest.raises(ValueError, match="timeout"):
        run_dot("digraph { a }", "svg", timeout=-1)


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


@programs
def test_png_resolution_follows_dpi_and_defaults_to_high_density(program, tmp_path):
    *_, out = xyz()
    diagram = draw(out)
    at_96 = png_size(diagram.pipe("png", program, dpi=96))
    at_288 = png_size(diagram.pipe("png", program, dpi=288))
    default = png_size(diagram.render(tmp_path / "g.png", program).read_bytes())
    assert all(abs(b - 3 * a) <= 3 for a, b in zip(at_96, at_288))
    assert all(abs(d - 2 * a) <= 2 for a, d in zip(at_96, default))  # RASTER_DPI = 192
    assert diagram.svg(program) == diagram.pipe("svg", program, dpi=300).decode()  # vector: no dpi
    with pytest.raises(ValueError, match="dpi"):
        diagram.pipe("png", program, dpi=0)


def test_groups_read_two_digit_indices():
    model = MLP(11, [12, 1], seed=0)
    loss = mse_loss(model.trace([0.1] * 11).output, 0.0)
    blocks = cluster_blocks(draw(loss, group="neuron", max_nodes=None).source)
    labels = box_names(blocks["cluster_g1_12"])
    assert labels == {f"w[1]_12,{k}" for k in range(1, 12)} | {"b[1]_12", "z[1]_12", "a[1]_12"}


def test_names_given_for_some_nodes_leave_the_others_their_default_names():
    x = Value(2.0, label="x")
    out = x * x + 1.0
    source = draw(out, names={out: "out"}).source
    assert {"out", "x"} <= box_names(source)


def test_a_stepper_draws_constants_as_its_text_names_them():
    x = Value(1.0, label="x")
    s = BackwardStepper(x * 0.12345, number_format=".2f")
    assert "x * 0.12" in str(s.step())
    assert re.search(r'label="?0\.12"? ', s.draw().source)


def test_negative_zero_is_written_zero_in_pictures_and_steps():
    from autograd_lite.naming import format_number

    assert format_number(-0.0) == "0" and format_number(-1e-9, ".4f") == "0.0000"
    assert format_number(-1e-9) == "-1e-09" and format_number(float("-inf")) == "-inf"
    a = Value(1.0, label="a")
    v = a * -0.5
    L = v * 0.0
    s = L.backward_steps()
    text = "\n".join(map(str, s.run()))
    assert math.copysign(1.0, 0.0 * -0.5) == -1.0  # the contribution is -0 in IEEE arithmetic
    assert "0 * -0.5 = 0" in text and "-0\n" not in text + "\n" and "= -0 " not in text
    assert "-0 " not in draw(L).source and "grad -0" not in s.draw().source


def test_one_number_format_for_pictures_and_stepper():
    import nn

    x = Value(2.0, label="x")
    out = x * 3.0
    out.backward()
    source = draw(out).source
    step_text = str(out.backward_steps().step())
    assert ["L", "data 6", "grad 1"] in boxes(source) and ["x", "data 2", "grad 3"] in boxes(source)
    assert "L = x * 3 = 6" in step_text
    model = MLP(2, [3, 1], seed=5)
    trace = model.trace([0.5, -1.0])
    mse_loss(trace.output, 1.0).backward()
    a = trace.a[0][0].data
    assert f"a {a:.4g}" in nn.draw_network(model, trace).source


def svg_positions(svg: str) -> dict[str, tuple[float, float]]:
    """Each node's and cluster's (x, y) in the picture (its first text's anchor), by DOT id / title."""
    import xml.etree.ElementTree as ET

    from svg_tools import SVG

    found = {}
    for g in ET.fromstring(svg).iter(SVG + "g"):
        text = g.find(".//" + SVG + "text")
        if g.get("class") in ("node", "cluster") and text is not None:  # not an invisible cluster
            name = g.find(SVG + "title").text if g.get("class") == "node" else text.text
            found[name] = (float(text.get("x")), float(text.get("y")))
    return found


@programs
def test_an_operation_shows_its_formula_with_operand_order_and_pairing(program):
    x, y = Value(2.0, label="x"), Value(3.0, label="y")
    texts = [t for n in svg_nodes(draw((y - x) / (x ** 2)).svg(program)).values() for t in n["texts"]]
    assert {"y - x", "x^2", "v1 / v2"} <= set(texts)
    model = MLP(2, [2, 1], seed=0)
    loss = mse_loss(model.trace([0.5, -1.0]).output, 0.0)
    texts = [t for n in svg_nodes(draw(loss).svg(program)).values() for t in n["texts"]]
    assert "w[1]_21*a[0]_1 + w[1]_22*a[0]_2 + b[1]_2" in texts  # which w multiplies which a
    assert "tanh" in texts and "-" not in texts  # one operand: just the symbol
    assert ["x", "data 2", "grad 0"] in boxes(draw(x - y, formulas=False).source)
    assert 'label="-"' in draw(x - y, formulas=False).source


@programs
def test_collapsed_neurons_stack_in_index_order_and_dense_layers_are_bundled(program):
    model = MLP(2, [12, 12, 1], seed=0)
    loss = mse_loss(model.trace([0.5, -1.0]).output, 0.0)
    diagram = draw(loss, group="neuron", collapse=True, max_nodes=None)
    pos = svg_positions(diagram.svg(program))
    for l in (1, 2):
        ys = [pos[f"g{l}_{j}"][1] for j in range(1, 13)]
        assert ys == sorted(ys), (l, ys)  # neuron 1 on top, then 2, ..., 12
    edges = re.findall(r"^\t(\S+) -> (\S+)", diagram.source, re.M)
    assert not any(a.startswith("g1_") and b.startswith("g2_") for a, b in edges)  # 144 edges, bundled
    hub = next(b for a, b in edges if a == "g1_1" and b.startswith("bundle"))
    assert sorted(a for a, b in edges if b == hub) == sorted(f"g1_{j}" for j in range(1, 13))
    assert sorted(b for a, b in edges if a == hub) == sorted(f"g2_{j}" for j in range(1, 13))
    assert "12 × 12" in diagram.source


@programs
def test_neuron_clusters_in_index_order(program):
    model = MLP(2, [12, 1], seed=0)
    loss = mse_loss(model.trace([0.5, -1.0]).output, 0.0)
    pos = svg_positions(draw(loss, group="neuron", max_nodes=None).svg(program))
    ys = [pos[f"neuron [1]_{j}"][1] for j in range(1, 13)]
    assert ys == sorted(ys)


def sum_of_squares(outputs):
    loss = outputs[0] ** 2
    for output in outputs[1:]:
        loss = loss + output ** 2
    return loss


@programs
@pytest.mark.parametrize("nin, sizes, rankdir", [
    pytest.param(nin, sizes, rankdir, id=f"{nin} inputs, {sizes}, {rankdir}") for nin, sizes, rankdir in [
        (2, [3, 1], "LR"), (5, [5, 3, 1], "LR"), (11, [6, 1], "LR"), (3, [4, 4, 2], "LR"), (1, [3, 3], "LR"),
        (8, [7, 2, 1], "LR"), (2, [1, 5, 8, 1], "LR"), (4, [6, 3, 2], "TB")]
])
def test_neurons_and_inputs_are_drawn_in_index_order_in_every_layer(program, nin, sizes, rankdir):
    # Inputs fed alike into every neuron: no order of the neurons crosses fewer edges than another, so
    # dot used to keep whichever it tried last (neurons 2, 3, 1 of MLP(2, [3, 1])).
    model = MLP(nin, sizes, seed=0)
    trace = model.trace([0.1 * k - 0.3 for k in range(nin)])
    loss = sum_of_squares(trace.a[-1])
    axis = 1 if rankdir == "LR" else 0  # top to bottom, or left to right

    def in_order(places):
        return all(a < b for a, b in zip(places, places[1:]))

    for group, collapse in [("neuron", False), ("layer", False), ("neuron", True)]:
        svg = draw(loss, group=group, collapse=collapse, rankdir=rankdir, max_nodes=None).svg(program)
        pos = svg_positions(svg)
        at = {node["texts"][0]: pos[node_id][axis] for node_id, node in svg_nodes(svg).items() if node["texts"]}
        assert in_order([at[f"a[0]_{k}"] for k in range(1, nin + 1)]), (group, collapse)
        for l, n in enumerate(sizes, 1):
            if collapse:
                assert in_order([pos[f"g{l}_{j}"][axis] for j in range(1, n + 1)]), (l, group, collapse)
                continue
            assert in_order([at[f"z[{l}]_{j}"] for j in range(1, n + 1)]), (l, group)
            if group == "neuron":
                assert in_order([pos[f"neuron [{l}]_{j}"][axis] for j in range(1, n + 1)]), l
            for neuron in model.layers[l - 1].neurons:  # and each neuron's w_j1, ..., w_jn, b still in order
                assert in_order([at[str(v.label)] for v in (*neuron.w, neuron.b)]), (l, group, str(neuron.b.label))


def test_only_leaves_that_feed_one_operation_alone_are_stacked():
    a, b, c, d = (Value(float(k), label=name) for k, name in enumerate("abcd"))
    assert "rank=same" not in draw(a * b + a * c).source  # a feeds both products, so neither stacks
    source = draw(d * (b * c)).source
    ids = dict(re.findall(r'^\t(n\d+) \[label=<<TABLE[^>]*><TR><TD[^>]*>(\w+)<', source, re.M))
    by_name = {name: node_id for node_id, name in ids.items()}
    assert f"{by_name['b']} -> {by_name['c']} [style=invis]" in source  # b before c, as in "b * c"
    assert source.count("[style=invis]") == 1  # d's partner b * c is not a leaf


@programs
@pytest.mark.parametrize("group, rankdir", [("neuron", "LR"), ("layer", "LR"), (None, "LR"), ("neuron", "TB")])
def test_each_neurons_weights_stack_in_index_order_with_the_bias_last(program, group, rankdir):
    model = MLP(2, [16, 16, 1], seed=0)  # the moons model: 33 neurons, 16 weights each in layer 2
    loss = mse_loss(model.trace([0.5, -1.0]).output, 0.0)
    svg = draw(loss, group=group, rankdir=rankdir, max_nodes=None).svg(program)
    pos = svg_positions(svg)
    axis = 1 if rankdir == "LR" else 0  # a rank's boxes stack top to bottom, or run left to right
    at = {node["texts"][0]: pos[node_id][axis] for node_id, node in svg_nodes(svg).items() if node["texts"]}
    for layer in model.layers:
        for neuron in layer.neurons:
            names = [str(w.label) for w in neuron.w] + [str(neuron.b.label)]
            places = [at[name] for name in names]
            assert all(a < b for a, b in zip(places, places[1:])), sorted(names, key=at.get)  # w_j1 first, b last
