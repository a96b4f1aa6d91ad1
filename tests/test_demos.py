"""Every demo runs end to end with tiny settings, says what the README says it says, and writes files that parse."""

from __future__ import annotations

import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from autograd_lite.render import find_program

DEMOS = Path(__file__).parent.parent / "demos"
NAMES = ["moons", "trace_graph", "step_backward", "equations", "gradients", "digits", "sequence", "conv"]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

needs_dot = pytest.mark.skipif(find_program() is None, reason="no dot program to render diagrams")


def load(name: str, monkeypatch):
    """Import demos/<name>.py as `python demos/<name>.py` would: with demos/ on sys.path (for `common`)."""
    monkeypatch.syspath_prepend(str(DEMOS))
    spec = importlib.util.spec_from_file_location(f"demo_{name}", DEMOS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def check_png(path: Path) -> None:
    assert path.read_bytes()[:8] == PNG_SIGNATURE, path
    image = pytest.importorskip("matplotlib.image").imread(path)
    assert image.shape[0] > 100 and image.shape[1] > 100, (path, image.shape)


def check_svg(path: Path) -> list[str]:
    """The SVG parses; returns its texts."""
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg", path
    return [t.text for t in root.iter("{http://www.w3.org/2000/svg}text") if t.text]


@pytest.mark.parametrize("name", NAMES)
def test_every_demo_has_help(name, monkeypatch, capsys):
    demo = load(name, monkeypatch)
    with pytest.raises(SystemExit) as exit_:
        demo.main(["--help"])
    assert exit_.value.code == 0
    assert "usage:" in capsys.readouterr().out


def test_make_demo_runs_the_moons_demo():
    makefile = (Path(__file__).parent.parent / "Makefile").read_text()
    demo_recipe = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "demos/moons.py" in demo_recipe


@needs_dot
def test_moons(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    history = load("moons", monkeypatch).main(
        ["--out", str(tmp_path), "--epochs", "30", "--samples", "30", "--grid", "10", "--no-progress"])
    out = capsys.readouterr().out
    assert history.accuracy[-1] >= 0.95  # micrograd's recipe separates the moons
    assert f"accuracy {history.accuracy[-1]:.0%}" in out and str(tmp_path) in out
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "decision_boundary.png", "loss_curve.png", "network_after.svg", "network_before.svg", "neuron_graph.svg"]
    for png in tmp_path.glob("*.png"):
        check_png(png)
    neuron = check_svg(tmp_path / "neuron_graph.svg")
    assert any(t.startswith("z[1]_") for t in neuron) and "relu" in neuron
    assert any("this neuron's share only" in t for t in neuron)  # the picture says what its grads are
    # Drawn before training, for a sample with a nonzero loss: the network shows nonzero deltas.
    network = check_svg(tmp_path / "network_before.svg")
    deltas = [float(t.split()[1]) for t in network if re.fullmatch(r"delta -?[\d.e+-]+", t)]
    assert deltas and any(deltas) and any(t.startswith("before training") for t in network)
    assert any(t.startswith("after training") for t in check_svg(tmp_path / "network_after.svg"))


def test_moons_neuron_graph_shows_grads_checkable_on_it(monkeypatch):
    """The neuron's picture holds only its own share of each gradient: its inputs' grads are
    w_k * delta, the chain rule read off the picture (not the totals over all 16 neurons)."""
    import nn

    moons = load("moons", monkeypatch)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    trace = model.trace([0.3, -0.2])
    nn.hinge([trace.output], [1.0]).backward()
    j = max(range(16), key=lambda j: abs(trace.z[0][j].grad))
    delta, totals = trace.z[0][j].grad, [x.grad for x in trace.inputs]
    moons.neuron_alone(trace.a[0][j], others=15)
    w = model.layers[0].neurons[j].w
    assert [x.grad for x in trace.inputs] == [wk.data * delta for wk in w] != totals
    assert trace.z[0][j].grad == delta


@needs_dot
def test_trace_graph(tmp_path, monkeypatch, capsys):
    paths = load("trace_graph", monkeypatch).main(["--out", str(tmp_path), "--png"])
    out = capsys.readouterr().out
    assert "o = tanh(x1*w1 + x2*w2 + b) = 0.707107" in out
    rows = [line.split() for line in out.splitlines()]
    grads = {row[0]: float(row[-1]) for row in rows if row and row[0] in ("x1", "w1", "x2", "w2")}
    assert grads == {"x1": -1.5, "w1": 1.0, "x2": 0.5, "w2": 0.0}  # micrograd's numbers
    assert [p.name for p in paths] == ["neuron.svg", "neuron.png"]
    texts = check_svg(paths[0])
    assert "x1" in texts and "tanh" in texts
    check_png(paths[1])


def test_step_backward_without_a_terminal_does_not_pause(monkeypatch, capsys):
    monkeypatch.setattr("builtins.input", lambda *a: pytest.fail("paused without a terminal"))
    stepper = load("step_backward", monkeypatch).main([])
    out = capsys.readouterr().out
    assert stepper.done and out.count("\nstep ") == 5
    assert "  do/dx1 += do/dv1 * w1 = 0.5 * -3 = -1.5\n" in out  # micrograd's neuron: dx1 = -1.5


def test_step_backward_in_a_terminal_pauses_until_q(monkeypatch, capsys):
    demo = load("step_backward", monkeypatch)
    answers = iter(["", "q"])
    prompts = []
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    monkeypatch.setattr("builtins.input", lambda prompt="": prompts.append(prompt) or next(answers))
    stepper = demo.main(["--expression", "shared"])
    assert len(prompts) == 2 and stepper.done  # Enter, then q runs the last step without asking
    out = capsys.readouterr().out
    assert "(df/da = -6 + 3 = -3)" in out and "(df/db = -6 + -2 = -8)" in out  # accumulation, spelled out


@needs_dot
def test_step_backward_draws_halfway_and_at_the_end(tmp_path, monkeypatch, capsys):
    load("step_backward", monkeypatch).main(["--out", str(tmp_path), "--no-pause"])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "steps_neuron_end.png", "steps_neuron_end.svg", "steps_neuron_halfway.png", "steps_neuron_halfway.svg"]
    for path in tmp_path.glob("*.svg"):
        check_svg(path)
    for path in tmp_path.glob("*.png"):
        check_png(path)


