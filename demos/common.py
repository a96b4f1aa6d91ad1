"""What the demos share: their command line, matplotlib without a display, the output folder, micrograd's neuron."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from autograd_lite import Value


def demo_parser(doc: str, writes: str | None = None, **numbers: tuple[float, str]) -> argparse.ArgumentParser:
    """A demo's command line, described by the first line of its docstring `doc`: ``--out``, the folder
    for what it `writes` (default demo-output), and an option per keyword, ``depth=(8, "hidden layers")``
    giving ``--depth`` of the default's type, its help naming the default. A demo adds the rest."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    if writes:
        parser.add_argument("--out", type=Path, default=Path("demo-output"),
                            help=f"folder for {writes} (default: %(default)s)")
    for name, (default, text) in numbers.items():
        parser.add_argument("--" + name.replace("_", "-"), type=type(default), default=default,
                            help=f"{text} (default: %(default)s)")
    return parser


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


def train_digits(model: Any, X_train: list, y_train: list, X_test: list, y_test: list, args: Any) -> dict[str, Any]:
    """Train `model` on digits as both digits demos do (Adam, lr 0.01, cross-entropy, ``args``' epochs,
    batch size, seed and engine), print each epoch and the test accuracy, and return them."""
    import time

    import nn

    start = time.perf_counter()
    optimizer = nn.optim.Adam(model.parameters(), lr=1e-2)
    history = nn.fit(model, X_train, y_train, loss="cross_entropy", optimizer=optimizer, epochs=args.epochs,
                     batch_size=args.batch_size, seed=args.seed, engine=args.engine, progress=not args.no_progress)
    seconds = time.perf_counter() - start
    test_accuracy = nn.accuracy(model, X_test, y_test, "cross_entropy")
    for epoch, (loss, accuracy) in enumerate(zip(history.loss, history.accuracy), 1):
        print(f"epoch {epoch}: training loss {loss:.4f}, training accuracy {accuracy:.1%}")
    print(f"test accuracy {test_accuracy:.1%} ({round(test_accuracy * len(X_test))} of {len(X_test)} held-out images), "
          f"trained in {seconds:.1f} s ({seconds / max(history.steps, 1) * 1000:.0f} ms per step of {args.batch_size})")
    return {"test_accuracy": test_accuracy, "seconds": seconds, "history": history}


def digits_options(doc: str, argv: list[str] | None, epochs: int, writes: str | None = None,
                   **model: tuple[int, str]) -> argparse.Namespace:
    """The command line of both digits demos, parsed: `demo_parser`'s (with the `model`'s sizes), the
    data (training-set size, held-out share) and the training `train_digits` runs (epochs, batch size,
    engine, seed, progress bar). Every count must be at least 1."""
    from nn.training import ENGINES

    parser = demo_parser(doc, writes, **model)
    parser.add_argument("--epochs", type=int, default=epochs,
                        help="passes over the training set (default: %(default)s)")
    parser.add_argument("--train-size", type=int, default=None,
                        help="train on only the first N training images (default: all 1437)")
    parser.add_argument("--test-fraction", type=float, default=0.2, help="held-out share (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=32, help="mini-batch size (default: %(default)s)")
    parser.add_argument("--engine", choices=ENGINES,
                        default="batched", help="nn.fit's engine: batched replays one traced graph over each "
                        "batch with numpy; scalar builds a graph per example (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, the weights and the shuffling")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    counts = ["epochs", *model, "batch_size"]
    if any(getattr(args, count) < 1 for count in counts) or not 0 < args.test_fraction < 1:
        parser.error(", ".join("--" + count.replace("_", "-") for count in counts)
                     + " must be >= 1 and --test-fraction in (0, 1)")
    return args

