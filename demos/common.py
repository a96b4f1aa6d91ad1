"""What the demos share: matplotlib without a display, the output folder, and micrograd's neuron."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from autograd_lite import Value


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (files only, no window), or exit naming the extra to install."""
    try:
        import matplotlib
    except ImportError:
        sys.exit("this demo draws with matplotlib: pip install -e .[demo]")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def output_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def micrograd_neuron() -> Value:
    """o = tanh(x1*w1 + x2*w2 + b), micrograd's example neuron; b is chosen so that n = 0.8814 and o = 1/sqrt(2)."""
    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    return o
