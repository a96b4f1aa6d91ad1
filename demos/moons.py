"""Train an MLP(2, [16, 16, 1]) on two moons and draw what it learned (the demo of `make demo`).

    python demos/moons.py [--out demo-output] [--epochs 100] [--seed 0] [--no-progress]

micrograd's recipe: 100 noisy points labelled -1 / +1, hinge loss max(0, 1 - y s) plus
1e-4 * sum_p p^2, full-batch SGD with the learning rate decaying from 1.0 to 0.1. Writes into --out:

- decision_boundary.png  the sign of the score over the plane, with the training points
- loss_curve.png         training loss and accuracy per epoch
- neuron_graph.svg       before training: the computation graph of one first-layer neuron for the
                         first sample (z = w.a + b as one node, then ReLU), with the gradients this
                         neuron alone passes back: backward from its a with dL/da, so every grad on
                         the picture can be checked on it (the inputs' full grads sum all 16 neurons)
- network_before.svg     before training, that sample: a and delta = dL/dz on each neuron, edges as
                         wide as |w| (blue > 0, red < 0)
- network_after.svg      the same after training
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from common import demo_parser, output_dir, pyplot

import nn
from autograd_lite import draw, no_grad, topological_order
from autograd_lite.naming import format_number, group_of

SHOWN = 7  # neurons per layer in the network diagram (then "... N more")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = demo_parser(__doc__, "the figures", epochs=(100, "full-batch SGD steps"),
                         samples=(100, "number of moon points"), noise=(0.1, "std of the Gaussian noise on the moons"),
                         seed=(0, "seed of the weights and of the shuffling"),
                         grid=(80, "decision-boundary resolution per axis"))
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument("--png", action="store_true", help="also write the two diagrams as PNG")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.samples < 2 or args.grid < 2:
        parser.error("--epochs must be >= 1, --samples and --grid >= 2")
    return args


def plot_boundary(plt, model: nn.MLP, X: list[list[float]], y: list[float], grid: int, path: Path) -> None:
    """The model's score s(x) over a grid, coloured by its sign, with the data on top."""
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    x0, x1 = min(xs) - 0.5, max(xs) + 0.5
    y0, y1 = min(ys) - 0.5, max(ys) + 0.5
    gx = [x0 + (x1 - x0) * i / (grid - 1) for i in range(grid)]
    gy = [y0 + (y1 - y0) * i / (grid - 1) for i in range(grid)]
    with no_grad():
        scores = [[model([u, v]).data for u in gx] for v in gy]
    fig, ax = plt.subplots(figsize=(6, 5), dpi=110)
    ax.contourf(gx, gy, [[s > 0 for s in row] for row in scores], levels=[-0.5, 0.5, 1.5],
                colors=["#f4b6b6", "#b6cdf4"], alpha=0.8)
    ax.contour(gx, gy, scores, levels=[0.0], colors="k", linewidths=1.2)
    for label, colour, marker in ((-1, "#b2182b", "o"), (1, "#2166ac", "s")):
        pts = [p for p, t in zip(X, y) if t == label]
        ax.scatter([p[0] for p in pts], [p[1] for p in pts], c=colour, marker=marker, s=22,
                   edgecolors="white", linewidths=0.6, label=f"y = {label:+d}")
    ax.set(title="MLP(2, [16, 16, 1]) on two moons: decision boundary s(x) = 0", xlabel="x1", ylabel="x2",
           xlim=(x0, x1), ylim=(y0, y1))
    ax.legend(loc="upper right", framealpha=0.9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def plot_history(plt, history: nn.History, path: Path) -> None:
    epochs = range(1, len(history.loss) + 1)
    fig, ax = plt.subplots(figsize=(6, 3.6), dpi=110)
    ax.plot(epochs, history.loss, color="#2166ac", label="loss")
    ax.set(xlabel="epoch (one full-batch SGD step)", ylabel="hinge loss + L2", yscale="log",
           title="Training on two moons")
    acc_ax = ax.twinx()
    acc_ax.plot(epochs, [100 * a for a in history.accuracy], color="#e08214", label="accuracy")
    acc_ax.set(ylabel="accuracy (%)", ylim=(0, 105))
    lines = ax.get_lines() + acc_ax.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc="center right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def draw_one_sample(model: nn.MLP, x: list[float], target: float, out: Path, formats: list[str],
                    when: str) -> list[Path]:
    """Backward of one sample's hinge loss; the network, titled `when` ("before"/"after" training), and
    before training the graph of the busiest first-layer neuron.

    The neuron is drawn before training: a trained model classifies every point with margin, so its
    hinge loss and all its gradients are 0.
    """
    trace = model.trace(x)
    loss = nn.hinge([trace.output], [target])
    loss.label = "L"
    model.zero_grad()
    loss.backward()
    title = f"{when} training: sample 1, x = ({x[0]:.3g}, {x[1]:.3g}), y = {target:+g}"
    if loss.data == 0:
        title += "\nhinge loss 0 (margin met): every delta is 0"
    diagrams = {f"network_{when}": nn.draw_network(model, trace, max_per_layer=SHOWN + 1, title=title)}
    if when == "before":
        # Of the SHOWN neurons the network view shows, the one with the largest error signal delta = dL/dz.
        j = max(range(min(SHOWN, len(trace.z[0]))), key=lambda j: abs(trace.z[0][j].grad))
        diagrams["neuron_graph"] = neuron_alone(trace.a[0][j], others=len(trace.a[0]) - 1)
    return [diagram.render(out / f"{name}.{fmt}") for name, diagram in diagrams.items() for fmt in formats]


