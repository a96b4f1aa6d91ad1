"""Handwritten digits: an MLP learns scikit-learn's bundled 8x8 digits (1797 images, 10 classes), offline.

    python demos/digits.py [--epochs 4] [--hidden 32] [--train-size N] [--engine scalar|batched]

Needs scikit-learn (pip install -e .[digits]), which ships the data set: no download. Pixels are
scaled from 0..16 to 0..1; a stratified 80/20 split holds out 360 images for the test. Model:
MLP(64, [hidden, 10]), ReLU hidden layer, linear output scores (logits); loss: softmax
cross-entropy; optimiser: Adam (lr 0.01) on mini-batches of 32. Prints the test accuracy and the time.
"""

from __future__ import annotations

import sys

from common import digits_options, train_digits

import nn


def load(test_fraction: float, seed: int, train_size: int | None = None) -> tuple[list, list, list, list]:
    """(X_train, X_test, y_train, y_test) as plain lists, pixels in [0, 1]; only the first `train_size`
    training images where it is given."""
    try:
        from sklearn.datasets import load_digits
        from sklearn.model_selection import train_test_split
    except ImportError:
        sys.exit("this demo needs scikit-learn, which ships the digits data set: pip install -e .[digits]")
    digits = load_digits()
    X = [[pixel / 16.0 for pixel in row] for row in digits.data.tolist()]
    y = digits.target.tolist()
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=test_fraction, stratify=y, random_state=seed)
    return X_train[:train_size], X_test, y_train[:train_size], y_test


def main(argv: list[str] | None = None) -> dict:
    args = digits_options(__doc__, argv, epochs=4, hidden=(32, "neurons in the hidden layer"))
    X_train, X_test, y_train, y_test = load(args.test_fraction, args.seed, args.train_size)
    model = nn.MLP(64, [args.hidden, 10], seed=args.seed)
    print(f"digits: {len(X_train)} training and {len(X_test)} test images of 8x8 pixels, 10 classes; "
          f"MLP(64, [{args.hidden}, 10]) ({len(model.parameters())} parameters), {args.engine} engine")
    return train_digits(model, X_train, y_train, X_test, y_test, args)


if __name__ == "__main__":
    main()
