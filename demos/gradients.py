"""The documents' practical considerations (7.4, 7.5), with numbers: vanishing and exploding gradients, optimisers.

    python demos/gradients.py [--out demo-output] [--depth 8] [--steps 60]

1. Vanishing gradients: the mean |delta^l| per layer of a deep sigmoid MLP, of the same network with
   residual connections (`nn.Residual` around every hidden layer but the first) and of the MLP with
   ReLU. delta^l = ((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l) and sigmoid' <= 1/4, so with sigmoid the
   error signal shrinks layer by layer on its way back; ReLU' = 1 where the neuron is active; and a
   residual block r = x + f(x) passes dL/dr back to x unchanged, beside what goes through f.
2. Exploding gradients: a deep ReLU MLP initialised with weights 2x too large (each layer doubles
   the signal, forward and backward) trained by plain SGD (lr 0.3): without clipping, with
   `nn.optim.clip_grad_norm(params, 1.0)`, and clipped with weight decay (L2 regularisation, SGD's
   weight_decay): the gradient norm, the loss and the weights' norm per step. Unclipped, the first
   steps are so large that the loss explodes and every ReLU ends up dead (the net outputs a
   constant: loss log 2 = 0.693, 50% accuracy); clipped, it trains -- but clipping bounds each step,
   not the gradient: the weights stay about 2x and the raw gradient stays in the hundreds for tens of
   steps. Weight decay shrinks the weights, and the gradient, a product of the layers' weights on
   its way back, falls with them.
3. The documents' table of variants: SGD, momentum, RMSprop and Adam on the same problem and the
   same initial weights (moons, MLP(2, [8, 8, 1]), binary cross-entropy, full batch).

Prints three tables and writes DIR/gradients.png (one panel per part).
"""

from __future__ import annotations

import math

from common import demo_parser, output_dir, pyplot

import nn
from autograd_lite import topological_order
from autograd_lite.naming import role

WIDTH = 8  # neurons per hidden layer of the deep nets
DECAY = 0.1  # SGD's weight_decay in part 2: the gradient of the L2 penalty (DECAY / 2) sum_p p^2


def mean_abs_delta(model: nn.Module, X: list[list[float]], y: list[float]) -> list[float]:
    """mean over samples and neurons of |delta^l_j| = |dC_s/dz^l_j| (per-sample loss C_s), for l = 1..L.

    The z nodes are found by their labels (role "z", index (l, j)), so any nn network will do."""
    loss = nn.binary_cross_entropy([model(x) for x in X], y)
    loss.backward()
    per_layer: dict[int, list[float]] = {}
    for node in topological_order(loss):
        if role(node) == "z":  # the batch loss is the mean of C_s, so each z's grad is delta_s / B
            per_layer.setdefault(node.label.index[0], []).append(abs(node.grad) * len(X))
    return [sum(v) / len(v) for _, v in sorted(per_layer.items())]


def residual_net(depth: int, activation: str, seed: int) -> nn.Sequential:
    """MLP(2, [WIDTH] * depth + [1])'s layers, each hidden layer after the first inside a residual block."""
    return nn.Sequential(nn.Layer(2, WIDTH, activation, seed=seed, l=1),
                         *[nn.Residual(nn.Layer(WIDTH, WIDTH, activation, seed=seed + l, l=l))
                           for l in range(2, depth + 1)],
                         nn.Layer(WIDTH, 1, "linear", seed=seed, l=depth + 1))


