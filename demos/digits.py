"""Handwritten digits: an MLP learns scikit-learn's bundled 8x8 digits (1797 images, 10 classes), offline.

    python demos/digits.py [--epochs 4] [--hidden 32] [--train-size N] [--engine scalar|batched]

Needs scikit-learn (pip install -e .[digits]), which ships the data set: no download. Pixels are
scaled from 0..16 to 0..1; a stratified 80/20 split holds out 360 images for the test. Model:
MLP(64, [hidden, 10]), ReLU hidden layer, linear output scores (logits); loss: softmax
cross-entropy; optimiser: Adam (lr 0.01) on mini-batches of 32. Prints the test accuracy and the time.
"""

from __future__ import annotations

import argparse
import sys

from common import digits_arguments, train_digits

import nn
from nn.training import ENGINES


def load(test_fraction: float, seed: int) -> tuple[list, list, list, list]:
    """(X_train, X_test, y_train, y_test) as plain lists, pixels in [0, 1]."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        sys.exit("this demo needs scikit-learn, which ships the digits data set: pip install -e .[digits]")
    digits = load_digits()
    X = [[pixel / 16.0 for pixel in row] for row in digits.data.tolist()]
    y = digits.target.tolist()
    return train_test_split(X, y, test_size=test_fraction, stratify=y, random_state=seed)


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    digits_arguments(parser, epochs=4)
    parser.add_argument("--hidden", type=int, default=32, help="neurons in the hidden layer (default: %(default)s)")
    parser.add_argument("--engine", choices=ENGINES,
                        default="batched", help="nn.fit's engine: batched replays one traced graph over each "
                        "batch with numpy; scalar builds a graph per example (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the split, the weights and the shuffling")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.hidden < 1 or args.batch_size < 1 or not 0 < args.test_fraction < 1:
        parser.error("--epochs, --hidden and --batch-size must be >= 1 and --test-fraction in (0, 1)")

    X_train, X_test, y_train, y_test = load(args.test_fraction, args.seed)
    if args.train_size is not None:
        X_train, y_train = X_train[:args.train_size], y_train[:args.train_size]
    model = nn.MLP(64, [args.hidden, 10], seed=args.seed)
    print(f"digits: {len(X_train)} training and {len(X_test)} test images of 8x8 pixels, 10 classes; "
          f"MLP(64, [{args.hidden}, 10]) ({len(model.parameters())} parameters), {args.engine} engine")
    return train_digits(model, X_train, y_train, X_test, y_test, args)


if __name__ == "__main__":
    main()
