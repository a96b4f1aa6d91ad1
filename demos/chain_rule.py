"""Step through the backward pass of micrograd's neuron, o = tanh(x1*w1 + x2*w2 + b), and draw it.

    python demos/chain_rule.py [--out DIR]

Prints every chain-rule step and the stepper's table, and writes DIR/neuron_step3.svg and .png
(the graph halfway through, the current node highlighted) and DIR/neuron.svg and .png (after).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from autograd_lite import Value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("figures"), help="where to write the diagrams")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)

    x1, x2 = Value(2.0, label="x1"), Value(0.0, label="x2")
    w1, w2 = Value(-3.0, label="w1"), Value(1.0, label="w2")
    b = Value(6.8813735870195432, label="b")
    n = x1 * w1 + x2 * w2 + b
    n.label = "n"
    o = n.tanh()
    o.label = "o"

    s = o.backward_steps()
    print(repr(s), end="\n\n")
    print(s.step(3), end="\n\n")
    for ext in ("svg", "png"):
        print("wrote", s.draw().render(args.out / f"neuron_step3.{ext}"))
    print()
    print(s.run(), end="\n\n")
    print(repr(s), end="\n\n")
    for ext in ("svg", "png"):
        print("wrote", s.draw().render(args.out / f"neuron.{ext}"))


if __name__ == "__main__":
    main()