@pytest.mark.parametrize("activation", ["sigmoid", "tanh", "relu"])
def test_equations_agree_with_the_graph(activation, monkeypatch, capsys):
    worst = load("equations", monkeypatch).main(["--activation", activation, "--seed", "3"])
    out = capsys.readouterr().out
    assert worst < 1e-12
    rows = [line for line in out.splitlines() if line.startswith(("delta[", "dL/d"))]
    assert len(rows) == 3 * 4 + 2 * 5  # per neuron: delta, its weights' and its bias's gradients


def test_gradients(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    demo = load("gradients", monkeypatch)
    result = demo.main(["--out", str(tmp_path), "--depth", "3", "--steps", "3", "--samples", "6"])
    out = capsys.readouterr().out
    assert len(result["deltas"]["sigmoid"]) == 4 and len(result["optimisers"]) == 4
    assert len(result["deltas"]["sigmoid + residual"]) == 4 and len(result["exploding"]) == 3
    assert all(len(norms) == len(weights) == 3 for norms, _, _, weights in result["exploding"].values())
    assert "Adam (lr 0.01)" in out
    check_png(tmp_path / "gradients.png")


def test_the_vanishing_gradients_claim(monkeypatch):
    """The demo's point: through 8 sigmoid layers delta shrinks by orders of magnitude, through ReLU not."""
    import nn

    demo = load("gradients", monkeypatch)
    X, y = nn.make_moons(8, noise=0.1, seed=1)
    ratio = {act: (lambda d: d[0] / d[-1])(demo.mean_abs_delta(nn.MLP(2, [8] * 8 + [1], activation=act, seed=0), X, y))
             for act in ("sigmoid", "relu")}
    assert ratio["sigmoid"] < 1e-3 < ratio["relu"]
    residual = demo.mean_abs_delta(demo.residual_net(8, "sigmoid", seed=0), X, y)
    assert len(residual) == 9 and residual[0] / residual[-1] > 1e-2  # the skip connections carry delta back


@pytest.mark.parametrize("engine", ["batched", "scalar"])
def test_digits(monkeypatch, capsys, engine):
    pytest.importorskip("sklearn")
    result = load("digits", monkeypatch).main(["--train-size", "200", "--epochs", "3", "--hidden", "16",
                                               "--batch-size", "16", "--no-progress", "--engine", engine])
    out = capsys.readouterr().out
    assert f"{engine} engine" in out
    assert "200 training and 360 test images" in out
    assert result["test_accuracy"] > 0.5  # 10 classes: chance is 0.1
    assert f"test accuracy {result['test_accuracy']:.1%}" in out


def test_conv(tmp_path, monkeypatch, capsys):
    pytest.importorskip("sklearn")
    pytest.importorskip("matplotlib")
    result = load("conv", monkeypatch).main(["--train-size", "200", "--epochs", "2", "--channels", "2",
                                             "--no-progress", "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "200 training and 360 test images" in out and "batched engine" in out
    assert result["test_accuracy"] > 0.5  # 10 classes: chance is 0.1
    assert f"test accuracy {result['test_accuracy']:.1%}" in out
    assert result["grad"] == pytest.approx(result["sum"], rel=1e-9, abs=1e-15)  # the sum over positions
    check_png(tmp_path / "conv.png")


def test_digits_without_sklearn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)  # makes `import sklearn...` raise ImportError
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)
    with pytest.raises(SystemExit, match=r"pip install -e \.\[digits\]"):
        load("digits", monkeypatch).main(["--no-progress"])


def test_sequence(tmp_path, monkeypatch, capsys):
    pytest.importorskip("matplotlib")
    pytest.importorskip("numpy")  # the batched engine
    monkeypatch.setattr("builtins.input", lambda *a: pytest.fail("paused without a terminal"))
    result = load("sequence", monkeypatch).main(["--out", str(tmp_path), "--epochs", "4", "--samples", "64",
                                                 "--hidden", "4", "--step", "--no-progress"])
    out = capsys.readouterr().out
    assert result["history"].loss[-1] < result["history"].loss[0]
    assert result["before"][0] < 1e-2 * result["before"][-1]  # the gradient through time vanishes
    stepper = result["stepper"]
    assert stepper.done and out.count("  dL/dW_hh[1,2] += ") == 3  # one += per time step
    by_graph, by_hand = (float(line.rsplit(" = ", 1)[1]) for line in out.splitlines()
                         if line.startswith(("W_hh[1,2] is one leaf", "backpropagation through time by hand")))
    assert by_graph == by_hand
    check_png(tmp_path / "sequence.png")
    texts = check_svg(tmp_path / "rnn_graph.svg")
    assert {"t = 1", "t = 2", "t = 3", "W_hh[1,2]"} <= set(texts)
