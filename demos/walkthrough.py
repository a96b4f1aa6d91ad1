"""Watch backpropagation in the browser: two interactive walkthrough pages (`autograd_lite.walkthrough`).

    python demos/walkthrough.py [--out demo-output]

Writes into --out, each ONE self-contained HTML file (open it in any browser, offline):

- neuron_walkthrough.html  micrograd's neuron o = tanh(x1*w1 + x2*w2 + b), node by node: the forward
                           pass, then each chain-rule step with its numbers
- moons_walkthrough.html   the moons model MLP(2, [16, 16, 1]) on one moon point with its hinge loss,
                           stepped by neuron (or by layer, or node by node): the network view fills in
                           a[l]_j on the way forward and delta[l]_j = dL/dz[l]_j on the way back

Keys on the page: Left/Right step, Space plays, Home/End; #step=N in the address opens one moment.
"""

from __future__ import annotations

from pathlib import Path

from common import demo_parser, micrograd_neuron, output_dir

import nn
from autograd_lite import Walkthrough, walkthrough


def moons_walkthrough(seed: int = 0) -> Walkthrough:
    """The moons demo's model, untrained (the gradients of its first training step), on one moon point."""
    X, y = nn.make_moons(100, noise=0.1, seed=1, labels=(-1, 1))
    model = nn.MLP(2, [16, 16, 1], seed=seed)
    trace = model.trace(X[0])
    loss = nn.hinge([trace.output], [y[0]])
    loss.label = "L"
    return walkthrough(loss, granularity="neuron",
                       title=f"Backpropagation through MLP(2, [16, 16, 1]) at x = ({X[0][0]:.3f}, {X[0][1]:.3f}), "
                             f"y = {y[0]:g}, hinge loss")


def main(argv: list[str] | None = None) -> list[Path]:
    parser = demo_parser(__doc__, "the pages")
    args = parser.parse_args(argv)
    out = output_dir(args.out)
    neuron = walkthrough(micrograd_neuron(), title="micrograd's neuron: o = tanh(x1*w1 + x2*w2 + b)")
    pages = {"neuron_walkthrough.html": neuron, "moons_walkthrough.html": moons_walkthrough()}
    written = []
    for name, page in pages.items():
        path = page.save(out / name)
        print(f"wrote {path} ({path.stat().st_size // 1024} KB): {page!r}")
        written.append(path)
    print(f"open it in a browser, e.g. file://{written[0].resolve()}")
    return written


if __name__ == "__main__":
    main()
