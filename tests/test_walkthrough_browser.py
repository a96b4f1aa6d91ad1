"""The walkthrough page in a real browser: Debian's Chromium driven by Playwright (from PyPI).

At every moment, however it is reached (the Step and Back buttons, the keys, the scrubber, a
``#step=N`` address), the page shows exactly the Python record's texts and numbers; after the last
step its grads are ``backward()``'s, digit for digit. Nothing leaves the page, no script error
happens, hostile labels stay text and two walkthroughs in one page keep to themselves.

Skipped, saying why, when Playwright or a ``chromium`` executable is missing (`.ci/run` installs
both when it can). With AUTOGRAD_LITE_SCREENSHOTS=docs, the screenshot test writes the README's
pictures into docs/.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from test_walkthrough import HOSTILE, moons_loss, neuron, shared

from autograd_lite import Value, walkthrough
from autograd_lite.backward import topological_order

sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e .[test])")
CHROMIUM = shutil.which("chromium")
if CHROMIUM is None:
    pytest.skip("no `chromium` executable on PATH (Debian: apt-get install chromium)", allow_module_level=True)

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Page:
    """A page with every request and error written down: the tests end by asking for none."""

    def __init__(self, browser, path: Path, viewport=(1200, 800), reduced_motion="no-preference") -> None:
        self.page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]},
                                     reduced_motion=reduced_motion)
        self.left: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("request", self._request)
        self.page.route("**/*", lambda route: route.continue_() if self._local(route.request.url) else route.abort())
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}")
                     if m.type in ("error", "warning") else None)
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.url = path.resolve().as_uri()

    @staticmethod
    def _local(url: str) -> bool:
        return url.startswith(("file:", "data:", "about:"))

    def _request(self, request) -> None:
        if not self._local(request.url):
            self.left.append(request.url)

    def open(self, fragment: str = "") -> Page:
        self.page.goto(self.url + fragment)
        self.page.wait_for_selector("div.wt[data-ready='2']", state="attached")
        return self

    def prefix(self, n: int = 0) -> str:
        return self.page.locator("div.wt").nth(n).get_attribute("id")

    def shown(self, prefix: str | None = None) -> dict:
        """Everything the player shows now, as text."""
        return self.page.evaluate("""P => {
            const $ = s => document.getElementById(P + '-' + s), text = e => e.textContent;
            const all = (root, sel) => Array.from(root.querySelectorAll(sel));
            return {
                phase: text($('phase')), count: text($('count')), live: text($('live')),
                lines: all($('steps'), 'pre').map(text),
                ops: all($('steps'), 'table.wt-ops tbody tr').map(r => all(r, 'td').map(text)),
                rows: all($('values'), 'tbody tr').map(r => all(r, 'td').map(text)),
                exact: all($('values'), 'tbody tr').map(r => r.children[2].getAttribute('data-exact')),
                graph: all($('graph'), 'g.node text, text.wt-edge-label').map(text),
                net: all(document.getElementById(P), '.wt-neuron text').map(text),
                hash: location.hash,
            };
        }""", prefix or self.prefix())

    def click(self, button: str, prefix: str | None = None) -> None:
        self.page.click(f"#{prefix or self.prefix()}-{button}")

    def check_clean(self) -> None:
        assert self.left == [], "requests left the page"
        assert self.errors == []
        assert self.dialogs == []


def expected(record: dict, granularity: str, k: int) -> dict:
    """What the page must show at moment k, read off the record (as the page reads it)."""
    nodes, F, B = record["nodes"], len(record["forward"]), len(record["backward"])
    moments = record["moments"][granularity]
    m = moments[k - 1] if k else None
    pos = m["end"] if m else 0
    finished = k == len(moments) and B > 0 and pos == F + B
    b = max(0, pos - F)
    steps = [(record["forward"] + record["backward"])[p - 1] for p in range(m["start"], m["end"] + 1)] if m else []
    current = set() if finished else {s["node"] for s in steps}
    grads = None
    if b:
        grads = [n["initial_grad"][1] for n in nodes]
        for s in record["backward"][:b]:
            for i, g in s["after"]:
                grads[i] = g[1]
    rows = []
    for i in reversed(range(len(nodes))):
        n = nodes[i]
        if n["const"]:
            continue
        final = b > 0 and (finished or n["final_at"] <= b)
        rows.append(["▶ " * (i in current) + n["name"], n["data"][1] if n["forward"] <= pos else "?",
                     (grads[i] if grads else "–") + " ✓" * final])
    ops = [[nodes[o["node"]]["name"], f"{o['local_text']} = {o['local'][1]}",
            f"{s['grad'][1]} × {o['local'][1]} = {o['contribution'][1]}", f"{o['before'][1]} → {o['after'][1]}"]
           for s in steps if "operands" in s and "grad" in s for o in s["operands"] if not o["const"]]
    return {"count": f"step {k} of {len(moments)}" + (f" · {m['title']}" if m else ""),
            "live": m["sentence"] if m else record["start_sentence"],
            "lines": ["\n".join(s["lines"]) for s in steps], "ops": ops, "rows": rows}


def check_moment(page: Page, record: dict, granularity: str, k: int, prefix: str | None = None) -> dict:
    now = page.shown(prefix)
    want = expected(record, granularity, k)
    assert {key: now[key] for key in want} | {"rows": [r[:3] for r in now["rows"]]} == want, f"moment {k}"
    return now


@pytest.mark.parametrize("make", [neuron, shared])
def test_every_way_to_a_moment_shows_the_record(browser, tmp_path, make):
    root = make()
    w = walkthrough(root)
    r = w.record
    page = Page(browser, w.save(tmp_path / "w.html")).open()
    n = len(r["moments"]["node"])
    seen = {0: check_moment(page, r, "node", 0)}
    assert seen[0]["phase"] == "Start"
    for k in range(1, n + 1):  # the Step button
        page.click("step")
        seen[k] = check_moment(page, r, "node", k)
        assert seen[k]["hash"] == f"#step={k}"  # the address follows
        assert seen[k]["phase"] == ("Forward pass" if k <= len(r["forward"]) else
                                    "Backward pass: finished" if k == n else "Backward pass")
    for k in range(n - 1, -1, -1):  # Back restores each earlier moment exactly
        page.click("back")
        assert page.shown() == seen[k] | {"hash": f"#step={k}"}
    page.page.keyboard.press("End")
    assert page.shown() == seen[n]
    for k in range(n - 1, n - 4, -1):
        page.page.keyboard.press("ArrowLeft")
        assert page.shown() == seen[k] | {"hash": f"#step={k}"}
    page.page.keyboard.press("Home")
    page.page.keyboard.press("ArrowRight")
    assert page.shown() == seen[1]
    page.page.focus(f"#{page.prefix()}-transcript summary")
    page.page.keyboard.press(" ")  # opens the transcript, and does not play
    assert page.page.get_attribute(f"#{page.prefix()}-play", "aria-pressed") == "false"
    assert page.page.get_attribute(f"#{page.prefix()}-transcript", "open") is not None
    for k in (n // 2, 2, n, 0, 3):  # the scrubber
        page.page.fill(f"#{page.prefix()}-scrub", str(k))
        assert page.shown() == seen[k] | {"hash": f"#step={k}"}
    for k in (4, n, 0):  # a link to one moment
        page.open(f"#step={k}")
        assert page.shown() == seen[k]
    page.check_clean()


def test_a_values_texts_stay_centred_in_their_cells_as_they_change(browser, tmp_path):
    """draw() writes a value as a row of table cells, whose texts Graphviz anchors at their start: the
    page anchors each at its cell's middle, so "▶ v1" or "grad 0.5 ✓" grows both ways, as in a record."""
    page = Page(browser, walkthrough(neuron()).save(tmp_path / "w.html")).open("#step=8")
    offsets = page.page.evaluate("""P => Array.from(document.querySelectorAll('#' + P + ' g.node[data-node]'))
        .map(g => Array.from(g.querySelectorAll('text'))).filter(texts => texts.length === 3).flat()
        .map(t => { const cell = t.previousElementSibling.getBBox(), box = t.getBBox();
                    return [t.textContent, t.getAttribute('text-anchor'),
                            Math.abs(box.x + box.width / 2 - cell.x - cell.width / 2)]; })""", page.prefix())
    assert len(offsets) >= 3 * 9  # nine values (x1, w1, ..., o), three texts each
    assert [(text, anchor, off) for text, anchor, off in offsets if anchor != "middle" or off > 1.5] == []
    page.check_clean()


