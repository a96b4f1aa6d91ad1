"""One training step on the two moons, side by side: autograd_lite vs micrograd 0.1.0 vs PyTorch.

The step of micrograd's demo: forward over 100 samples through MLP(2, [16, 16, 1]), the hinge loss
mean(relu(1 - y s)) + 1e-4 sum_p p^2, backward, an SGD update. Each peer runs its own idiom:
micrograd its own MLP and its demo's loss, PyTorch batched float64 tensors (one matrix product
per layer, a different league: it is here as a reference point, not a target).

Timing: rounds interleave the peers (so drifts of the machine hit all alike), an untimed
gc.collect() precedes each timed step, and the medians are compared as ratios in the same run.

    .venv/bin/python benchmarks/train_step.py [--rounds 30]

To add a peer, add a setup function to ``PEERS``: it takes (X, y) and returns a step() callable.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import nn  # noqa: E402
from autograd_lite import weighted_sum  # noqa: E402

ALPHA = 1e-4  # micrograd's L2 coefficient
LR = 0.1
Step = Callable[[], None]


def autograd_lite_step(X: list[list[float]], y: list[float]) -> Step:
    model = nn.MLP(2, [16, 16, 1], seed=0)
    params = model.parameters()
    opt = nn.optim.SGD(params, lr=LR)

    def step() -> None:
        opt.zero_grad()
        total = nn.hinge([model(x) for x in X], y) + ALPHA * weighted_sum(params, params, 0.0)
        total.backward()
        opt.step()

    return step


def micrograd_step(X: list[list[float]], y: list[float]) -> Step:
    from micrograd.engine import Value
    from micrograd.nn import MLP

    model = MLP(2, [16, 16, 1])

    def step() -> None:  # micrograd's demo.ipynb, loss() and the update, verbatim in substance
        inputs = [list(map(Value, xrow)) for xrow in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * scorei).relu() for yi, scorei in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in model.parameters())
        total_loss = data_loss + reg_loss
        model.zero_grad()
        total_loss.backward()
        for p in model.parameters():
            p.data -= LR * p.grad

    return step


def torch_step(X: list[list[float]], y: list[float]) -> Step:
    import torch

    torch.set_num_threads(1)  # the others run on one core; threads only add noise on tiny tensors
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 16), torch.nn.ReLU(),
                                torch.nn.Linear(16, 1)).double()
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt = torch.tensor(X, dtype=torch.float64)
    yt = torch.tensor(y, dtype=torch.float64)

    def step() -> None:
        opt.zero_grad()
        scores = model(Xt).squeeze(1)
        total = torch.relu(1 - yt * scores).mean() + ALPHA * sum((p * p).sum() for p in model.parameters())
        total.backward()
        opt.step()

    return step


#: Name -> setup(X, y) -> step(). The first is the reference the ratios are taken against.
PEERS: dict[str, Callable[[list[list[float]], list[float]], Step]] = {
    "autograd_lite": autograd_lite_step,
    "micrograd 0.1.0": micrograd_step,
    "torch float64": torch_step,
}


def available(peers: dict[str, Callable]) -> dict[str, Callable]:
    """The peers whose libraries are installed (micrograd and torch are optional)."""
    kept = {}
    for name, setup in peers.items():
        try:
            setup([[0.0, 0.0]], [1.0])
        except ImportError as e:
            print(f"skipping {name}: {e}")
        else:
            kept[name] = setup
    return kept


def measure(peers: dict[str, Callable], rounds: int, n: int = 100) -> dict[str, float]:
    """Median seconds per step of each peer, interleaved rounds, gc.collect() before each step."""
    X, y = nn.make_moons(n, noise=0.1, seed=1, labels=(-1, 1))
    steps = {name: setup(X, y) for name, setup in peers.items()}
    for step in steps.values():  # warm-up
        step()
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(rounds):
        for name, step in steps.items():
            gc.collect()
            t0 = time.perf_counter()
            step()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(t) for name, t in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    medians = measure(available(PEERS), args.rounds)
    reference = next(iter(medians))
    print(f"moons training step (100 samples, MLP(2, [16, 16, 1]), hinge + L2, SGD), "
          f"median of {args.rounds} interleaved rounds")
    print(f"{'peer':<22}{'ms/step':>10}{'time / ' + reference:>26}")
    for name, t in medians.items():
        print(f"{name:<22}{t * 1e3:>10.2f}{t / medians[reference]:>26.3g}")
    for name, t in medians.items():
        if name != reference:
            ratio = t / medians[reference]
            faster, how = (reference, ratio) if ratio >= 1 else (name, 1 / ratio)
            print(f"{faster} is {how:.1f}x faster than {name if faster == reference else reference}")


if __name__ == "__main__":
    main()
