"""Benchmark: nn training steps -- batched replay and scalar engine -- beside micrograd 0.1.0 and PyTorch 2.13.0.

1. Moons step: forward + hinge loss + backward + SGD update on 100 samples, MLP(2, [16, 16, 1]).
   Peers: autograd_lite batched (nn.batched), autograd_lite scalar (the teaching path),
   micrograd 0.1.0 (its README's demo loop), PyTorch CPU float64 (the same network, via to_torch).
2. Digits epoch: scikit-learn's bundled 8x8 digits (1797 samples), 64-16-10 ReLU network,
   cross-entropy, batch 32, SGD: autograd_lite batched against PyTorch (micrograd has no exp/log,
   so no cross-entropy).

All peers start from the same weights and their first losses are checked to agree. Timed runs are
interleaved, each after an untimed gc.collect(); figures are medians and ratios within this run. A
timed run of a fast peer (about a millisecond a step) is a block of `--block` consecutive steps,
reported per step: a single step right after a full collection runs with cold caches, which
slows PyTorch's step about threefold and would flatter the comparison.

    .venv/bin/python -m pip install micrograd==0.1.0 scikit-learn torch==2.13.0
    .venv/bin/python benchmarks/training.py [--repeats 15] [--block 20]
"""

from __future__ import annotations

import argparse
import gc
import math
import statistics
import time

import numpy as np

import nn
from nn.batched import BatchedTrainer


def timed(fn, block: int = 1) -> float:
    """Seconds per call of `fn`, over `block` consecutive calls after an untimed gc.collect()."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(block):
        fn()
    return (time.perf_counter() - start) / block


def interleaved(peers: dict, repeats: int, block: int = 1) -> dict:
    times: dict = {name: [] for name in peers}
    for _ in range(repeats):
        for name, fn in peers.items():
            times[name].append(timed(fn, block))
    return {name: statistics.median(t) for name, t in times.items()}


def moons_peers(torch, micrograd_nn, micrograd_value):
    from sklearn.datasets import make_moons

    X, y = make_moons(n_samples=100, noise=0.1, random_state=1)
    y = y * 2.0 - 1.0
    lr = 0.05

    batched_model = nn.MLP(2, [16, 16, 1], seed=0)
    scalar_model = nn.MLP(2, [16, 16, 1], seed=0)
    trainer = BatchedTrainer(batched_model, nn.losses.hinge)
    batched_opt = nn.optim.SGD(batched_model.parameters(), lr=lr)
    scalar_opt = nn.optim.SGD(scalar_model.parameters(), lr=lr)
    losses = {}

    def batched_step():
        batched_opt.zero_grad()
        losses["batched"] = trainer.loss_and_grads(X, y)
        batched_opt.step()

    rows, targets = X.tolist(), y.tolist()

    def scalar_step():
        scalar_opt.zero_grad()
        loss = nn.losses.hinge([scalar_model(x) for x in rows], targets)
        loss.backward()
        scalar_opt.step()
        losses["scalar"] = loss.data

    mg = micrograd_nn.MLP(2, [16, 16, 1])  # ReLU hidden layers, linear output, as ours
    for p, q in zip(mg.parameters(), _micrograd_order(batched_model)):
        p.data = q.data

    def micrograd_step():
        scores = [mg([micrograd_value(a) for a in x]) for x in rows]
        loss = sum((1 + -yi * si).relu() for yi, si in zip(targets, scores)) * (1.0 / len(rows))
        mg.zero_grad()
        loss.backward()
        for p in mg.parameters():
            p.data -= lr * p.grad
        losses["micrograd"] = loss.data

    seq = batched_model.to_torch()
    torch_opt = torch.optim.SGD(seq.parameters(), lr=lr)
    tX, ty = torch.tensor(X), torch.tensor(y)

    def torch_step():
        torch_opt.zero_grad()
        loss = torch.relu(1 - ty * seq(tX).squeeze(1)).mean()
        loss.backward()
        torch_opt.step()
        losses["pytorch"] = loss.item()

    return {"autograd_lite batched": batched_step, "autograd_lite scalar": scalar_step,
            "micrograd 0.1.0": micrograd_step, "PyTorch float64": torch_step}, losses


def _micrograd_order(model):
    """Our parameters in micrograd's order: per neuron its weights then its bias, as ours."""
    return [v for layer in model.layers for n in layer.neurons for v in (*n.w, n.b)]


