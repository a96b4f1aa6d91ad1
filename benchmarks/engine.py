"""autograd_lite's engine side by side with micrograd 0.1.0: time and memory per node, depth, cyclic garbage.

    make bench                                     # full run (a few minutes)
    .venv/bin/python benchmarks/engine.py --quick  # smaller sizes, under a minute

Three graphs, built with operations both engines have (+, * and relu), n operation nodes each:

- chain: y <- y * 0.5 + x, repeated: depth n;
- wide:  sum_i a_i * b_i, products summed pairwise: depth log2 n;
- mixed: a wide sum of relu'd products (3/8 of the nodes) followed by a deep chain (the rest): at
  16,000 nodes, 2,000 relu'd products, then a 5,000-step chain, the mixed graph of the speed targets.

Every timed run is preceded by an untimed gc.collect(); the collector stays enabled while it runs (its
work is part of an engine's cost), the two engines alternate run by run, and each figure is the median
of several runs. micrograd's topological sort is recursive: to time it on deep chains at all, the timed
runs raise sys.setrecursionlimit and run in a thread with a 1 GiB stack (threading.stack_size). The
"deepest chain" column instead probes each engine with default settings, each probe in a subprocess so
that a crash is a result and not the end of the run.
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import autograd_lite


def _engines() -> dict[str, type]:
    engines: dict[str, type] = {"autograd_lite": autograd_lite.Value}
    try:
        from micrograd.engine import Value as MicrogradValue
    except ImportError:  # pragma: no cover - the [bench] extra installs it
        pass
    else:
        engines["micrograd"] = MicrogradValue
    return engines


ENGINES = _engines()


def chain(V: type, n: int) -> Any:
    """y <- y * 0.5 + x, n/2 times: n operation nodes in one line."""
    x = V(0.5)
    y = x
    for _ in range(n // 2):
        y = y * 0.5 + x
    return y


def wide(V: type, n: int) -> Any:
    """sum_i a_i * b_i over n/2 pairs, summed pairwise: n - 1 operation nodes, depth log2 n."""
    level = [V(0.001 * (i % 7)) * V(1.0 - 0.001 * (i % 5)) for i in range(n // 2)]
    while len(level) > 1:
        level = [level[i] + level[i + 1] for i in range(0, len(level) - 1, 2)] + level[len(level) // 2 * 2:]
    return level[0]


def mixed(V: type, n: int) -> Any:
    """s = sum_i relu(a_i * b_i) over n/8 pairs, then y <- y * 0.5 + s: n operation nodes."""
    pairs = n // 8
    s = V(0.0)
    for i in range(pairs):
        s = s + (V(0.01 * (i % 13) - 0.05) * V(0.5 - 0.01 * (i % 7))).relu()
    y = s
    for _ in range((n - 3 * pairs) // 2):
        y = y * 0.5 + s
    return y


GRAPHS: dict[str, Callable[[type, int], Any]] = {"chain": chain, "wide": wide, "mixed": mixed}

# (nodes, runs) per graph. The mixed graph is also timed at 16,000 nodes, the size of the speed targets.
_FULL = [(10**4, 21), (10**5, 5), (10**6, 3)]
_QUICK = [(10**4, 11), (10**5, 3)]
SIZES = {"full": {"chain": _FULL, "wide": _FULL, "mixed": [*_FULL[:1], (16_000, 21), *_FULL[1:]]},
         "quick": {"chain": _QUICK, "wide": _QUICK, "mixed": [*_QUICK[:1], (16_000, 11), *_QUICK[1:]]}}


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def in_big_thread(fn: Callable[[], Any]) -> Any:
    """Run fn in a thread with a 1 GiB stack and a high recursion limit (what micrograd's deep chains need)."""
    result: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(fn())
        except BaseException as e:  # noqa: BLE001 - handed back to the caller's thread
            errors.append(e)

    limit = sys.getrecursionlimit()
    old_stack = threading.stack_size(1 << 30)
    sys.setrecursionlimit(10**7)
    try:
        t = threading.Thread(target=target)
        t.start()
        t.join()
    finally:
        threading.stack_size(old_stack)
        sys.setrecursionlimit(limit)
    if errors:
        raise errors[0]
    return result[0]


def time_once(V: type, graph: str, n: int) -> tuple[float, float]:
    """Seconds to build the graph and to backpropagate through it (collector enabled, untimed gc first)."""
    build = GRAPHS[graph]
    gc.collect()
    t0 = time.perf_counter()
    root = build(V, n)
    t1 = time.perf_counter()
    root.backward()
    t2 = time.perf_counter()
    del root  # freeing is untimed for both
    return t1 - t0, t2 - t1


def timings(sizes: list[tuple[str, int, int]], engines: dict[str, type]) -> dict[tuple[str, int], dict]:
    """Forward and backward seconds of every run, engines interleaved run by run: for each
    (graph, nodes, runs) of `sizes`, each engine's list of (forward, backward)."""
    raw = {}
    for graph, n, repeats in sizes:
        progress(f"timing {graph} graphs of {n:,} nodes, {repeats} runs each")
        runs: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
        for r in range(repeats):
            order = list(engines) if r % 2 == 0 else list(engines)[::-1]
            for name in order:
                runs[name].append(time_once(engines[name], graph, n))
        raw[graph, n] = runs
    return raw


def pooled_timings(sizes: list[tuple[str, int, int]], engines: dict[str, type], processes: int) -> dict:
    """`timings` in this process, or in `processes` fresh ones with their runs pooled: a process's
    memory layout and collector state move every engine's times a little, and micrograd's a lot."""
    if processes <= 1:
        return in_big_thread(lambda: timings(sizes, engines))
    if engines != ENGINES:
        raise ValueError("fresh processes time the engines this module imports (ENGINES), not others")
    raw: dict = {}
    for k in range(processes):
        progress(f"process {k + 1} of {processes}")
        proc = subprocess.run([sys.executable, __file__, "--timings", json.dumps(sizes)],
                              stdout=subprocess.PIPE, text=True, check=True)
        for key, runs in json.loads(proc.stdout):
            for name, rs in runs.items():
                raw.setdefault(tuple(key), {}).setdefault(name, []).extend(map(tuple, rs))
    return raw


def summarise(raw: dict, names: list[str]) -> list[dict]:
    """Per graph and size: each engine's median forward, backward and total seconds per node, and
    each peer's speed-up as the median (with lowest and highest) of its time over ours run by run."""
    rows = []
    for (graph, n), runs in raw.items():
        row = {"graph": graph, "nodes": n, "runs": len(runs[names[0]])}
        for name in names:
            rs = runs[name]
            row[name] = tuple(statistics.median(x) / n for x in ([f for f, _ in rs], [b for _, b in rs],
                                                                  [f + b for f, b in rs]))
        for peer in names[1:]:
            ratios = sorted(sum(p) / sum(o) for p, o in zip(runs[peer], runs[names[0]]))
            row["speedup", peer] = (statistics.median(ratios), ratios[0], ratios[-1])
        rows.append(row)
    return rows


def memory_per_node(V: type, graph: str, n: int) -> float:
    """Bytes Python allocated for a graph of n nodes after its backward pass, per node (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        root = GRAPHS[graph](V, n)
        root.backward()
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    del root
    return used / n


def cyclic_garbage(V: type, graph: str, n: int) -> int:
    """Objects the cyclic collector finds after a graph of n nodes (backpropagated) is dropped."""
    gc.collect()
    gc.disable()
    try:
        root = GRAPHS[graph](V, n)
        root.backward()
        del root
        return gc.collect()
    finally:
        gc.enable()


def probe(engine: str, depth: int) -> None:
    """Build a chain of `depth` nodes, backpropagate and free it, with default settings (in a subprocess)."""
    root = chain(ENGINES[engine], depth)
    root.backward()
    del root


def survives(engine: str, depth: int) -> tuple[bool, str]:
    proc = subprocess.run([sys.executable, __file__, "--probe", engine, str(depth)],
                          capture_output=True, text=True, timeout=600)
    if proc.returncode == 0:
        return True, ""
    last = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
    return False, last if proc.returncode > 0 else f"killed by signal {-proc.returncode}"


def deepest_chain(engine: str, cap: int, start: int = 250) -> tuple[int, str]:
    """The deepest chain (to ~2%) that builds, backpropagates and frees; doubling up to `cap`, then
    bisection. Returns (depth, how the next one failed), depth == cap if it never failed."""
    good, bad, failure = 0, None, ""
    depth = start
    while True:
        ok, why = survives(engine, depth)
        if not ok:
            bad, failure = depth, why
            break
        good = depth
        if depth >= cap:
            return cap, ""
        depth = min(2 * depth, cap)
    while bad - good > max(2, good // 50):
        mid = (good + bad) // 2
        ok, why = survives(engine, mid)
        if ok:
            good = mid
        else:
            bad, failure = mid, why
    return good, failure


def run(sizes: list[tuple[str, int, int]], memory_size: int, depth_cap: int, garbage_size: int,
        engines: dict[str, type] | None = None, processes: int = 1) -> str:
    """Measure everything and return the report as markdown. `sizes` lists (graph, nodes, runs)."""
    engines = engines or ENGINES
    names = list(engines)
    ours, peers = names[0], names[1:]
    out = []

    rows = summarise(pooled_timings(sizes, engines, processes), names)
    head = "| graph | nodes | runs | " + " | ".join(f"{n} fwd / bwd / total µs per node" for n in names)
    head += "".join(f" | speedup vs {p} (lowest-highest)" for p in peers) + " |"
    pooled = f", {processes} processes pooled" if processes > 1 else ""
    out += [f"Time per node, medians (Python {sys.version.split()[0]}{pooled}):", "", head,
            "|" + " --- |" * (3 + len(names) + len(peers))]
    for row in rows:
        cells = [" / ".join(f"{1e6 * t:.2f}" for t in row[n]) for n in names]
        cells += ["{:.1f}x ({:.1f}-{:.1f})".format(*row["speedup", p]) for p in peers]
        out.append(f"| {row['graph']} | {row['nodes']:,} | {row['runs']} | " + " | ".join(cells) + " |")

    progress("memory, cyclic garbage, deepest chains")
    mem = {(g, n): in_big_thread(lambda g=g, V=V: memory_per_node(V, g, memory_size))
           for g in GRAPHS for n, V in engines.items()}
    garbage = {(g, n): in_big_thread(lambda g=g, V=V: cyclic_garbage(V, g, garbage_size))
               for g in GRAPHS for n, V in engines.items()}
    deepest = {n: deepest_chain(n, depth_cap) for n in names}

    out += ["", f"Memory (tracemalloc, {memory_size:,}-node graph after backward), cyclic garbage "
                f"(objects gc.collect() finds after dropping a {garbage_size:,}-node graph), deepest chain "
                f"with default settings (probed up to {depth_cap:,}):", "",
            "| engine | bytes per node (chain / wide) | cyclic garbage per graph (chain / wide) | deepest chain |",
            "| --- | --- | --- | --- |"]
    for n in names:
        depth, why = deepest[n]
        shown = f">= {depth:,} (cap)" if depth >= depth_cap else f"{depth:,} (next fails: {why})"
        out.append(f"| {n} | {mem['chain', n]:.0f} / {mem['wide', n]:.0f} | "
                   f"{garbage['chain', n]:,} / {garbage['wide', n]:,} | {shown} |")

    if peers:
        peer = peers[0]
        speed = min(row["speedup", peer][0] for row in rows)
        memory = max(mem[g, ours] / mem[g, peer] for g in GRAPHS)
        out += ["", f"Worst case: {speed:.1f}x faster per node than {peer}; "
                    f"<= half its memory per node: {memory:.2f} of it at worst; "
                    f"depth 10^6: {'>=' if deepest[ours][0] >= depth_cap else ''}{deepest[ours][0]:,} probed; "
                    f"zero cyclic garbage: {max(garbage[g, ours] for g in GRAPHS)} objects."]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer runs")
    parser.add_argument("--processes", type=int, default=1, metavar="N",
                        help="time in N fresh processes and pool their runs (the README's figures: 3)")
    parser.add_argument("--probe", nargs=2, metavar=("ENGINE", "DEPTH"), help=argparse.SUPPRESS)
    parser.add_argument("--timings", metavar="SIZES", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.probe:
        probe(args.probe[0], int(args.probe[1]))
        return
    if args.timings:  # one process of a pooled run: raw timings as JSON
        raw = in_big_thread(lambda: timings([tuple(size) for size in json.loads(args.timings)], ENGINES))
        print(json.dumps([[key, runs] for key, runs in raw.items()]))
        return
    sizes = [(graph, n, runs) for graph in GRAPHS for n, runs in SIZES["quick" if args.quick else "full"][graph]]
    if args.quick:
        print(run(sizes, memory_size=10**4, depth_cap=10**5, garbage_size=10**4, processes=args.processes))
    else:
        print(run(sizes, memory_size=10**5, depth_cap=10**6, garbage_size=10**4, processes=args.processes))


if __name__ == "__main__":
    main()
