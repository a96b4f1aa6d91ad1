"""Benchmark: nn training steps -- batched replay and scalar engine -- beside micrograd 0.1.0 and PyTorch 2.13.0.

1. Moons step: forward + hinge loss + backward + SGD update on 100 samples, MLP(2, [16, 16, 1]).
   Peers: autograd_lite batched (nn.batched), autograd_lite scalar (the teaching path),
   micrograd 0.1.0 (its README's demo loop), PyTorch CPU float64 (the same network, via to_torch).
2. Digits epoch: scikit-learn's bundled 8x8 digits (1797 samples), 64-16-10 ReLU network,
   cross-entropy, batch 32, SGD: autograd_lite batched against PyTorch (micrograd has no exp/log,
   so no cross-entropy). Reported per epoch and per step (57 steps).
3. MNIST-size step: 784-128-10 ReLU network, cross-entropy, batch 64, SGD, on random pixels in [0, 1)
   and random labels (the timing does not depend on the data; no data set is downloaded).

Every peer does the whole step: zero the gradients, forward, loss, backward, optimiser update (ours are
Python loops over the parameter Values: nn.optim, the same for both engines). All peers start from
the same weights and their first losses are checked to agree. Timed runs are interleaved, each after
an untimed gc.collect(); a timed run of a fast peer is a block of `--block` consecutive steps,
reported per step (a single step right after a full collection runs with cold caches, which slows
PyTorch's step about threefold and would flatter the comparison). Each figure is the median over
the repetitions, with the spread (lowest-highest) beside it; a ratio is taken within each repetition
(the two peers' blocks run back to back) and its median and spread are reported.

One thread each: PyTorch by torch.set_num_threads(1), numpy's BLAS by threadpoolctl (both would
otherwise use every core, and these matrices are far too small to gain from it). On machines where
OPENBLAS_CORETYPE (and OPENBLAS_L2_SIZE) are set to work around old OpenBLAS bugs they pin numpy to a
slower kernel: the figures in benchmarks/README.md were made with both unset for the command only
(the kernel in use is printed).

    .venv/bin/python -m pip install micrograd==0.1.0 scikit-learn torch==2.13.0
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/training.py [--repeats 15] [--block 20]
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE .venv/bin/python benchmarks/training.py --where   # where the time goes
"""

from __future__ import annotations

import argparse
import gc
import math
import os
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


def interleaved(peers: dict, repeats: int, block: int | dict[str, int] = 1) -> dict[str, list[float]]:
    """Each peer's time per call in every repetition, the peers taking turns within a repetition;
    `block`: calls per timed run, for every peer or by peer name."""
    blocks = block if isinstance(block, dict) else dict.fromkeys(peers, block)
    times: dict = {name: [] for name in peers}
    for _ in range(repeats):
        for name, fn in peers.items():
            times[name].append(timed(fn, blocks[name]))
    return times


def spread(values: list[float], scale: float = 1.0, digits: int = 0) -> str:
    """'median (lowest-highest)' of values times scale."""
    lo, mid, hi = (f"{v * scale:.{digits}f}" for v in (min(values), statistics.median(values), max(values)))
    return f"{mid} ({lo}-{hi})"


PEER = "PyTorch float64"


def report(title: str, runs: list[dict[str, list[float]]], unit: str, scale: float, digits: int = 0) -> None:
    """Each peer's median time with its spread, and its ratio to PyTorch's time in the same repetition of
    the same interleaved run (median, spread)."""
    print(f"\n{title}")
    for times in runs:
        for name, t in times.items():
            if name != PEER or times is runs[0]:
                ratios = [a / b for a, b in zip(t, times[PEER])]
                print(f"  {name:24s} {spread(t, scale, digits):>24s} {unit}   {spread(ratios, 1, 2):>20s} x {PEER}")


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
            "micrograd 0.1.0": micrograd_step, PEER: torch_step}, losses


def _micrograd_order(model):
    """Our parameters in micrograd's order: per neuron its weights then its bias, as ours."""
    return [v for layer in model.layers for n in layer.neurons for v in (*n.w, n.b)]


