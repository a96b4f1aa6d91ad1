"""The walkthrough's record: what the page shows is what the engine computes, bit for bit.

The forward values are the nodes' data; each backward step is what a `BackwardStepper` performs on
the same graph (the grads after it, its local derivatives, its text); after the last step the
grads are ``backward()``'s. The graph is left as it was found. User text reaches the page escaped.
(The page itself, in a browser: tests/test_walkthrough_browser.py.)
"""

from __future__ import annotations

import importlib.util
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import nn
from autograd_lite import BackwardStepper, Label, Value, Walkthrough, walkthrough
from autograd_lite.backward import topological_order
from autograd_lite.escape import script_json

HOSTILE = "</script><img src=x onerror=alert(1)>"


def neuron() -> Value:
    """micrograd's neuron: o = tanh(x1*w1 + x2*w2 + b), as the demos build it (demos/common.py)."""
    spec = importlib.util.spec_from_file_location("demos_common", Path(__file__).parent.parent / "demos" / "common.py")
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    return common.micrograd_neuron()


def shared() -> Value:
    """x used three times, once squared: its grad is a sum of contributions (the += of the chain rule)."""
    x, y = Value(0.7, label="x"), Value(-1.3, label="y")
    return (x * x + x * y).exp() / (y - 0.25)


def moons_loss(loss: str = "hinge") -> tuple[nn.MLP, Value]:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    trace = model.trace([0.8, -0.35])
    out = trace.output
    return model, nn.hinge([out], [1.0]) if loss == "hinge" else nn.mse([out], [0.3])


def grads(root: Value) -> list[float]:
    return [n.grad for n in topological_order(root)]


def fresh_backward(root: Value) -> list[float]:
    for n in topological_order(root):
        n.grad = 0.0
    root.backward()
    return grads(root)


@pytest.mark.parametrize("make", [neuron, shared, lambda: moons_loss()[1], lambda: moons_loss("mse")[1]])
def test_the_record_is_the_engine_s_pass(make):
    root = make()
    w = walkthrough(root, max_steps=None)
    r = w.record
    order = topological_order(root)
    # forward: every interior node in topological order, its value and its operands' values
    interior = [n for n in order if not n.is_leaf]
    assert [order[s["node"]] for s in r["forward"]] == interior
    for step, node in zip(r["forward"], interior):
        assert step["value"][0] == repr(node.data)
        assert [order[o["node"]] for o in step["operands"]] == [p for p in node.parents if not p.is_constant]
        assert [o["value"][0] for o in step["operands"]] == [repr(p.data) for p in node.parents if not p.is_constant]
    # backward: the stepper's steps, with the grads each leaves behind
    s = BackwardStepper(root)
    for step, recorded in zip(s, r["backward"], strict=True):
        assert order[recorded["node"]] is step.node
        assert recorded["lines"] == step.text.splitlines()
        assert [o["local"][0] for o in recorded["operands"]] == [repr(d) for d in step.local]
        assert [o["before"][0] for o in recorded["operands"]][:1] == [repr(step.before[0])]
        assert recorded["grad"][0] == repr(step.node.grad)
        assert {order[i]: g for i, (g, _) in recorded["after"]} == {p: repr(p.grad) for p in step.node.parents}
    # the end: backward()'s grads, bit for bit
    assert [n["grad"][0] for n in r["nodes"]] == [repr(g) for g in fresh_backward(root)]


def test_the_seed_is_dL_droot():
    root = shared()
    r = walkthrough(root, grad=-2.5).record
    for n in topological_order(root):
        n.grad = 0.0
    root.backward(-2.5)
    assert [n["grad"][0] for n in r["nodes"]] == [repr(g) for g in grads(root)]
    assert r["backward"][0]["grad"][0] == "-2.5"


def test_a_repeated_operand_adds_up_in_turn():
    x = Value(3.0, label="x")
    y = x * x
    r = walkthrough(y).record
    (step,) = r["backward"]
    first, second = step["operands"]
    assert (first["before"][0], first["after"][0]) == ("0.0", "3.0")
    assert (second["before"][0], second["after"][0]) == ("3.0", "6.0")
    assert step["after"] == [[0, ["6.0", "6"]]]


