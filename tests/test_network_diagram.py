"""nn.draw_network against a stand-in model that follows the nn contract."""

from __future__ import annotations

import re

import pytest
from standin_mlp import MLP, mse_loss
from svg_tools import programs, svg_edges, svg_nodes, svg_texts

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
    edges = svg_edges(draw_network(model, trace).svg(program))
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
        assert by_title[title]["texts"] == [f"{w:.4g}"]  # 9 edges: labelled by default


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