def classifier_peers(torch, batches: list, sizes: list[int], lr: float = 0.1):
    """A cross-entropy classifier trained by SGD over `batches` (a list of (X, class indices)), with our
    batched engine and with PyTorch from the same weights: one call of each peer runs every batch once."""
    model = nn.MLP(batches[0][0].shape[1], sizes, seed=0)
    trainer = BatchedTrainer(model, nn.losses.cross_entropy)
    opt = nn.optim.SGD(model.parameters(), lr=lr)
    seq = model.to_torch()
    torch_opt = torch.optim.SGD(seq.parameters(), lr=lr)
    tbatches = [(torch.tensor(a), torch.tensor(b)) for a, b in batches]
    losses = {}

    def batched_run():
        for a, b in batches:
            opt.zero_grad()
            losses.setdefault("batched", trainer.loss_and_grads(a, b))
            opt.step()

    def torch_run():
        for a, b in tbatches:
            torch_opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(seq(a), b)
            loss.backward()
            torch_opt.step()
            losses.setdefault("pytorch", loss.item())

    return {"autograd_lite batched": batched_run, PEER: torch_run}, losses, model


def cpu_time(fn, calls: int, runs: int) -> float:
    """CPU seconds per call of `fn`: the median over `runs` runs of `calls` consecutive calls."""
    times = []
    for _ in range(runs):
        start = time.process_time()
        for _ in range(calls):
            fn()
        times.append((time.process_time() - start) / calls)
    return statistics.median(times)


def where_the_time_goes(torch, title: str, batch: tuple, sizes: list[int], calls: int, runs: int, unit: str,
                        scale: float) -> None:
    """CPU time per call of a whole step of each engine and of the parts of ours, each part timed
    alone (so the parts do not add up exactly: alone, a part runs with warmer caches than in a step).
    The parts reach into the replay's internals: this is a profile, not an interface."""
    import numpy as np

    X, y = batch
    model = nn.MLP(X.shape[1], sizes, seed=0)
    trainer = BatchedTrainer(model, nn.losses.cross_entropy)
    opt = nn.optim.SGD(model.parameters(), lr=1e-9)  # the weights barely move: every call does the same work
    seq = model.to_torch()
    torch_opt = torch.optim.SGD(seq.parameters(), lr=1e-9)
    tX, ty = torch.tensor(X), torch.tensor(y)

    def torch_step():
        torch_opt.zero_grad()
        torch.nn.functional.cross_entropy(seq(tX), ty).backward()
        torch_opt.step()

    def step():
        opt.zero_grad()
        trainer.loss_and_grads(X, y)
        opt.step()

    step()
    (program,) = trainer._programs.values()
    replay = program.replay
    work = replay._forward(replay._lanes(np.hstack([X, np.eye(sizes[-1])[y.astype(int)]])))
    grads = replay._backward(work).copy().tolist()

    def numpy_work():
        with np.errstate(all="ignore"):
            for group, scratch in zip(work.plan, work.scratch):
                group.forward(work.V, work.leaf, scratch)
            replay._backward(work)

    def read_values():
        replay._pack.pack_into(work.leaf, 0, *[v._data for v in replay._read])

    def add_gradients():
        for p, g in zip(replay.params, grads):
            p._grad += g

    def check_parameters():
        trainer._program(*trainer._batch(X, y))

    parts = {"PyTorch, the whole step": torch_step, "autograd_lite batched, the whole step": step,
             "BatchedTrainer.loss_and_grads": lambda: trainer.loss_and_grads(X, y),
             "... the replay's numpy work (forward + backward)": numpy_work,
             "... reading the parameters' values": read_values, "... adding the gradients to .grad": add_gradients,
             "... the cached program (parameters, activations checked)": check_parameters,
             "SGD.step": opt.step, "optimizer.zero_grad": opt.zero_grad}
    print(f"\n{title}: CPU time per call, median of {runs} runs of {calls} calls, each part alone")
    for name, fn in parts.items():
        print(f"  {name:58s} {cpu_time(fn, calls, runs) * scale:9.1f} {unit}")


def digits_batches() -> list:
    from sklearn.datasets import load_digits

    X, y = load_digits(return_X_y=True)
    X = X / 16.0
    order = np.random.default_rng(0).permutation(len(X))
    return [(X[order[k:k + 32]], y[order[k:k + 32]]) for k in range(0, len(X), 32)]


def mnist_size_batch() -> list:
    rng = np.random.default_rng(0)
    return [(rng.random((64, 784)), rng.integers(0, 10, size=64))]


