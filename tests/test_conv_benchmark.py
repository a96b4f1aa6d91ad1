"""benchmarks/conv.py runs end to end at tiny sizes: its peers start from the same weights and agree on
the first loss (asserted inside); no timing is asserted (the figures live in the report/README)."""

import importlib.util
from pathlib import Path

import pytest


def test_conv_benchmark_at_tiny_sizes(capsys):
    pytest.importorskip("torch")
    pytest.importorskip("sklearn")
    path = Path(__file__).resolve().parents[1] / "benchmarks" / "conv.py"
    spec = importlib.util.spec_from_file_location("bench_conv", path)
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    medians = bench.main(["--repeats", "1", "--block", "1", "--channels", "2", "--batch", "4"])
    assert set(medians) >= {"autograd_lite batched", "PyTorch float64", "autograd_lite scalar"}
    assert "x PyTorch" in capsys.readouterr().out
