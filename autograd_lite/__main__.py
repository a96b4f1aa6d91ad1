"""The command line: draw an expression's graph, or write its backward-pass walkthrough.

    python -m autograd_lite draw "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.8813735870195432 -o neuron.svg
    python -m autograd_lite walkthrough "tanh(x1*w1 + x2*w2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88137 -o neuron.html

The expression language is `autograd_lite.expression`'s. A mistake in what was typed (the
expression, a value, the output's extension) exits with status 2 and one line naming it; a failure
to write exits with status 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from .draw import DiagramTooLarge, draw
from .expression import FUNCTIONS, ExpressionError, parse
from .render import RenderError
from .value import Value

EPILOG = (f"EXPRESSION: numbers, names (the variables), + - * / ** and unary -, and the functions "
          f"{', '.join(FUNCTIONS)}; quote it for the shell. Each variable needs a NAME=VALUE. An expression "
          "starting with - goes after --, e.g. `draw -o f.svg -- \"-x*y\" x=1 y=2`.")


class UsageError(Exception):
    """A mistake in the command line: exit status 2."""


class Failure(Exception):
    """What was asked cannot be done here: exit status 1."""


def values(pairs: Sequence[str]) -> dict[str, float]:
    """``["x1=2", "w1=-3"]`` as ``{"x1": 2.0, "w1": -3.0}``; a `UsageError` names a malformed pair."""
    result: dict[str, float] = {}
    for pair in pairs:
        name, sep, number = pair.partition("=")
        name, number = name.strip(), number.strip()
        if not sep or not name.isidentifier():
            raise UsageError(f"expected NAME=VALUE, got {pair!r}")
        if name in result:
            raise UsageError(f"{name} is given a value twice")
        try:
            result[name] = float(number)
        except ValueError:
            raise UsageError(f"the value of {name} is not a number: {number!r}") from None
    return result


def graph(expression: str, pairs: Sequence[str], label: str = "") -> Value:
    """The graph of `expression` with the variables' values from ``NAME=VALUE`` `pairs`."""
    try:
        return parse(expression).build(values(pairs), label)
    except ExpressionError as e:
        raise UsageError(str(e)) from None


#: The formats `draw` writes, by the output's extension.
DRAW_FORMATS = (".svg", ".png", ".dot", ".gv")


def write_draw(root: Value, output: Path) -> None:
    """The diagram of `root` after ``backward()``, to `output` (its extension names the format)."""
    if output.suffix.lower() not in DRAW_FORMATS:
        raise UsageError(f"the output's extension names the format, one of {' '.join(DRAW_FORMATS)}; "
                         f"got {str(output)!r}")
    root.backward()
    try:
        draw(root).render(output)
    except DiagramTooLarge as e:
        raise UsageError(str(e)) from None


def write_walkthrough(root: Value, output: Path) -> None:
    """The walkthrough page of `root`'s forward and backward pass (`autograd_lite.walkthrough`), to `output`."""
    try:
        from .walkthrough import walkthrough
    except ModuleNotFoundError as e:
        if e.name != f"{__package__}.walkthrough":
            raise
        raise Failure("this version of autograd_lite has no walkthrough (autograd_lite/walkthrough.py)") from None
    walkthrough(root).save(output)


COMMANDS = {
    "draw": (write_draw, "write the graph, with every value and gradient, as a picture (.svg, .png) or DOT"),
    "walkthrough": (write_walkthrough, "write one self-contained HTML page stepping through the forward and "
                                       "backward pass"),
}


def parser() -> argparse.ArgumentParser:
    main = argparse.ArgumentParser(prog="python -m autograd_lite", description=__doc__.splitlines()[0],
                                   epilog=EPILOG)
    commands = main.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, (_, help_text) in COMMANDS.items():
        command = commands.add_parser(name, help=help_text, description=help_text, epilog=EPILOG)
        command.add_argument("expression", metavar="EXPRESSION", help='e.g. "tanh(x1*w1 + x2*w2 + b)"')
        command.add_argument("values", metavar="NAME=VALUE", nargs="*", help="a value for each variable, e.g. x1=2")
        command.add_argument("-o", "--output", type=Path, required=True, metavar="FILE", help="the file to write")
        command.add_argument("--label", default="", help="a label for the result (default: L in the pictures)")
    return main


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0, 1 a failure to write, 2 a usage mistake)."""
    args = parser().parse_args(argv)
    write, _ = COMMANDS[args.command]
    try:
        write(graph(args.expression, args.values, args.label), args.output)
    except UsageError as e:
        print(f"autograd_lite {args.command}: error: {e}", file=sys.stderr)
        return 2
    except (OSError, RenderError) as e:
        print(f"autograd_lite {args.command}: could not write {str(args.output)!r}: {e}", file=sys.stderr)
        return 1
    except Failure as e:
        print(f"autograd_lite {args.command}: {e}", file=sys.stderr)
        return 1
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