def test_the_last_step_shows_backward_s_grads_digit_for_digit(browser, tmp_path):
    root = shared()
    w = walkthrough(root)
    order = topological_order(root)
    root.backward()
    page = Page(browser, w.save(tmp_path / "w.html")).open()
    page.click("end")
    page.page.check(f"#{page.prefix()}-exact")
    now = page.shown()
    shown = {row[0]: (row[2], exact) for row, exact in zip(now["rows"], now["exact"])}
    names = {n: r["name"] for n, r in zip(order, w.record["nodes"])}
    assert len(shown) == sum(not n.is_constant for n in order)
    for node in order:
        if not node.is_constant:
            assert shown[names[node]] == (repr(node.grad) + " ✓", repr(node.grad))
    assert now["phase"] == "Backward pass: finished" and not any(r[0].startswith("▶") for r in now["rows"])
    page.check_clean()


def test_play_runs_to_the_end_and_stops(browser, tmp_path):
    w = walkthrough(neuron())
    page = Page(browser, w.save(tmp_path / "w.html")).open()
    page.page.select_option(f"#{page.prefix()}-speed", "300")
    page.page.keyboard.press(" ")
    page.page.wait_for_function("P => document.getElementById(P + '-count').textContent.startsWith('step 10 of 10')",
                                arg=page.prefix(), timeout=20000)
    assert page.page.get_attribute(f"#{page.prefix()}-play", "aria-pressed") == "false"
    page.check_clean()


