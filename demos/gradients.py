"""The documents' practical considerations (7.4, 7.5), with numbers: vanishing and exploding gradients, optimisers.

    python demos/gradients.py [--out demo-output] [--depth 8] [--steps 60]

1. Vanishing gradients: the mean |delta^l| per layer of a deep sigmoid MLP next to the same MLP with
   ReLU. delta^l = ((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l) and sigmoid' <= 1/4, so with sigmoid the
   error signal shrinks layer by layer on its way back; ReLU' = 1 where the neuron is active.
2. Exploding gradients: a deep ReLU MLP initialised with weights 2x too large (each layer doubles
   the signal, forward and backward) trained by plain SGD (lr 0.3), with and without
   `nn.optim.clip_grad_norm(params, 1.0)`: the gradient norm and the loss per step. Unclipped, the
   first steps are so large that the loss explodes and every ReLU ends up dead (the net outputs a
   constant: loss log 2 = 0.693, 50% accuracy); clipped, it trains.
3. The documents' table of variants: SGD, momentum, RMSprop and Adam on the same problem and the
   same initial weights (moons, MLP(2, [8, 8, 1]), binary cross-entropy, full batch).

Prints three tables and writes DIR/gradients.png (one panel per part).
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from common import output_dir, pyplot

import nn

WIDTH = 8  # neurons per hidden layer of the deep nets


def mean_abs_delta(model: nn.MLP, X: list[list[float]], y: list[float]) -> list[float]:
    """mean over samples and neurons of |delta^l_j| = |dC_s/dz^l_j| (per-sample loss C_s), for l = 1..L."""
    traces = [model.trace(x) for x in X]
    loss = nn.binary_cross_entropy([t.output for t in traces], y)
    loss.backward()
    # The batch loss is the mean of C_s, so each z's grad is delta_s / B.
    per_layer = [[abs(d) * len(X) for t in traces for d in t.deltas()[l]] for l in range(len(model.layers))]
    return [sum(v) / len(v) for v in per_layer]


def train_deep(X: list[list[float]], y: list[float], depth: int, steps: int, clip: float | None,
               seed: int) -> tuple[list[float], list[float], float]:
    """Plain SGD on a badly initialised deep ReLU MLP: (gradient norm, loss) per step (inf once the loss
    overflows) and the final accuracy."""
    model = nn.MLP(2, [WIDTH] * depth + [1], seed=seed)
    for p in model.parameters():
        p.data *= 2.0  # He init already keeps the signal's size; twice that doubles it at every layer
    params = model.parameters()
    optimizer = nn.optim.SGD(params, lr=0.3)
    norms, losses = [], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.binary_cross_entropy([model(x) for x in X], y)
        if not math.isfinite(loss.data):
            break
        loss.backward()
        # With max_norm = inf nothing is scaled: clip_grad_norm then only measures the norm.
        norms.append(nn.optim.clip_grad_norm(params, math.inf if clip is None else clip))
        losses.append(loss.data)
        optimizer.step()
    missing = steps - len(losses)
    return norms + [math.inf] * missing, losses + [math.inf] * missing, nn.accuracy(model, X, y, "binary_cross_entropy")


OPTIMISERS = {
    "SGD (lr 0.1)": lambda ps: nn.optim.SGD(ps, lr=0.1),
    "momentum (lr 0.1, 0.9)": lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9),
    "RMSprop (lr 0.01)": lambda ps: nn.optim.RMSprop(ps, lr=0.01),
    "Adam (lr 0.01)": lambda ps: nn.optim.Adam(ps, lr=0.01),
}


def compare_optimisers(X: list[list[float]], y: list[float], steps: int, seed: int) -> dict[str, nn.History]:
    histories = {}
    for name, make in OPTIMISERS.items():
        model = nn.MLP(2, [8, 8, 1], seed=seed)  # the same initial weights for each
        histories[name] = nn.fit(model, X, y, loss="binary_cross_entropy", optimizer=make(model.parameters()),
                                 epochs=steps, seed=seed, progress=False)
    return histories


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("demo-output"),
                        help="folder for gradients.png (default: %(default)s)")
    parser.add_argument("--depth", type=int, default=8,
                        help="hidden layers of the deep nets (default: %(default)s)")
    parser.add_argument("--steps", type=int, default=60,
                        help="training steps in parts 2 and 3 (default: %(default)s)")
    parser.add_argument("--samples", type=int, default=40,
                        help="moon points (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed of the weights (default: %(default)s)")
    args = parser.parse_args(argv)
    if args.depth < 1 or args.steps < 1 or args.samples < 2:
        parser.error("--depth and --steps must be >= 1, --samples >= 2")
    plt = pyplot()
    X, y = nn.make_moons(args.samples, noise=0.1, seed=1)

    print(f"1. Vanishing gradients: mean |delta^l| per layer, MLP(2, [{WIDTH}] x {args.depth} + [1]), "
          f"binary cross-entropy on {len(X)} moon points, at initialisation")
    deltas = {act: mean_abs_delta(nn.MLP(2, [WIDTH] * args.depth + [1], activation=act, seed=args.seed), X, y)
              for act in ("sigmoid", "relu")}
    print(f"{'layer l':>8}{'sigmoid':>12}{'relu':>12}")
    for l, (s, r) in enumerate(zip(deltas["sigmoid"], deltas["relu"]), 1):
        print(f"{l:>8}{s:>12.3g}{r:>12.3g}")
    ratio = lambda d: d[0] / d[-1]  # noqa: E731
    print(f"first layer / output layer: sigmoid {ratio(deltas['sigmoid']):.3g}, relu {ratio(deltas['relu']):.3g}\n")

    print(f"2. Exploding gradients: the same ReLU net with weights x2, plain SGD (lr 0.3), {args.steps} steps")
    runs = {label: train_deep(X, y, args.depth, args.steps, clip, args.seed)
            for label, clip in (("no clipping", None), ("clip_grad_norm 1.0", 1.0))}
    print(f"{'step':>9}" + "".join(f"{label + ': |g|':>28}{'loss':>11}" for label in runs))
    shown = sorted({0, 1, 2, 5, 10, 20, 40, args.steps - 1} & set(range(args.steps)))
    for k in shown:
        print(f"{k:>9}" + "".join(f"{norms[k]:>28.3g}{losses[k]:>11.3g}" for norms, losses, _ in runs.values()))
    print(f"{'accuracy':>9}" + "".join(f"{accuracy:>39.0%}" for _, _, accuracy in runs.values()))
    print("(|g| is the gradient norm before clipping; loss 0.693 = log 2: a constant output, every ReLU dead)\n")

    print(f"3. Optimisers (the documents' table of variants): MLP(2, [8, 8, 1]), same initial weights, "
          f"full batch, {args.steps} steps")
    histories = compare_optimisers(X, y, args.steps, args.seed)
    print(f"{'optimiser':<24}{'loss at 10':>11}{'final loss':>12}{'accuracy':>10}")
    for name, h in histories.items():
        print(f"{name:<24}{h.loss[min(9, len(h.loss) - 1)]:>11.4f}{h.loss[-1]:>12.4f}{h.accuracy[-1]:>10.0%}")

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), dpi=100)
    ax = axes[0]
    for act, colour in (("sigmoid", "#b2182b"), ("relu", "#2166ac")):
        ax.plot(range(1, len(deltas[act]) + 1), deltas[act], "o-", color=colour, label=act)
    ax.set(yscale="log", xlabel="layer l (1 = first hidden)", ylabel="mean |delta| in layer l",
           title="1. Vanishing gradients (at initialisation)")
    ax.legend()
    ax = axes[1]
    for (label, (norms, _, _)), colour in zip(runs.items(), ("#b2182b", "#2166ac")):
        ax.plot(range(len(norms)), norms, color=colour, label=label)
    ax.set(yscale="log", xlabel="SGD step", ylabel="gradient norm |g| (before clipping)",
           title="2. Exploding gradients (weights x2, SGD lr 0.3)")
    ax.legend()
    ax = axes[2]
    for name, h in histories.items():
        ax.plot(range(1, len(h.loss) + 1), h.loss, label=name)
    ax.set(xlabel="step (full batch)", ylabel="binary cross-entropy", title="3. Optimisers")
    ax.legend()
    fig.tight_layout()
    path = output_dir(args.out) / "gradients.png"
    fig.savefig(path)
    plt.close(fig)
    print("\nwrote", path)
    return {"deltas": deltas, "exploding": runs, "optimisers": histories}


if __name__ == "__main__":
    main()