def neuron_alone(a, others: int):
    """The graph of neuron a = relu(z), z = w.a[0] + b, with the gradients it alone passes back: its
    nodes' grads are reset and a backward pass runs from a with the dL/da the whole loss gave it."""
    dL_da = a.grad
    for node in topological_order(a):
        node.grad = 0.0
    a.backward(dL_da)
    return draw(a, title=f"{group_of(a, 'neuron').title} alone: backward from {a.label} with dL/d{a.label} = "
                         f"{format_number(dL_da)}\nthe inputs' grads here are this neuron's share only "
                         f"(their totals also sum the other {others} neurons' shares)")


def main(argv: list[str] | None = None) -> nn.History:
    args = parse_args(argv)
    plt = pyplot()
    out = output_dir(args.out)
    X, y = nn.make_moons(args.samples, noise=args.noise, seed=1, labels=(-1, 1))
    model = nn.MLP(2, [16, 16, 1], seed=args.seed)
    print(f"Training MLP(2, [16, 16, 1]) ({len(model.parameters())} parameters) "
          f"on {len(X)} moon points: hinge loss, full-batch SGD, {args.epochs} epochs")
    formats = ["svg", "png"] if args.png else ["svg"]
    diagrams = draw_one_sample(model, X[0], y[0], out, formats, "before")
    optimizer = nn.optim.SGD(model.parameters(), lr=1.0)
    start = time.perf_counter()
    history = nn.fit(model, X, y, loss="hinge", optimizer=optimizer, epochs=args.epochs, l2=1e-4, seed=args.seed,
                     lr_schedule=lambda k: 1.0 - 0.9 * k / args.epochs, progress=not args.no_progress)
    seconds = time.perf_counter() - start
    print(f"final loss {history.loss[-1]:.4f}, accuracy {history.accuracy[-1]:.0%} "
          f"(trained in {seconds:.1f} s)")

    paths = [out / "decision_boundary.png", out / "loss_curve.png"]
    plot_boundary(plt, model, X, y, args.grid, paths[0])
    plot_history(plt, history, paths[1])
    paths += diagrams + draw_one_sample(model, X[0], y[0], out, formats, "after")
    print(f"wrote into {out}/:")
    for path in paths:
        print("  ", path.name)
    return history


if __name__ == "__main__":
    main()
