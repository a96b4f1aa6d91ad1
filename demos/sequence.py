"""An RNN learns a task that needs memory (echo the input of DELAY steps before); its gradient vanishes through time.

    python demos/sequence.py [--out demo-output] [--epochs 40] [--delay 2] [--hidden 8] [--step] [--no-pause]

The task: a sequence x_1..x_T of numbers uniform in (-1, 1), and at every step the target
y_t = x_(t-d), the input d steps before (0 while t <= d). An `nn.RNN(1, H)` reads the sequence,
h_t = tanh(W_xh x_t + W_hh h_(t-1) + b), and a linear readout yhat_t = W_hy h_t + b_y answers at
every step; the loss is the mean squared error over the steps. The readout sees only h_t, so the
network must carry x_(t-d) in its hidden state for d steps. Guessing 0 (no memory) leaves a loss
of E[x^2] (T - d) / T = 0.25 for T = 8, d = 2. Trained with Adam on the batched engine.

Vanishing through time: for the loss of the last step alone, L = (yhat_T - y_T)^2 on a sequence of
20 steps, |dL/dh_t| (the norm of the vector dL/dh_t) for t = 1..20. Backpropagation through time
(`nn.bptt`) multiplies by W_hh^T diag(1 - h_t^2) at every step back, so the gradient falls
geometrically with the distance from T: what happened 10 steps back barely moves the loss. After
training it peaks at t = T - d, the step whose input the answer echoes, and falls faster beyond it:
the network has learned to forget what the task does not need. (The picture shows |dL/dh_t|
relative to its value at t = T: after training the last step's error, and every gradient, is small.)

``--step`` walks the backward pass through time of a small RNN(1, 2) on 3 steps with the stepper,
one chain-rule step at a time: the shared weight W_hh[j,k] receives one ``+=`` per time step, and
the running sum is spelled out. Writes DIR/sequence.png (the loss per epoch and |dL/dh_t| against t)
and DIR/rnn_graph.svg: that small RNN's graph after backward, one box per time step
(``draw(loss, group="time step")``), the shared weights outside every box.
"""

from __future__ import annotations

import math
import random
import sys
from typing import Any

from common import demo_parser, output_dir, pyplot

import nn
from autograd_lite import BackwardStepper, Value, draw, weighted_sum
from autograd_lite.naming import Group, Label

T_TRAIN = 8  # steps per training sequence
T_LONG = 20  # steps of the sequences on which the gradient through time is measured


class Echo(nn.Module):
    """An nn.RNN(1, hidden) and a linear readout at every step: yhat_t = W_hy h_t + b_y."""

    def __init__(self, hidden: int, seed: int) -> None:
        self.rnn = nn.RNN(1, hidden, seed=seed)
        rng = random.Random(seed + 1)
        bound = 1.0 / math.sqrt(hidden)  # as PyTorch's Linear
        self.W_hy = [Value(rng.uniform(-bound, bound), Label(f"W_hy[1,{k}]", role="w", index=(1, k)))
                     for k in range(1, hidden + 1)]
        self.b_y = Value(0.0, Label("b_y", role="b"))

    def named_members(self) -> tuple[tuple[str, Any], ...]:
        return (("rnn", self.rnn), ("W_hy", self.W_hy), ("b_y", self.b_y))

    def forward(self, xs: list[list[Any]]) -> list[Value]:
        """yhat_1..yhat_T, one Value per step."""
        outputs = []
        for t, h in enumerate(self.rnn(xs), start=1):
            y = weighted_sum(self.W_hy, h, self.b_y)
            y.label = Label(f"yhat[{t}]", role="y", index=(t,), groups={"time step": Group((t,), f"t = {t}")})
            outputs.append(y)
        return outputs


def echo_data(n: int, T: int, delay: int, seed: int) -> tuple[list[list[list[float]]], list[list[float]]]:
    """n sequences of T inputs (each a list of one number) and their targets y_t = x_(t-delay)."""
    rng = random.Random(seed)
    X, Y = [], []
    for _ in range(n):
        x = [rng.uniform(-1.0, 1.0) for _ in range(T)]
        X.append([[v] for v in x])
        Y.append([x[t - delay] if t >= delay else 0.0 for t in range(T)])
    return X, Y


def gradient_through_time(model: Echo, X: list, Y: list) -> list[float]:
    """Mean over the sequences of |dL/dh_t| for t = 1..T, L = (yhat_T - y_T)^2 the last step's loss."""
    totals = [0.0] * len(X[0])
    for xs, ys in zip(X, Y):
        states = model.rnn(xs)
        loss = nn.mse([weighted_sum(model.W_hy, states[-1], model.b_y)], [ys[-1]])
        loss.backward()
        for t, h in enumerate(states):
            totals[t] += math.sqrt(math.fsum(v.grad * v.grad for v in h)) / len(X)
    model.zero_grad()
    return totals


def small_rnn() -> tuple[Echo, list[list[float]], Value, Value]:
    """RNN(1, 2) + readout on 3 steps: (model, inputs, yhat_3, L = (yhat_3 - y_3)^2), small enough to read."""
    model = Echo(2, seed=3)
    xs = [[0.5], [-0.8], [0.3]]
    yhat = model(xs)[-1]
    loss = nn.mse([yhat], [xs[0][0]])  # the echo of x_1 (d = 2)
    loss.label = "L"
    return model, xs, yhat, loss


