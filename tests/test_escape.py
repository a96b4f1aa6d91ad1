"""Hostile labels, names and titles: every path into DOT shows them as their text, rendered by each
dot program present, as well-formed SVG with no link, script or decoded entity (issue 13)."""

from __future__ import annotations

import warnings
import xml.etree.ElementTree as ET

import pytest
from standin_mlp import MLP
from svg_tools import SVG, programs

from autograd_lite import Value, draw
from autograd_lite.escape import dot_record, dot_text, html_text, visible
from autograd_lite.naming import Group, Label
from autograd_lite.value import Const

HTML_LINK = '<<table><tr><td href="javascript:alert(1)">2</td></tr></table>>'
HOSTILE = [
    HTML_LINK,
    "<b>bold</b>",
    "trailing\\",
    "a\\nb \\N \\G \\l",
    'quote " and \\"',
    "nul\x00here",
    "non\ufffecharacter",
    "lone\ud800surrogate",
    "new\nline\ttab\x7f",
    "entity &amp; &lt; &#60; &#x3c;",
    "{record|field} <port>",
    "  two  spaces ",
    "bidi \u202eevil",
    "ünïcødé σ √ 日本",
]


def shown(svg: bytes | str) -> str:
    """All the text an SVG shows, checked to be well-formed XML with no link or script."""
    text = svg.decode("utf-8") if isinstance(svg, bytes) else svg
    root = ET.fromstring(text)  # raises on invalid XML (a NUL, an undefined entity, ...)
    for element in root.iter():
        assert not element.tag.endswith(("}a", "}script", "}foreignObject")), element.tag
        assert not any("href" in name or name.startswith("on") for name in element.attrib), element.attrib
        assert not any("javascript:" in value for value in element.attrib.values()), element.attrib
    return " ".join(t.text or "" for t in root.iter(SVG + "text")).replace("\u00a0", " ")


def squash(s: str) -> str:
    return " ".join(s.split())


@pytest.mark.parametrize("label", HOSTILE)
def test_visible_writes_what_cannot_be_shown_as_python_does(label):
    out = visible(label)
    assert out.isprintable() and out.encode("utf-8")
    assert out == label or "\\" in out


def test_the_escapers_documented_outputs():
    assert visible("a\nb\x00\ufffe\ud800") == "a\\nb\\x00\\ufffe\\ud800"
    assert html_text('<a href="j">&amp;\x00') == "&lt;a href=&quot;j&quot;&gt;&amp;amp;\\x00"
    assert dot_text("<b>") == "<b>" and type(dot_text("<b>")).__name__ == "NoHtml"
    assert dot_record("a|b", "{c}") == "a\\|b | \\{c\\}"
    with pytest.raises(TypeError, match="label must be a str"):
        visible(3)


def _paths(label: str):
    """Each way a user's string reaches a diagram: (what, diagram)."""
    x = Value(2.0, label=label)
    yield "Value label", draw(x * 3)
    c = Const(2.0, label)
    yield "labelled Const", draw(Value(1.0, label="x") * c)
    y = Value(1.0, label="y")
    out = y * 2.0
    yield "names=", draw(out, names={y: label, out.parents[1]: label})
    yield "stepper draw", (y * Const(2.0, label)).backward_steps().draw()
    g = Label("z", role="z", groups={"neuron": Group((1, 1), label)})
    z = Value(1.0) * 2
    z.label = g
    yield "group title", draw(z + 1, group="neuron")
    yield "collapsed group", draw(z + 1, group="neuron", collapse=True)
    yield "draw title", draw(x * 3, title=label.replace("\n", " "))
    yield "number format fill", draw(Value(1.0, label="n") * 2, number_format="<>12")


@programs
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_labels_render_as_their_text(program, label):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # graphviz warns of a DOT syntax error it is about to write
        for what, diagram in _paths(label):
            text = shown(diagram.svg(program))
            if what != "number format fill":
                assert squash(visible(label)) in squash(text), (what, text)


@programs
@pytest.mark.parametrize("label", HOSTILE)
def test_hostile_activation_name_in_network_titles(program, label):
    import nn

    model = MLP(2, [2, 1])
    for layer in model.layers:
        for n in layer.neurons:
            n.activation = label
    text = shown(nn.draw_network(model).svg(program))
    assert squash(visible(label)) in squash(text)
    title = label.replace("\n", " ")
    assert squash(visible(title)) in squash(shown(nn.draw_network(model, title=title).svg(program)))