def blas_kernel() -> str:
    """numpy's BLAS library, kernel and thread count as threadpoolctl reports them."""
    from threadpoolctl import threadpool_info

    blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
    return ", ".join(f"{i['internal_api']} {i.get('version')} kernel {i.get('architecture')} "
                     f"{i['num_threads']} thread(s)" for i in blas) or "none found"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--block", type=int, default=20, help="steps per timed run of the fast peers")
    parser.add_argument("--torch-threads", type=int, default=1,
                        help="PyTorch intra-op threads (default 1, as numpy's BLAS here)")
    parser.add_argument("--skip-slow", action="store_true", help="leave out the scalar engine and micrograd")
    parser.add_argument("--where", action="store_true",
                        help="instead: CPU time of the parts of a digits and an MNIST-size step (benchmarks/README.md)")
    args = parser.parse_args()
    import micrograd
    import micrograd.engine
    import micrograd.nn
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.torch_threads)
    with threadpool_limits(limits=1, user_api="blas"):
        pinned = {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in os.environ}
        print(f"numpy {np.__version__} ({blas_kernel()}; {pinned or 'OPENBLAS_CORETYPE/L2_SIZE unset'}), "
              f"torch {torch.__version__} ({torch.get_num_threads()} thread), "
              f"micrograd {getattr(micrograd, '__version__', '0.1.0')}")
        if args.where:
            runs = max(1, args.repeats // 2)
            where_the_time_goes(torch, "digits step (64-16-10, batch 32)", digits_batches()[0], [16, 10],
                                max(1, 10 * args.block), runs, "us", 1e6)
            where_the_time_goes(torch, "MNIST-size step (784-128-10, batch 64)", mnist_size_batch()[0], [128, 10],
                                max(1, args.block // 10), runs, "ms", 1e3)
        else:
            run(args, torch, micrograd)


def run(args, torch, micrograd) -> None:
    peers, losses = moons_peers(torch, micrograd.nn, micrograd.engine.Value)
    compile_time = timed(peers["autograd_lite batched"])  # the first step traces and compiles
    slow = {"autograd_lite scalar", "micrograd 0.1.0"}
    for name, fn in peers.items():  # every peer's first step, from the same weights: the same loss
        if name != "autograd_lite batched" and not (args.skip_slow and name in slow):
            fn()
    assert max(losses.values()) - min(losses.values()) < 1e-9, losses
    first = dict(losses)
    runs = [interleaved({k: v for k, v in peers.items() if k not in slow}, args.repeats * 2, args.block)]
    if not args.skip_slow:  # one step at a time for the slow peers, still against PyTorch's blocks
        blocks = {k: 1 if k in slow else args.block for k in peers}
        runs.append(interleaved({k: v for k, v in peers.items() if k in slow | {PEER}}, max(3, args.repeats // 3),
                                blocks))
    report(f"moons step (100 samples, MLP(2, [16, 16, 1]), hinge, SGD); first batched step (trace + compile + "
           f"step) {compile_time * 1e3:.1f} ms; first-step losses agree: {first}", runs, "us/step", 1e6)

    batches = digits_batches()
    peers, losses, model = classifier_peers(torch, batches, [16, 10])
    for fn in peers.values():
        fn()
    assert math.isclose(losses["batched"], losses["pytorch"], rel_tol=1e-9), losses
    times = interleaved(peers, max(3, args.repeats))
    report(f"digits epoch (1797 samples, 64-16-10 ReLU, cross-entropy, batch 32, SGD: {len(batches)} steps); "
           f"first losses agree: {dict(losses)}", [times], "us/step", 1e6 / len(batches))

    batches = mnist_size_batch()
    peers, losses, model = classifier_peers(torch, batches, [128, 10])
    compile_time = timed(peers["autograd_lite batched"])
    peers[PEER]()
    assert math.isclose(losses["batched"], losses["pytorch"], rel_tol=1e-9), losses
    times = interleaved(peers, max(3, args.repeats // 3), max(1, args.block // 4))
    report(f"MNIST-size step (784-128-10 ReLU, cross-entropy, batch 64, SGD, {len(model.parameters())} "
           f"parameters); first batched step {compile_time:.1f} s; first losses agree: {dict(losses)}",
           [times], "ms/step", 1e3, digits=2)


if __name__ == "__main__":
    main()