def step_through_time(pause: bool) -> BackwardStepper:
    """The backward pass of a small RNN's last-step loss, one chain-rule step at a time."""
    model, xs, yhat, loss = small_rnn()
    stepper = loss.backward_steps()
    print(f"The backward pass through time of RNN(1, 2) + readout on {len(xs)} steps, L = (yhat[3] - y_3)^2: "
          f"{stepper.total} chain-rule steps, from L back to t = 1.\n")
    for step in stepper:
        print(step, end="\n\n")
        if pause and not stepper.done and input("[Enter] next step, q + Enter: to the end ").strip() == "q":
            pause = False
    w = model.rnn.W_hh[0][1]
    shares = [s.local[s.node.parents.index(w)] * s.node.grad + 0.0 for s in stepper.steps  # + 0.0: no -0
              if w in s.node.parents]
    # By hand, the loss's gradient enters at h_3 only: dL/dh[3]_k = dL/dyhat[3] * W_hy[1,k].
    hand = nn.bptt.of_model(model.rnn, xs, [[0.0, 0.0]] * 2 + [[yhat.grad * w.data for w in model.W_hy]])
    print(f"{w.label} is one leaf used at all {len(shares)} steps: its gradient is the sum over t of "
          f"delta[t]_1 * h[t-1]_2 = {' + '.join(f'{s:.4g}' for s in shares)} = {w.grad:.6g}")
    print(f"backpropagation through time by hand (nn.bptt): dL/dW_hh[1,2] = {hand.dW_hh[0][1]:.6g}\n")
    return stepper


def main(argv: list[str] | None = None) -> dict:
    parser = demo_parser(__doc__, "sequence.png", epochs=(40, "training epochs"), samples=(400, "training sequences"),
                         delay=(2, "echo the input of this many steps before"), hidden=(8, "hidden units"),
                         seed=(0, "seed of weights and data"))
    parser.add_argument("--step", action="store_true",
                        help="first walk the backward pass through time of a small RNN with the stepper")
    parser.add_argument("--no-pause", action="store_true", help="with --step: do not wait for Enter between steps")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.samples < 2 or args.hidden < 1 or not 0 < args.delay < T_TRAIN:
        parser.error(f"--epochs, --hidden must be >= 1, --samples >= 2 and 0 < --delay < {T_TRAIN}")
    stepper = step_through_time(sys.stdin.isatty() and not args.no_pause) if args.step else None
    plt = pyplot()

    X, Y = echo_data(args.samples, T_TRAIN, args.delay, args.seed)
    X_test, Y_test = echo_data(200, T_TRAIN, args.delay, args.seed + 1)
    X_long, Y_long = echo_data(20, T_LONG, args.delay, args.seed + 2)
    model = Echo(args.hidden, args.seed)
    before = gradient_through_time(model, X_long, Y_long)
    print(f"Delayed echo: y_t = x_(t-{args.delay}), sequences of {T_TRAIN} steps; RNN(1, {args.hidden}) + readout, "
          f"{len(model.parameters())} parameters, mse, Adam (lr 0.01), batched engine, {args.samples} sequences")
    history = nn.fit(model, X, Y, loss="mse", optimizer=nn.optim.Adam(model.parameters(), lr=0.01),
                     epochs=args.epochs, batch_size=32, seed=args.seed, engine="batched",
                     progress=not args.no_progress)
    test_loss = nn.losses.mse([model(x) for x in X_test], Y_test).data
    memoryless = nn.losses.mse([[0.0] * T_TRAIN for _ in X_test], Y_test).data
    print(f"loss: epoch 1 {history.loss[0]:.4f}, epoch {len(history.loss)} {history.loss[-1]:.4f}; "
          f"test {test_loss:.4f} (guessing 0, no memory: {memoryless:.4f})")
    xs, ys = X_test[0], Y_test[0]
    print("one test sequence:   " + " ".join(f"{x[0]:6.2f}" for x in xs))
    print("target x_(t-d):      " + " ".join(f"{y:6.2f}" for y in ys))
    print("network's answer:    " + " ".join(f"{y.data:6.2f}" for y in model(xs)))
    after = gradient_through_time(model, X_long, Y_long)
    print(f"\n|dL/dh_t| for the loss of the last step (t = {T_LONG}), mean over {len(X_long)} sequences:")
    print(f"{'t':>4}{'at initialisation':>20}{'after training':>17}")
    for t in sorted({T_LONG, T_LONG - 1, T_LONG - 2, T_LONG - 3, T_LONG - 5, T_LONG - 10, 1}):
        print(f"{t:>4}{before[t - 1]:>20.3g}{after[t - 1]:>17.3g}")

    fig, axes = plt.subplots(1, 2, figsize=(10, 3.8), dpi=100)
    ax = axes[0]
    ax.plot(range(1, len(history.loss) + 1), history.loss, color="#2166ac", label="training loss")
    ax.axhline(memoryless, color="#b2182b", linestyle="--", label="no memory (guess 0)")
    ax.set(yscale="log", xlabel="epoch", ylabel="mean squared error", title=f"Delayed echo (d = {args.delay})")
    ax.legend()
    ax = axes[1]
    for values, label, colour in ((before, "at initialisation", "#b2182b"), (after, "after training", "#2166ac")):
        ax.plot(range(1, T_LONG + 1), [v / values[-1] for v in values], "o-", color=colour, label=label)
    ax.set(yscale="log", xlabel="time step t", ylabel=f"|dL/dh_t| / |dL/dh_{T_LONG}|",
           title=f"Vanishing gradient through time (L at t = {T_LONG})")
    ax.legend()
    fig.tight_layout()
    path = output_dir(args.out) / "sequence.png"
    fig.savefig(path)
    plt.close(fig)
    print("\nwrote", path)
    loss = small_rnn()[3]
    loss.backward()
    print("wrote", draw(loss, group="time step", number_format=".3f").render(args.out / "rnn_graph.svg"))
    return {"history": history, "test_loss": test_loss, "memoryless": memoryless, "before": before,
            "after": after, "stepper": stepper}


if __name__ == "__main__":
    main()
