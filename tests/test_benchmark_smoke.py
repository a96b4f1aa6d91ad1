"""The benchmarks run end to end at tiny sizes (no timing is asserted: figures live in the README)."""

import importlib.util
from pathlib import Path

import pytest

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "engine.py"
spec = importlib.util.spec_from_file_location("bench_engine", PATH)
bench = importlib.util.module_from_spec(spec)
spec.loader.exec_module(bench)


@pytest.mark.parametrize("graph", sorted(bench.GRAPHS))
def test_both_engines_build_the_same_function(graph):
    roots = {}
    for name, V in bench.ENGINES.items():
        root = bench.GRAPHS[graph](V, 64)
        root.backward()
        roots[name] = root.data
    assert len(set(roots.values())) == 1
    assert len(bench.autograd_lite.topological_order(bench.GRAPHS[graph](bench.autograd_lite.Value, 64),
                                                     leaves=False)) in (63, 64)


@pytest.mark.parametrize("processes", [1, 2])
def test_report_at_tiny_sizes(processes):
    sizes = [(graph, n, 2) for graph in bench.GRAPHS for n in (64, 128)]
    report = bench.run(sizes, memory_size=64, depth_cap=500, garbage_size=64, processes=processes)
    lines = report.splitlines()
    assert f"| chain | 64 | {2 * processes} |" in report  # the processes' runs pooled
    assert sum(line.startswith("| chain |") or line.startswith("| wide |") for line in lines) == 4
    ours = next(line for line in lines if line.startswith("| autograd_lite |"))
    assert "| 0 / 0 |" in ours and ">= 500 (cap)" in ours  # no cyclic garbage; deep enough


def test_deepest_chain_reports_how_it_failed():
    # micrograd's recursive sort fails near the default recursion limit of 1000.
    if "micrograd" not in bench.ENGINES:
        pytest.skip("micrograd (the [bench] extra) is not installed")
    depth, why = bench.deepest_chain("micrograd", cap=4000)
    assert 500 < depth < 1000 and "RecursionError" in why


def run_training_benchmark(monkeypatch, capsys, *options: str) -> str:
    """benchmarks/training.py at its smallest (one repetition, blocks of one step): what it prints."""
    for needed in ("torch", "micrograd", "sklearn"):
        pytest.importorskip(needed)
    path = PATH.parent / "training.py"
    spec = importlib.util.spec_from_file_location("bench_training", path)
    training = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(training)
    monkeypatch.setattr("sys.argv", [str(path), *options, "--repeats", "1", "--block", "1"])
    training.main()  # asserts internally that every peer's first loss agrees
    return capsys.readouterr().out


def test_training_benchmark_runs_every_peer(monkeypatch, capsys):
    """Every peer takes a step from the same weights."""
    out = run_training_benchmark(monkeypatch, capsys)
    for peer in ("autograd_lite batched", "autograd_lite scalar", "micrograd 0.1.0", "PyTorch float64"):
        assert peer in out
    assert "digits epoch" in out and "MNIST-size step" in out and "x PyTorch float64" in out


def test_training_benchmark_says_where_the_time_goes(monkeypatch, capsys):
    """--where: every part of both steps is timed."""
    out = run_training_benchmark(monkeypatch, capsys, "--where")
    assert "digits step" in out and "MNIST-size step" in out
    assert out.count("the replay's numpy work") == 2 and out.count("optimizer.zero_grad") == 2


@pytest.mark.parametrize("graph", ["chain", "mixed"])
def test_every_design_computes_what_autograd_lite_computes(graph, monkeypatch):
    """benchmarks/designs.py's engines are fair measuring sticks: same values, same gradients."""
    monkeypatch.syspath_prepend(str(PATH.parent))
    from designs import DESIGNS, study

    def run(V):
        x, w = V(0.7), V(-1.3)
        y = (x * w).relu() + (w * x) + x * 0.5
        for _ in range(5):
            y = y * 0.5 + w
        root = bench.GRAPHS[graph](V, 64) * 0.0 + y  # the benchmark's graph, and inputs to compare
        root.backward()
        return root.data, x.grad, w.grad

    ours = run(bench.autograd_lite.Value)
    for name, V in DESIGNS.items():
        assert run(V) == ours, name
    assert "| chain | 64 | 1 |" in study([("chain", 64, 1)], memory_size=64)
