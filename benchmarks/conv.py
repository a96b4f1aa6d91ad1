"""Benchmark: the conv demo's training step -- batched replay against PyTorch float64, same model, same run.

The model of demos/conv.py: Conv2d(1, 8, 3, padding=1) -> ReLU -> Flatten -> Layer(512, 10), 5210
parameters, on scikit-learn's 8x8 digits; a step is forward + cross-entropy + backward + Adam
(lr 0.01) on a batch of 32. Peers, from the same weights (their first losses are checked to agree):

- autograd_lite batched: `nn.batched.BatchedTrainer` (what ``fit(..., engine="batched")`` runs);
  also timed in parts: the replay alone (loss and gradients), and nn's Adam update;
- autograd_lite scalar: a graph of Values per sample (the teaching path), fewer repeats;
- PyTorch float64: the same layers as torch modules (`Conv2d.to_torch()`, a Linear with the
  Layer's weights) on a (32, 1, 8, 8) batch.

Timed runs are interleaved, each after an untimed gc.collect(); figures are medians and ratios
within this run. A timed run of a fast peer is a block of `--block` consecutive steps, reported
per step (as benchmarks/training.py does).

    .venv/bin/python -m pip install scikit-learn torch==2.13.0
    .venv/bin/python benchmarks/conv.py [--repeats 9] [--block 5] [--clock wall|cpu]
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import sys
import time
from pathlib import Path

import numpy as np

import nn
from nn.batched import BatchedTrainer

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "demos"))
from conv import CNN  # noqa: E402  (the demo's model)

CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def timed(fn, block: int = 1, clock=time.perf_counter) -> float:
    """Seconds per call of `fn`, over `block` consecutive calls after an untimed gc.collect()."""
    gc.collect()
    start = clock()
    for _ in range(block):
        fn()
    return (clock() - start) / block


def interleaved(peers: dict, repeats: int, block: int = 1, clock=time.perf_counter) -> dict:
    times: dict = {name: [] for name in peers}
    for _ in range(repeats):
        for name, fn in peers.items():
            times[name].append(timed(fn, block, clock))
    return {name: statistics.median(t) for name, t in times.items()}


def torch_model(model: CNN, torch):
    """The demo's CNN as torch modules with copies of its weights, taking a (batch, 1, 8, 8) tensor."""
    W, b = model.layer.weights()
    linear = torch.nn.Linear(len(W[0]), len(W), dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor(W, dtype=torch.float64))
        linear.bias.copy_(torch.tensor(b, dtype=torch.float64))
    return torch.nn.Sequential(model.conv.to_torch(), torch.nn.ReLU(), torch.nn.Flatten(), linear)


def peers(torch, channels: int, batch: int):
    from sklearn.datasets import load_digits

    digits = load_digits()
    X, y = digits.images[:batch, None] / 16.0, digits.target[:batch]  # (batch, 1, 8, 8)
    models = {name: CNN(channels, seed=0) for name in ("batched", "scalar")}
    trainer = BatchedTrainer(models["batched"], nn.losses.cross_entropy)
    opts = {name: nn.optim.Adam(m.parameters(), lr=1e-2) for name, m in models.items()}
    seq = torch_model(models["batched"], torch)
    torch_opt = torch.optim.Adam(seq.parameters(), lr=1e-2)
    tX, ty = torch.tensor(X), torch.tensor(y)
    samples, targets = X.tolist(), y.tolist()
    losses: dict = {}

    def batched_step():
        opts["batched"].zero_grad()
        losses.setdefault("batched", trainer.loss_and_grads(X, y))
        opts["batched"].step()

    def replay_only():
        trainer.loss_and_grads(X, y)

    def adam_only():
        opts["batched"].step()

    def scalar_step():
        opts["scalar"].zero_grad()
        loss = nn.losses.cross_entropy([models["scalar"](x) for x in samples], targets)
        loss.backward()
        opts["scalar"].step()
        losses.setdefault("scalar", loss.data)

    def torch_step():
        torch_opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(seq(tX), ty)
        loss.backward()
        torch_opt.step()
        losses.setdefault("pytorch", loss.item())

    return {"autograd_lite batched": batched_step, "PyTorch float64": torch_step}, \
        {"  of which: replay (loss + gradients)": replay_only, "  of which: nn Adam step": adam_only}, \
        scalar_step, trainer, losses


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--block", type=int, default=5, help="steps per timed run of the fast peers")
    parser.add_argument("--channels", type=int, default=8)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--clock", choices=CLOCKS, default="wall",
                        help="wall: perf_counter; cpu: this process's CPU time (steadier on a machine shared with "
                             "other jobs; PyTorch runs on one thread)")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="PyTorch intra-op threads (default 1: numpy's elementwise work is single-threaded)")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(args.torch_threads)
    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads)")
    fast, parts, scalar_step, trainer, losses = peers(torch, args.channels, args.batch)
    compile_time = timed(fast["autograd_lite batched"])  # the first step traces and compiles
    fast["PyTorch float64"]()
    scalar_step()
    assert math.isclose(losses["batched"], losses["pytorch"], rel_tol=1e-12), losses
    assert math.isclose(losses["batched"], losses["scalar"], rel_tol=1e-12), losses
    print(f"conv demo step ({args.batch} digits, Conv2d(1, {args.channels}, 3, padding=1) -> ReLU -> Flatten -> "
          f"Layer({args.channels * 64}, 10), cross-entropy, Adam)")
    print(f"first batched step (trace + compile + step) {compile_time * 1e3:.0f} ms; first losses agree: {losses}")
    clock = CLOCKS[args.clock]
    medians = interleaved(fast | parts, args.repeats, args.block, clock)
    scalar = interleaved({"scalar": scalar_step}, max(2, args.repeats // 3), 1, clock)
    medians["autograd_lite scalar"] = scalar["scalar"]
    base = medians["PyTorch float64"]
    for name, t in medians.items():
        print(f"  {name:40s} {t * 1e3:9.2f} ms/step ({args.clock})  {t / base:8.1f} x PyTorch")
    return medians


if __name__ == "__main__":
    main()
