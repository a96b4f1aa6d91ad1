"""nn.draw_network against a stand-in model that follows the nn contract."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET

import pytest
from standin_mlp import MLP, mse_loss
from svg_tools import SVG, programs, svg_edges, svg_nodes, svg_texts

from nn.network_diagram import draw_network


def trained():
    model = MLP(2, [3, 1], seed=5)
    trace = model.trace([0.5, -1.0])
    mse_loss(trace.output, 1.0).backward()
    return model, trace


def test_exported_from_nn():
    import nn

    assert nn.draw_network is draw_network


@programs
def test_neurons_show_a_and_delta_and_the_legend_names_the_notation(program):
    model, trace = trained()
    svg = draw_network(model, trace).svg(program)
    nodes = svg_nodes(svg)
    neurons = {k: v for k, v in nodes.items() if re.fullmatch(r"a\d_\d", k)}
    assert sorted(neurons) == ["a0_0", "a0_1", "a1_0", "a1_1", "a1_2", "a2_0"]
    assert neurons["a0_1"]["texts"] == ["a[0]_2", "a -1"]
    z, a = trace.z[0][2], trace.a[0][2]
    assert neurons["a1_2"]["texts"] == ["a[1]_3", f"a {a.data:.4g}", f"delta {z.grad:.4g}"]
    assert neurons["a2_0"]["texts"][2] == f"delta {trace.z[1][0].grad:.4g}"
    legend = " ".join(svg_texts(svg))
    for note in ("z = pre-activation", "a = post-activation", "delta = dL/dz"):
        assert note in legend
    # Colour by delta: the largest |delta| is the most saturated fill, white for none.
    deltas = {k: trace.z[int(k[1]) - 1][int(k[3])].grad for k in neurons if k[1] != "0"}
    strongest = max(deltas, key=lambda k: abs(deltas[k]))
    assert neurons[strongest]["fill"] in ("#2166ac", "#b2182b") and neurons["a0_0"]["fill"] == "white"


@programs
def test_edges_are_the_weights_width_by_magnitude_colour_by_sign(program):
    model, trace = trained()
    svg = draw_network(model, trace).svg(program)
    edges = svg_edges(svg)
    assert len(edges) == 2 * 3 + 3 * 1
    weights = {f"a{l}_{k}->a{l + 1}_{j}": n.w[k].data
               for l, layer in enumerate(model.layers) for j, n in enumerate(layer.neurons) for k in range(len(n.w))}
    by_title = {e["title"].replace("&#45;&gt;", "->"): e for e in edges}
    assert set(by_title) == set(weights)
    heaviest = max(weights, key=lambda t: abs(weights[t]))
    assert by_title[heaviest]["width"] == pytest.approx(4.0)
    for title, w in weights.items():
        assert by_title[title]["width"] == pytest.approx(0.4 + 3.6 * abs(w) / abs(weights[heaviest]), abs=0.01)
        red, blue = int(by_title[title]["stroke"][1:3], 16), int(by_title[title]["stroke"][5:7], 16)
        assert (blue > red) == (w >= 0)
    nodes = svg_nodes(svg)
    for l, layer in enumerate(model.layers, 1):  # 9 edges: labelled by default, each on its own edge
        for j, n in enumerate(layer.neurons):
            for k, w in enumerate(n.w):
                assert nodes[f"w{l}_{j}_{k}"]["texts"] == [f"{w.data:.4g}"]


def test_edge_width_by_gradient():
    model, trace = trained()
    source = draw_network(model, trace, edges="grad").source
    grads = [n.w[k].grad for layer in model.layers for n in layer.neurons for k in range(len(n.w))]
    top = max(map(abs, grads))
    widths = [float(w) for w in re.findall(r"penwidth=([\d.]+)", source)]
    assert sorted(widths) == pytest.approx(sorted(0.4 + 3.6 * abs(g) / top for g in grads), abs=0.01)
    assert "width ~ |dL/dw|" in source


def test_without_a_trace_neurons_show_their_bias_and_no_delta():
    model, _ = trained()
    source = draw_network(model).source
    assert f"\\nb {model.layers[0].neurons[1].b.data:.4g}" in source and "\\ndelta " not in source
    assert "neuron colour" not in source


def test_a_trace_before_backward_shows_no_delta():
    model = MLP(2, [2, 1], seed=0)
    source = draw_network(model, model.trace([1.0, 2.0])).source
    assert "\\ndelta " not in source and "a[1]_2\\na " in source


def test_wide_layers_are_elided():
    model = MLP(20, [5, 2], seed=0)
    diagram = draw_network(model, max_per_layer=6)
    assert "... 15 more" in diagram.source and diagram.size == 5 + 5 + 2
    assert diagram.source.count(" -> ") == 5 * 5 + 2 * 5


def test_bad_models_and_traces_are_named():
    with pytest.raises(TypeError, match="layers"):
        draw_network(object())
    model, trace = trained()
    with pytest.raises(ValueError, match="layer sizes"):
        draw_network(model, MLP(3, [3, 1]).trace([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="edges"):
        draw_network(model, edges="both")


def text_boxes(svg: str, em: float = 0.62) -> list[tuple[int, str, tuple[float, float, float, float]]]:
    """(owner, text, (x0, y0, x1, y1)) of every text, sized generously as if set in DejaVu Sans (the
    usual fallback for Helvetica: about `em` font sizes per character); owner: the node or edge it is in."""
    boxes = []
    for owner, g in enumerate(ET.fromstring(svg).iter(SVG + "g")):
        if g.get("class") not in ("node", "edge", "graph"):
            continue
        for t in g.findall(SVG + "text"):
            size, x, y = float(t.get("font-size")), float(t.get("x")), float(t.get("y"))
            width = len(t.text or "") * em * size
            x0 = {"start": x, "end": x - width}.get(t.get("text-anchor"), x - width / 2)
            boxes.append((owner, t.text, (x0, y - 0.75 * size, x0 + width, y + 0.2 * size)))
    return boxes


def page(svg: str) -> tuple[float, float, float, float]:
    """The drawing's page (its background polygon), in the texts' coordinates."""
    graph = next(g for g in ET.fromstring(svg).iter(SVG + "g") if g.get("class") == "graph")
    points = [tuple(map(float, p.split(","))) for p in graph.find(SVG + "polygon").get("points").split()]
    return (min(x for x, _ in points), min(y for _, y in points), max(x for x, _ in points),
            max(y for _, y in points))


def overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def moons_model():
    model = MLP(2, [16, 16, 1], seed=0, activation="relu")
    trace = model.trace([0.05, 0.37])
    mse_loss(trace.output, 1.0).backward()
    return model, trace


@programs
@pytest.mark.parametrize("case", ["readme 2-3-1", "moons 2-16-16-1", "moons, every weight labelled", "TB"])
def test_no_text_overlaps_another_or_leaves_the_page(program, case):
    if case == "readme 2-3-1":
        diagram = draw_network(*trained(), title="before training")
    elif case == "TB":
        diagram = draw_network(*trained(), rankdir="TB")
    else:
        diagram = draw_network(*moons_model(), edge_labels=case.endswith("labelled"))
    svg = diagram.svg(program)
    boxes = text_boxes(svg)
    left, top, right, bottom = page(svg)
    for _, text, box in boxes:
        assert left <= box[0] and box[2] <= right and top <= box[1] and box[3] <= bottom, (text, box, page(svg))
    clashes = [(t1, t2) for i, (o1, t1, b1) in enumerate(boxes) for o2, t2, b2 in boxes[i + 1:]
               if o1 != o2 and overlap(b1, b2)]
    assert not clashes
    # Each weight's label stands on its own edge, nearer its head than its tail, clear of every neuron.
    circles = [(float(e.get("cx")), float(e.get("cy")), float(e.get("rx")))
               for e in ET.fromstring(svg).iter(SVG + "ellipse")]
    for _, text, (x0, y0, x1, y1) in boxes:
        if re.fullmatch(r"-?[\d.]+(e[-+]\d+)?", text or ""):
            for cx, cy, r in circles:
                nearest = (min(max(cx, x0), x1), min(max(cy, y0), y1))
                assert math.dist(nearest, (cx, cy)) > r, (text, (cx, cy))


@programs
def test_neuron_colour_has_a_legend_of_its_sign(program):
    nodes = svg_nodes(draw_network(*trained()).svg(program))
    assert [nodes[f"legend{i}_text"]["texts"] for i in range(3)] == [["delta < 0"], ["delta = 0"], ["delta > 0"]]
    assert [nodes[f"legend{i}"]["fill"] for i in range(3)] == ["#b2182b", "#ffffff", "#2166ac"]
    assert "legend0" not in svg_nodes(draw_network(trained()[0]).svg(program))  # no trace: no colours


def test_a_title_is_written_over_the_network():
    model, trace = trained()
    assert 'label="after training"' in draw_network(model, trace, title="after training").source
    with pytest.raises(TypeError, match="title"):
        draw_network(model, title=3)
