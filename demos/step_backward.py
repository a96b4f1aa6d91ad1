"""Step through a backward pass one node at a time, as `Value.backward_steps()` does at the REPL.

    python demos/step_backward.py [--expression neuron|shared] [--out DIR] [--no-pause]

Each step applies the chain rule at one node: dL/dparent += dL/dnode * dnode/dparent. Run in a
terminal it waits for Enter between steps (q + Enter runs to the end); piped or in a test it does not.
With --out it also draws the graph halfway through (the current node orange, done ones green,
waiting ones grey) and at the end: DIR/steps_<expression>_halfway.svg and DIR/steps_<expression>_end.svg
(+ .png).

Expressions: "neuron" is micrograd's o = tanh(x1*w1 + x2*w2 + b); "shared" is micrograd's
f = (a*b) * (a + b) at a = -2, b = 3, where a and b are each used twice, so their gradients are
sums of two contributions (the "+=" of the chain rule, which the step text spells out).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

from common import demo_parser, micrograd_neuron, output_dir

from autograd_lite import BackwardStepper, Value


def shared_operands() -> Value:
    """f = (a*b) * (a + b): a and b each feed two nodes."""
    a, b = Value(-2.0, label="a"), Value(3.0, label="b")
    d = a * b
    d.label = "d"
    e = a + b
    e.label = "e"
    f = d * e
    f.label = "f"
    return f


EXPRESSIONS: dict[str, Callable[[], Value]] = {"neuron": micrograd_neuron, "shared": shared_operands}
TITLES = {"neuron": "tanh(x1*w1 + x2*w2 + b)", "shared": "(a*b) * (a + b)"}


def render(stepper: BackwardStepper, path: Path) -> None:
    diagram = stepper.draw()
    for ext in ("svg", "png"):
        print("wrote", diagram.render(path.with_suffix(f".{ext}")))
    print()


def main(argv: list[str] | None = None) -> BackwardStepper:
    parser = demo_parser(__doc__)
    parser.add_argument("--expression", choices=sorted(EXPRESSIONS), default="neuron",
                        help="what to differentiate (default: %(default)s)")
    parser.add_argument("--out", type=Path, help="also draw the graph halfway and at the end into this folder")
    parser.add_argument("--no-pause", action="store_true", help="do not wait for Enter between steps")
    args = parser.parse_args(argv)
    pause = sys.stdin.isatty() and not args.no_pause

    root = EXPRESSIONS[args.expression]()
    stepper = root.backward_steps()
    print(f"The backward pass of {root.label} = {TITLES[args.expression]}, one chain-rule step at a time.\n")
    print(repr(stepper), end="\n\n")
    halfway = (stepper.total + 1) // 2
    for step in stepper:
        print(step, end="\n\n")
        if args.out is not None and stepper.position == halfway:
            render(stepper, output_dir(args.out) / f"steps_{args.expression}_halfway")
        if pause and not stepper.done and input("[Enter] next step, q + Enter: to the end ").strip() == "q":
            pause = False
    print(repr(stepper), end="\n\n")
    if args.out is not None:
        render(stepper, output_dir(args.out) / f"steps_{args.expression}_end")
    return stepper


if __name__ == "__main__":
    main()