def test_the_graph_is_left_as_it_was_found():
    root = neuron()
    root.backward()
    before = grads(root)
    w = walkthrough(root)
    assert grads(root) == before
    # the record is a fresh pass (leaves from 0), not the doubled grads a second backward() gives
    assert [n["grad"][0] for n in w.record["nodes"]] == [repr(g) for g in before]
    # fresh=False: the leaves accumulate, as a second backward() would
    again = walkthrough(root, fresh=False).record
    root.backward()
    assert [n["grad"][0] for n in again["nodes"]] == [repr(g) for g in grads(root)]


def test_a_stepper_s_walkthrough_leaves_the_stepper_where_it_was():
    root = neuron()
    s = root.backward_steps()
    s.step(2)
    held = grads(root)
    w = s.walkthrough(title="mine")
    assert isinstance(w, Walkthrough) and w.record["title"] == "mine"
    assert s.position == 2 and grads(root) == held
    assert [n["grad"][0] for n in w.record["nodes"]] == [repr(g) for g in fresh_backward(root)]


def test_nan_and_inf_are_spelled_out():
    x = Value(0.0, label="x")
    y = x.log() * x  # -inf * 0 = nan; its gradient is nan too
    r = walkthrough(y).record
    assert r["forward"][0]["value"][0] == "-inf"
    assert r["forward"][1]["value"][0] == "nan"
    assert r["nodes"][0]["grad"][0] == "nan"
    text = script_json(r)
    assert json.loads(text) == r  # strict JSON: no NaN or Infinity tokens


def test_script_json_cannot_close_its_script():
    data = {"label": HOSTILE + "<!-- & \u2028\u2029"}
    text = script_json(data)
    assert not set("<>&\u2028\u2029") & set(text)
    assert json.loads(text) == data
    with pytest.raises(ValueError):
        script_json(float("nan"))


