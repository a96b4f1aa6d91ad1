"""A small CNN learns the 8x8 digits: shared 3x3 kernels, trained by the batched engine, offline.

    python demos/conv.py [--epochs 6] [--channels 8] [--train-size N] [--engine batched|scalar] [--out demo-output]

The data and split are demos/digits.py's (scikit-learn's bundled digits, pixels scaled to 0..1, a
stratified 80/20 split), each image given as [channel][row][column] = 1 x 8 x 8. Model:

    z1 = Conv2d(1, channels, 3, padding=1)(x)      channels x 8 x 8, one weighted-sum node each
    a1 = ReLU(z1);  scores = Layer(channels * 64, 10, "linear")(Flatten(a1))

loss: softmax cross-entropy; optimiser: Adam (lr 0.01) on mini-batches of 32. Prints the test
accuracy and the time, and writes conv.png into --out: the learned kernels, and for one training
image the gradient of one shared kernel weight as the sum over the 64 positions it is used at,
dL/dw[c,0,u,v] = sum_(i,j) delta[c,i,j] x[i+u-1, j+v-1], each term drawn where it arises.
"""

from __future__ import annotations

from pathlib import Path

from common import digits_options, output_dir, pyplot, train_digits
from digits import load

import nn
from autograd_lite import no_grad


class CNN(nn.Module):
    """x (1 x 8 x 8) -> Conv2d(1, channels, 3, padding=1) -> ReLU -> Flatten -> Layer(channels * 64, 10)."""

    def __init__(self, channels: int, seed: int) -> None:
        self.conv = nn.Conv2d(1, channels, 3, padding=1, seed=seed, l=1)
        self.layer = nn.Layer(channels * 64, 10, "linear", seed=seed, l=2)

    def forward(self, x: list) -> list:
        return self.layer(nn.Flatten()(nn.ReLU()(self.conv(x))))

    def named_members(self) -> tuple:
        return (("conv", self.conv), ("layer", self.layer))


def image(row: list[float]) -> list[list[list[float]]]:
    """A flat 64-pixel row as one channel of 8 rows of 8 columns."""
    return [[row[8 * i:8 * i + 8] for i in range(8)]]


def shared_gradient(model: CNN, x: list, y: int, channel: int, u: int, v: int) -> tuple[float, list[list[float]]]:
    """dL/dw[channel,0,u,v] for one sample by backward(), and the 8 x 8 terms delta[c,i,j] * x[i+u-1, j+v-1]
    the weight's position (i, j) contributes: their sum is the gradient."""
    model.zero_grad()
    z = model.conv(x)
    scores = model.layer(nn.Flatten()(nn.ReLU()(z)))
    nn.cross_entropy([scores], [y]).backward()
    pixel = [[x[0][i][j] if 0 <= i < 8 and 0 <= j < 8 else 0.0 for j in range(-1, 9)] for i in range(-1, 9)]
    terms = [[z[channel][i][j].grad * pixel[i + u][j + v] for j in range(8)] for i in range(8)]
    return model.conv.weight[(channel * 3 + u) * 3 + v].grad, terms


def picture(model: CNN, x: list, y: int, path: Path) -> tuple[float, float]:
    """The kernels, and one shared weight's gradient as a sum over positions; returns (grad, sum of terms)."""
    plt = pyplot()
    W, _ = model.conv.weights()
    channels = len(W)
    channel = max(range(channels), key=lambda c: sum(abs(w) for row in W[c][0] for w in row))
    grad, terms = shared_gradient(model, x, y, channel, 1, 1)
    fig = plt.figure(figsize=(1.2 * max(channels, 7), 3.6), dpi=100)
    grid = fig.add_gridspec(2, max(channels, 7))
    limit = max(abs(w) for c in W for row in c[0] for w in row)
    for c in range(channels):
        ax = fig.add_subplot(grid[0, c])
        ax.imshow(W[c][0], cmap="RdBu_r", vmin=-limit, vmax=limit)
        ax.set_title(f"w1[{c},0,:,:]", fontsize=8)
        ax.axis("off")
    ax = fig.add_subplot(grid[1, 0:2])
    ax.imshow(x[0], cmap="gray_r")
    ax.set_title(f"an image (label {y})", fontsize=8)
    ax.axis("off")
    ax = fig.add_subplot(grid[1, 2:4])
    t = max(abs(v) for row in terms for v in row) or 1.0
    shown = ax.imshow(terms, cmap="RdBu_r", vmin=-t, vmax=t)
    fig.colorbar(shown, ax=ax, fraction=0.046)
    ax.set_title(f"delta1[{channel},i,j] * x[i,j]: 64 terms\nsum = {sum(map(sum, terms)):.6g}", fontsize=8)
    ax.axis("off")
    ax = fig.add_subplot(grid[1, 4:])
    ax.axis("off")
    ax.text(0.25, 0.5, f"dL/dw1[{channel},0,1,1] by backward()\n= {grad:.6g}\n\none shared leaf, one += per\n"
            f"position: the sum over positions", fontsize=8, va="center")
    fig.suptitle("learned 3x3 kernels (top); one shared weight's gradient as a sum over positions (bottom)",
                 fontsize=9)
    fig.savefig(path)
    plt.close(fig)
    return grad, sum(map(sum, terms))


def main(argv: list[str] | None = None) -> dict:
    args = digits_options(__doc__, argv, epochs=6, writes="conv.png", channels=(8, "3x3 kernels / output channels"))
    X_train, X_test, y_train, y_test = load(args.test_fraction, args.seed, args.train_size)
    X_train, X_test = [image(row) for row in X_train], [image(row) for row in X_test]
    model = CNN(args.channels, args.seed)
    print(f"digits: {len(X_train)} training and {len(X_test)} test images of 1x8x8 pixels, 10 classes; "
          f"Conv2d(1, {args.channels}, 3, padding=1) -> ReLU -> Flatten -> Layer({args.channels * 64}, 10) "
          f"({len(model.parameters())} parameters), {args.engine} engine")
    result = train_digits(model, X_train, y_train, X_test, y_test, args)
    history, test_accuracy, seconds = result["history"], result["test_accuracy"], result["seconds"]
    # The picture's image: the first test image the model gets wrong (a large gradient), else the first one.
    with no_grad():
        scores = [[s.data for s in model(x)] for x in X_test]
    k = next((k for k, (s, y) in enumerate(zip(scores, y_test)) if max(range(10), key=s.__getitem__) != y), 0)
    path = output_dir(args.out) / "conv.png"
    grad, total = picture(model, X_test[k], y_test[k], path)
    print(f"one shared weight, one test image: dL/dw by backward() {grad:.6g}, sum over the 64 positions {total:.6g}")
    print(f"wrote {path}")
    return {"test_accuracy": test_accuracy, "seconds": seconds, "history": history, "grad": grad, "sum": total,
            "picture": path}


if __name__ == "__main__":
    main()