def digits_peers(torch):
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    order = np.random.default_rng(0).permutation(len(X))
    batches = [(X[order[k:k + 32]], y[order[k:k + 32]]) for k in range(0, len(X), 32)]
    model = nn.MLP(64, [16, 10], seed=0)
    trainer = BatchedTrainer(model, nn.losses.cross_entropy)
    opt = nn.optim.SGD(model.parameters(), lr=0.1)
    seq = model.to_torch()
    torch_opt = torch.optim.SGD(seq.parameters(), lr=0.1)
    tbatches = [(torch.tensor(a), torch.tensor(b)) for a, b in batches]
    losses = {}

    def batched_epoch():
        for a, b in batches:
            model.zero_grad()
            losses.setdefault("batched", trainer.loss_and_grads(a, b))
            opt.step()

    def torch_epoch():
        for a, b in tbatches:
            torch_opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(seq(a), b)
            loss.backward()
            torch_opt.step()
            losses.setdefault("pytorch", loss.item())

    return {"autograd_lite batched": batched_epoch, "PyTorch float64": torch_epoch}, losses


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--block", type=int, default=20, help="steps per timed run of the fast peers")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="PyTorch intra-op threads (default 1: numpy's elementwise work is single-threaded, "
                             "and these tensors are far too small to gain from more)")
    args = parser.parse_args()
    import micrograd
    import micrograd.engine
    import micrograd.nn
    import torch

    torch.set_num_threads(args.torch_threads)

    print(f"numpy {np.__version__}, torch {torch.__version__} ({torch.get_num_threads()} threads), "
          f"micrograd {getattr(micrograd, '__version__', '0.1.0')}")

    peers, losses = moons_peers(torch, micrograd.nn, micrograd.engine.Value)
    compile_time = timed(peers["autograd_lite batched"])  # the first step traces and compiles
    for name, fn in peers.items():  # every peer's first step, from the same weights: the same loss
        if name != "autograd_lite batched":
            fn()
    assert max(losses.values()) - min(losses.values()) < 1e-9, losses
    first = dict(losses)
    slow = {"autograd_lite scalar", "micrograd 0.1.0"}
    fast = interleaved({k: v for k, v in peers.items() if k not in slow}, args.repeats * 2, args.block)
    medians = fast | interleaved({k: v for k, v in peers.items() if k in slow}, args.repeats)
    base = medians["autograd_lite batched"]
    print(f"\nmoons step (100 samples, MLP(2, [16, 16, 1]), hinge, SGD); first batched step "
          f"(trace + compile + step) {compile_time * 1e3:.1f} ms; first-step losses agree: {first}")
    for name, t in medians.items():
        print(f"  {name:24s} {t * 1e6:10.0f} us/step   {t / base:8.2f} x batched")

    peers, losses = digits_peers(torch)
    for fn in peers.values():
        fn()
    assert math.isclose(losses["batched"], losses["pytorch"], rel_tol=1e-9), losses
    first = dict(losses)
    medians = interleaved(peers, max(3, args.repeats // 3))
    base = medians["autograd_lite batched"]
    print(f"\ndigits epoch (1797 samples, 64-16-10 ReLU, cross-entropy, batch 32, SGD); first losses agree: {first}")
    for name, t in medians.items():
        print(f"  {name:24s} {t * 1e3:10.1f} ms/epoch  {t / base:8.2f} x batched")


if __name__ == "__main__":
    main()