def test_reduced_motion_is_honoured(browser, tmp_path):
    path = walkthrough(neuron()).save(tmp_path / "w.html")
    durations = {}
    for motion in ("reduce", "no-preference"):
        page = Page(browser, path, reduced_motion=motion).open()
        page.click("step")
        durations[motion] = page.page.evaluate("""P => getComputedStyle(
            document.querySelector('#' + P + '-graph g.node polygon')).transitionDuration""", page.prefix())
        page.check_clean()
    assert durations == {"reduce": "0s", "no-preference": "0.25s, 0.25s"}


def test_a_graph_of_one_leaf_has_nothing_to_step(browser, tmp_path):
    page = Page(browser, walkthrough(Value(2.0, label="x")).save(tmp_path / "leaf.html")).open()
    now = page.shown()
    assert (now["phase"], now["count"], now["rows"]) == ("Start", "step 0 of 0", [["x", "2", "–", "given"]])
    page.page.keyboard.press("ArrowRight")
    page.page.keyboard.press(" ")
    assert page.shown() == now
    assert page.page.is_disabled(f"#{page.prefix()}-play")
    page.check_clean()


def test_hostile_labels_stay_text(browser, tmp_path):
    a = Value(1.5, label=HOSTILE)
    b = Value(2.0, label='"]; x [')
    c = a * b + a
    c.label = "<b onmouseover=alert(2)>bold</b> & co"
    w = walkthrough(c, title=HOSTILE)
    page = Page(browser, w.save(tmp_path / "w.html")).open()
    page.click("end")
    now = page.shown()
    assert [r[0] for r in now["rows"]] == ["<b onmouseover=alert(2)>bold</b> & co", "v1", '"]; x [', HOSTILE]
    assert any(t == HOSTILE for t in now["graph"])
    injected = page.page.evaluate("() => document.querySelectorAll('img, b, [onerror], [onmouseover]').length")
    assert injected == 0
    assert page.page.title() == HOSTILE
    page.page.hover(f"#{page.prefix()}-graph svg")
    page.check_clean()


def test_two_walkthroughs_in_one_page_keep_to_themselves(browser, tmp_path):
    first, second = walkthrough(neuron()), walkthrough(shared())
    path = tmp_path / "two.html"
    path.write_text("<!DOCTYPE html><html><head><meta charset='utf-8'><title>two</title></head><body>"
                    + first._repr_html_() + second._repr_html_() + "</body></html>", encoding="utf-8")
    page = Page(browser, path).open()
    p1, p2 = page.prefix(0), page.prefix(1)
    duplicates = page.page.evaluate("""() => { const ids = Array.from(document.querySelectorAll('[id]'), e => e.id);
        return ids.filter((id, i) => ids.indexOf(id) !== i); }""")
    assert duplicates == []
    for _ in range(3):
        page.click("step", p1)
    check_moment(page, first.record, "node", 3, p1)
    check_moment(page, second.record, "node", 0, p2)
    page.click("end", p2)
    page.page.focus(f"#{p2}")
    page.page.keyboard.press("ArrowLeft")  # keys go to the walkthrough that has the focus
    check_moment(page, first.record, "node", 3, p1)
    check_moment(page, second.record, "node", len(second.record["moments"]["node"]) - 1, p2)
    assert page.shown(p1)["hash"] == ""  # in a notebook the address is the notebook's
    page.check_clean()


