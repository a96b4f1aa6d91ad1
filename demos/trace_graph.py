"""micrograd's neuron o = tanh(x1*w1 + x2*w2 + b): forward, backward, every node's value and gradient, the graph.

    python demos/trace_graph.py [--out demo-output] [--png]

Prints each node (data, grad) in the order backward visits them and writes DIR/neuron.svg (and .png
with --png): one box per Value (name | data | grad), one ellipse per operation.
"""

from __future__ import annotations

from pathlib import Path

from common import demo_parser, micrograd_neuron, output_dir

from autograd_lite import draw, topological_order
from autograd_lite.naming import node_names


def main(argv: list[str] | None = None) -> list[Path]:
    parser = demo_parser(__doc__, "the diagram")
    parser.add_argument("--png", action="store_true", help="also write neuron.png")
    args = parser.parse_args(argv)

    o = micrograd_neuron()
    o.backward()
    order = topological_order(o)
    names = node_names(order, o)
    print(f"o = tanh(x1*w1 + x2*w2 + b) = {o.data:.6f}\n")
    print(f"{'node':<6}{'op':<6}{'data':>11}{'grad do/dnode':>15}")
    for node in reversed(order):
        print(f"{names[node]:<6}{node.op:<6}{node.data:>11.6f}{node.grad:>15.6f}")
    diagram = draw(o)
    out = output_dir(args.out)
    paths = [diagram.render(out / f"neuron.{ext}") for ext in (("svg", "png") if args.png else ("svg",))]
    print()
    for path in paths:
        print("wrote", path)
    return paths


if __name__ == "__main__":
    main()
