"""Reading rendered SVG back (xml.etree) and choosing the dot programs present, for the diagram tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from autograd_lite.render import PROGRAMS, find_program

SVG = "{http://www.w3.org/2000/svg}"

#: One parameter per dot program; a program not installed here is skipped, not failed.
programs = pytest.mark.parametrize("program", [
    pytest.param(p, marks=pytest.mark.skipif(find_program(p) is None, reason=f"{p} is not installed"))
    for p in PROGRAMS
])


def svg_nodes(svg: str) -> dict[str, dict]:
    """Each drawn node by its DOT id: its classes, texts and fill colour."""
    root = ET.fromstring(svg)
    assert root.tag == SVG + "svg"
    nodes = {}
    for g in root.iter(SVG + "g"):
        classes = g.get("class", "").split()
        if "node" not in classes:
            continue
        shape = next((e for e in g if e.tag in (SVG + "polygon", SVG + "ellipse", SVG + "path")), None)
        nodes[g.find(SVG + "title").text] = {
            "classes": classes,
            "texts": [t.text for t in g.iter(SVG + "text")],
            "fill": shape.get("fill") if shape is not None else None,
        }
    return nodes


def svg_texts(svg: str) -> list[str]:
    return [t.text for t in ET.fromstring(svg).iter(SVG + "text")]


def svg_edges(svg: str) -> list[dict]:
    """Each drawn edge: its title ("a->b") and stroke width and colour."""
    edges = []
    for g in ET.fromstring(svg).iter(SVG + "g"):
        if "edge" in g.get("class", "").split():
            path = g.find(SVG + "path")
            edges.append({"title": g.find(SVG + "title").text, "stroke": path.get("stroke"),
                          "width": float(path.get("stroke-width", "1")),
                          "texts": [t.text for t in g.iter(SVG + "text")]})
    return edges