def test_a_network_by_neuron_and_by_layer(browser, tmp_path):
    model, loss = moons_loss()
    w = walkthrough(loss, granularity="neuron")
    r = w.record
    page = Page(browser, w.save(tmp_path / "moons.html")).open()
    P = page.prefix()
    n = len(r["moments"]["neuron"])
    for k in (1, 17, n // 2, n - 1, n):
        page.page.fill(f"#{P}-scrub", str(k))
        check_moment(page, r, "neuron", k)
    # the network view: at the end every neuron shows its a and delta = dL/dz, final
    net = page.shown()["net"]
    for q, unit in enumerate(r["network"]["neurons"]):
        j, a, d = net[3 * q:3 * q + 3]
        assert a == ("L " if unit.get("loss") else "a ") + r["nodes"][unit["a"]]["data"][1]
        assert d == ("δ " + r["nodes"][unit["z"]]["grad"][1] + " ✓" if unit["z"] is not None else "")
    # switching to layers keeps the place in the pass
    page.page.select_option(f"#{P}-gran", "layer")
    assert page.shown()["count"].startswith(f"step {len(r['moments']['layer'])} of {len(r['moments']['layer'])}")
    assert page.shown()["hash"] == f"#step={len(r['moments']['layer'])}&by=layer"
    page.page.keyboard.press("Home")
    for k in range(1, len(r["moments"]["layer"]) + 1):
        page.page.keyboard.press("ArrowRight")
        check_moment(page, r, "layer", k)
    page.open("#step=2&by=neuron")
    check_moment(page, r, "neuron", 2)
    current = [t for t in page.shown()["net"] if t.startswith("▶")]  # the current neuron is marked as such
    title = r["moments"]["neuron"][1]["title"]
    q = next(i for i, unit in enumerate(r["network"]["neurons"]) if unit["title"] == title)
    assert current == ["▶ a " + r["nodes"][r["network"]["neurons"][q]["a"]]["data"][1]]
    page.check_clean()


def test_selecting_a_neuron_in_one_view_finds_it_in_the_other(browser, tmp_path):
    import nn

    model = nn.MLP(2, [2, 1], seed=1)
    trace = model.trace([0.5, -1.0])
    loss = nn.mse([trace.output], [0.2])
    w = walkthrough(loss)
    assert w.svg is not None and w.network_svg is not None
    page = Page(browser, w.save(tmp_path / "small.html")).open()
    P = page.prefix()
    neurons = w.record["network"]["neurons"]
    q = next(i for i, n in enumerate(neurons) if n["title"] == "neuron [1]_2")
    page.page.click(f"#{P} [data-neuron='{q}']")
    selected = page.page.evaluate("""P => Array.from(document.querySelectorAll('#' + P + '-graph g.node.wt-selected'),
        g => g.querySelector('text').textContent)""", P)
    assert sorted(selected) == ["a[1]_2", "b[1]_2", "w[1]_21", "w[1]_22", "z[1]_2"]
    assert "neuron [1]_2" in page.page.text_content(f"#{P}-selected")
    page.page.click(f"#{P} [data-neuron='{q}']")  # again: unselected
    assert page.page.locator(f"#{P}-graph g.node.wt-selected").count() == 0
    # and from the graph: a node of output neuron [2]_1 selects that neuron in the network
    node = next(i for i, n in enumerate(w.record["nodes"]) if n["name"] == "w[2]_11")
    page.page.click(f"#{P}-graph g.node[data-node='{node}']")
    out = next(i for i, n in enumerate(neurons) if n["title"] == "neuron [2]_1")
    assert "wt-selected" in page.page.get_attribute(f"#{P} [data-neuron='{out}']", "class")
    page.check_clean()


def test_without_javascript_the_transcript_and_picture_remain(browser, tmp_path):
    w = walkthrough(neuron())
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(w.save(tmp_path / "w.html").resolve().as_uri())
    assert page.locator("details.wt-transcript").get_attribute("open") is not None
    assert page.locator(".wt-graph svg").is_visible()
    transcript = page.text_content("details.wt-transcript")
    for step in w.record["backward"]:
        assert "\n".join(step["lines"]) in transcript
    assert not page.locator(".wt-controls").is_visible()
    context.close()


def test_screenshots(browser, tmp_path):
    """The README's pictures (AUTOGRAD_LITE_SCREENSHOTS=docs writes them there): real pages, mid-pass."""
    Image = pytest.importorskip("PIL.Image", reason="Pillow (with matplotlib, in the test extra) shrinks them")
    out = Path(os.environ.get("AUTOGRAD_LITE_SCREENSHOTS") or tmp_path)
    model, loss = moons_loss()
    shots = {"walkthrough_neuron.png": (walkthrough(neuron()), "#step=8", (1000, 640)),
             "walkthrough_moons.png": (walkthrough(loss, granularity="neuron"), "#step=46", (960, 640))}
    for name, (w, fragment, size) in shots.items():
        page = Page(browser, w.save(tmp_path / (name + ".html")), viewport=size, reduced_motion="reduce").open(fragment)
        # the network view, when there is one, just below the player's sticky head
        page.page.evaluate("""P => { const view = document.getElementById(P + '-nh'); if (!view) return;
            const head = document.querySelector('#' + P + ' .wt-head').getBoundingClientRect().bottom;
            window.scrollBy(0, view.getBoundingClientRect().top - head - 6); }""", page.prefix())
        page.page.screenshot(path=str(out / name))
        with Image.open(out / name) as picture:  # 128 colours: a third of the bytes, the same look
            picture.convert("RGB").quantize(128).save(out / name, optimize=True)
        page.check_clean()
        assert (out / name).stat().st_size < 200_000