class _Ids(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.tags: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.ids += [v for k, v in attrs if k == "id"]


def test_hostile_labels_reach_the_page_only_as_text():
    a = Value(1.5, label=HOSTILE)
    b = Value(2.0, label='"]; x [')
    c = a * b
    c.label = "<b>bold</b> & co"
    page = walkthrough(c, title=HOSTILE).html()
    parser = _Ids()
    parser.feed(page)
    assert "img" not in parser.tags and "b" not in parser.tags
    assert "<img" not in page and "<b>" not in page
    assert page.count("</script>") == page.count("<script")  # only its own scripts close
    data = re.search(r'<script type="application/json" id="[^"]+">(.*?)</script>', page, re.S).group(1)
    names = [n["name"] for n in json.loads(data)["nodes"]]
    assert HOSTILE in names and '"]; x [' in names and "<b>bold</b> & co" in names


def test_every_id_is_the_page_s_own():
    w = walkthrough(neuron())
    first, second = w._repr_html_(), w._repr_html_()
    ids = []
    for fragment in (first, second):
        parser = _Ids()
        parser.feed(fragment)
        prefix = parser.ids[0]
        assert all(i.startswith(prefix) for i in parser.ids)
        ids += parser.ids
    assert len(ids) == len(set(ids))  # two walkthroughs in one notebook share no id
    assert "<!DOCTYPE" not in first and w.html().startswith("<!DOCTYPE html>")


def test_save_writes_one_self_contained_file(tmp_path):
    path = walkthrough(neuron()).save(tmp_path / "n.html")
    page = path.read_text(encoding="utf-8")
    assert "<svg" in page and "Content-Security-Policy" in page
    # nothing is fetched: no src/href attributes, no URLs but the SVG namespaces
    assert not re.search(r"\s(src|href)=", page)
    # the script and style cannot end their element early, nor open a comment that hides its end
    for raw in re.findall(r"<(?:script|style)>(.*?)</(?:script|style)>", page, re.S):
        assert not re.search(r"</?script|<!--|</style", raw, re.I)
    assert set(re.findall(r"https?://[^\s\"'<>]+", page)) <= {"http://www.w3.org/2000/svg",
                                                              "http://www.w3.org/1999/xlink"}


def test_a_network_is_stepped_by_neuron_and_layer():
    model, loss = moons_loss()
    w = walkthrough(loss, max_steps=20)
    r = w.record
    assert list(r["moments"]) == ["neuron", "layer"] and r["granularity"] == "neuron"
    assert "max_steps=20" in r["message"]
    assert w.svg is None and "max_graph_nodes=150" in r["graph_note"]
    nodes = r["nodes"]
    for m in r["moments"]["neuron"]:
        steps = (r["forward"] + r["backward"])[m["start"] - 1:m["end"]]
        keys = {str(nodes[s["node"]]["groups"].get("neuron")) for s in steps}
        assert len(keys) == 1  # a neuron's moment holds that neuron's steps only
    # every node step is in exactly one moment, in order
    for moments in r["moments"].values():
        covered = [k for m in moments for k in range(m["start"], m["end"] + 1)]
        assert covered == list(range(1, len(r["forward"]) + len(r["backward"]) + 1))
    layers = [m["title"] for m in r["moments"]["layer"] if m["phase"] == "backward"]
    assert layers[-3:] == ["layer 3", "layer 2", "layer 1"]
    net = r["network"]
    assert len(net["neurons"]) == 2 + 16 + 16 + 1 + 1  # and the loss, after the network
    assert len(net["edges"]) == 2 * 16 + 16 * 16 + 16 + 1
    assert w.network_svg.count('class="wt-neuron"') == 36
    loss_column = net["neurons"][-1]
    assert loss_column["a"] == r["root"] and {nodes[i]["name"] for i in loss_column["nodes"]} == {"v1", "v2", "L"}
    with pytest.raises(ValueError, match=r"must be one of \['neuron', 'layer'\] \(the backward pass has 68 steps"):
        walkthrough(loss, max_steps=20, granularity="node")


def test_a_big_graph_without_groups_is_refused_by_name():
    x = Value(1.0, label="x")
    y = x
    for _ in range(30):
        y = y * 1.01
    with pytest.raises(ValueError, match="30 steps, more than max_steps=10, and no node's label names a group"):
        walkthrough(y, max_steps=10)
    assert walkthrough(y, max_steps=None).steps == 60


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: walkthrough(3.0), TypeError, "walkthrough\\(\\) takes a Value, got float"),
    (lambda: walkthrough(neuron(), number_format="%d"), ValueError, "[Ff]ormat"),
    (lambda: walkthrough(neuron(), max_steps=-1), ValueError, "max_steps"),
    (lambda: walkthrough(neuron(), granularity="neuron"), ValueError, "must be one of \\['node'\\]"),
    (lambda: walkthrough(neuron(), title=3), TypeError, "title"),
])
def test_bad_arguments_are_named(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_labels_of_a_model_give_the_textbook_names():
    model, loss = moons_loss()
    r = walkthrough(loss).record
    z = next(n for n in r["nodes"] if n["name"] == "z[1]_1")
    assert z["grad_name"] == "delta[1]_1" and z["groups"]["neuron"] == [[1, 1], "neuron [1]_1"]
    assert any(line.startswith("  delta[1]_1 = dL/dz[1]_1") for s in r["backward"] for line in s["lines"])
    assert isinstance(Label("q"), str) and not math.isnan(float(r["nodes"][r["root"]]["grad"][0]))


def test_the_demo_writes_both_pages(tmp_path, monkeypatch, capsys):
    demos = Path(__file__).parent.parent / "demos"
    monkeypatch.syspath_prepend(str(demos))
    spec = importlib.util.spec_from_file_location("demo_walkthrough", demos / "walkthrough.py")
    demo = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(demo)
    neuron_page, moons_page = demo.main(["--out", str(tmp_path)])
    assert [neuron_page.name, moons_page.name] == ["neuron_walkthrough.html", "moons_walkthrough.html"]
    assert "by neuron" in capsys.readouterr().out
    page = moons_page.read_text(encoding="utf-8")
    assert page.count('class="wt-neuron"') == 36 and '<option value="layer">per layer</option>' in page
    assert "o = tanh(x1*w1 + x2*w2 + b)" in neuron_page.read_text(encoding="utf-8")
    makefile = (demos.parent / "Makefile").read_text()
    assert "demos/walkthrough.py" in makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