def train_deep(X: list[list[float]], y: list[float], depth: int, steps: int, clip: float | None,
               seed: int, weight_decay: float = 0.0) -> tuple[list[float], list[float], float, list[float]]:
    """Plain SGD on a badly initialised deep ReLU MLP: (gradient norm, loss) per step (inf once the loss
    overflows), the final accuracy and the weights' norm per step."""
    model = nn.MLP(2, [WIDTH] * depth + [1], seed=seed)
    for p in model.parameters():
        p.data *= 2.0  # He init already keeps the signal's size; twice that doubles it at every layer
    params = model.parameters()
    optimizer = nn.optim.SGD(params, lr=0.3, weight_decay=weight_decay)  # decay: g += wd * p, L2's gradient
    norms, losses, weights = [], [], []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.binary_cross_entropy([model(x) for x in X], y)
        if not math.isfinite(loss.data):
            break
        loss.backward()
        # With max_norm = inf nothing is scaled: clip_grad_norm then only measures the norm.
        norms.append(nn.optim.clip_grad_norm(params, math.inf if clip is None else clip))
        losses.append(loss.data)
        weights.append(math.sqrt(math.fsum(p.data * p.data for p in params)))
        optimizer.step()
    missing = steps - len(losses)
    return (norms + [math.inf] * missing, losses + [math.inf] * missing,
            nn.accuracy(model, X, y, "binary_cross_entropy"), weights + [math.inf] * missing)


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
    parser = demo_parser(__doc__, "gradients.png", depth=(8, "hidden layers of the deep nets"),
                         steps=(60, "training steps in parts 2 and 3"), samples=(40, "moon points"),
                         seed=(0, "seed of the weights"))
    args = parser.parse_args(argv)
    if args.depth < 1 or args.steps < 1 or args.samples < 2:
        parser.error("--depth and --steps must be >= 1, --samples >= 2")
    plt = pyplot()
    X, y = nn.make_moons(args.samples, noise=0.1, seed=1)

    print(f"1. Vanishing gradients: mean |delta^l| per layer, MLP(2, [{WIDTH}] x {args.depth} + [1]), "
          f"binary cross-entropy on {len(X)} moon points, at initialisation")
    deltas = {"sigmoid": mean_abs_delta(nn.MLP(2, [WIDTH] * args.depth + [1], activation="sigmoid", seed=args.seed),
                                        X, y),
              "sigmoid + residual": mean_abs_delta(residual_net(args.depth, "sigmoid", args.seed), X, y),
              "relu": mean_abs_delta(nn.MLP(2, [WIDTH] * args.depth + [1], activation="relu", seed=args.seed), X, y)}
    print(f"{'layer l':>8}" + "".join(f"{name:>20}" for name in deltas))
    for l, row in enumerate(zip(*deltas.values()), 1):
        print(f"{l:>8}" + "".join(f"{d:>20.3g}" for d in row))
    ratio = lambda d: d[0] / d[-1]  # noqa: E731
    print("first layer / output layer: " + ", ".join(f"{name} {ratio(d):.3g}" for name, d in deltas.items()) + "\n")

    print(f"2. Exploding gradients: the same ReLU net with weights x2, plain SGD (lr 0.3), {args.steps} steps")
    runs = {label: train_deep(X, y, args.depth, args.steps, clip, args.seed, decay)
            for label, clip, decay in (("no clipping", None, 0.0), ("clip_grad_norm 1.0", 1.0, 0.0),
                                       (f"clip + weight decay {DECAY}", 1.0, DECAY))}
    print(f"{'step':>9}" + "".join(f"{label + ': |g|':>34}{'loss':>10}{'|w|':>10}" for label in runs))
    shown = sorted({0, 1, 2, 5, 10, 20, 30, 40, args.steps - 1} & set(range(args.steps)))
    for k in shown:
        print(f"{k:>9}" + "".join(f"{norms[k]:>34.3g}{losses[k]:>10.3g}{weights[k]:>10.3g}"
                                  for norms, losses, _, weights in runs.values()))
    print((f"{'accuracy':>9}" + "".join(f"{accuracy:>34.0%}{'':>20}" for _, _, accuracy, _ in runs.values())).rstrip())
    print("(|g| is the gradient norm before clipping, |w| the weights' norm; loss 0.693 = log 2: a constant output, "
          "every ReLU dead)\n")

    print(f"3. Optimisers (the documents' table of variants): MLP(2, [8, 8, 1]), same initial weights, "
          f"full batch, {args.steps} steps")
    histories = compare_optimisers(X, y, args.steps, args.seed)
    print(f"{'optimiser':<24}{'loss at 10':>11}{'final loss':>12}{'accuracy':>10}")
    for name, h in histories.items():
        print(f"{name:<24}{h.loss[min(9, len(h.loss) - 1)]:>11.4f}{h.loss[-1]:>12.4f}{h.accuracy[-1]:>10.0%}")

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2), dpi=100)
    ax = axes[0]
    for name, colour in zip(deltas, ("#b2182b", "#1b7837", "#2166ac")):
        ax.plot(range(1, len(deltas[name]) + 1), deltas[name], "o-", color=colour, label=name)
    ax.set(yscale="log", xlabel="layer l (1 = first hidden)", ylabel="mean |delta| in layer l",
           title="1. Vanishing gradients (at initialisation)")
    ax.legend()
    ax = axes[1]
    for (label, (norms, _, _, _)), colour in zip(runs.items(), ("#b2182b", "#2166ac", "#1b7837")):
        ax.plot(range(len(norms)), norms, color=colour, label=label)
    ax.set(yscale="log", xlabel="SGD step", ylabel="gradient norm |g| (before clipping)",
           title="2. Exploding gradients (weights x2, SGD lr 0.3)")
    ax.set_ylim(top=1e4)  # the unclipped run's 1e9 would squash the other two
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
