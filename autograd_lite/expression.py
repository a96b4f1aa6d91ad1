"""A small expression language of the engine's operations, for the command line.

``tanh(x1*w1 + x2*w2 + b)`` with values for its variables becomes a graph of `Value` nodes:

- ``+ - * / **`` and unary ``-``: the `Value` operators;
- ``exp log tanh sigmoid relu sqrt abs`` called on one operand: the `Value` methods;
- numbers: constants (`Const`), as a number mixed into an operation in Python becomes one;
  ``-3`` is the constant -3, not the negation of 3;
- names: variables, each one leaf labelled with its name (shared where the name recurs).

So the graph is exactly what the same expression typed in Python builds: no second copy of any
mathematics. The text is parsed with Python's `ast` and only the syntax above is accepted: it is
never evaluated by Python, and anything else -- attribute access, subscripts, keywords, lambdas,
strings, comparisons -- is refused with an `ExpressionError` naming it and its column (1-based).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .value import Const, Value

#: The functions an expression may call: each a method of `Value`.
FUNCTIONS: dict[str, Callable[[Value], Value]] = {
    name: getattr(Value, name) for name in ("exp", "log", "tanh", "sigmoid", "relu", "sqrt", "abs")}
BINARY: dict[type[ast.operator], Callable[[Value, Value], Value]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
    ast.Pow: operator.pow}

# What a refused construct is called in the message (the rest by their ast class name).
_UNSUPPORTED = {
    ast.Attribute: "attribute access", ast.Subscript: "subscripts", ast.Lambda: "lambda", ast.Compare: "comparisons",
    ast.BoolOp: "and/or", ast.IfExp: "if/else", ast.Tuple: "tuples", ast.List: "lists", ast.Dict: "dicts",
    ast.Set: "sets", ast.ListComp: "comprehensions", ast.SetComp: "comprehensions", ast.DictComp: "comprehensions",
    ast.GeneratorExp: "comprehensions", ast.JoinedStr: "f-strings", ast.FormattedValue: "f-strings",
    ast.Starred: "*arguments",
    ast.NamedExpr: "assignment (:=)", ast.Await: "await", ast.Slice: "slices"}
_OPERATORS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
              ast.BitOr: "|", ast.BitXor: "^", ast.BitAnd: "&", ast.UAdd: "unary +", ast.Invert: "~", ast.Not: "not"}


class ExpressionError(ValueError):
    """An expression that is not one of the language, or values that do not fit it; the message
    names the problem and, where it has one, its column."""


@dataclass(frozen=True)
class Expression:
    """A checked expression: its text, its syntax tree and its variables in order of appearance."""

    text: str
    tree: ast.Expression
    variables: tuple[str, ...]

    def build(self, values: Mapping[str, Any], label: str = "") -> Value:
        """The graph of the expression with each variable a leaf holding ``values[name]``;
        the root labelled `label`. Every variable needs a value and every value a variable."""
        missing = [name for name in self.variables if name not in values]
        if missing:
            raise ExpressionError(f"no value given for {', '.join(missing)}")
        unused = [name for name in values if name not in self.variables]
        if unused:
            raise ExpressionError(f"{', '.join(unused)} given a value but not in the expression {self.text!r}")
        leaves = {name: Value(values[name], label=name) for name in self.variables}
        root = _evaluate(self.tree.body, leaves)
        if label:
            root.label = label
        return root


def parse(text: str) -> Expression:
    """Check `text` (one line) against the language and return it parsed; `ExpressionError` at the
    first (leftmost) problem."""
    if not isinstance(text, str):
        raise TypeError(f"parse() takes the expression as a str, got {type(text).__name__}")
    if not text.strip():
        raise ExpressionError("empty expression")
    if "\n" in text.strip() or "\r" in text.strip():
        raise ExpressionError("an expression is one line")
    # Python refuses an indented expression; columns count from the text as given.
    lead = len(text) - len(text.lstrip())
    line = text.strip()
    try:
        tree = ast.parse(line, mode="eval")
    except SyntaxError as e:
        where = "" if e.offset is None else " at the end" if e.offset == 0 else f" at column {e.offset + lead}"
        raise ExpressionError(f"syntax error{where}: {e.msg}") from None
    except (RecursionError, MemoryError):
        raise ExpressionError("expression nested too deeply for Python's parser") from None
    source = line.encode("utf-8")

    def column(byte_offset: int) -> int:  # 1-based, in characters: ast counts UTF-8 bytes
        return lead + len(source[:byte_offset].decode("utf-8", errors="replace")) + 1

    callees = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    problems: list[tuple[int, str | tuple[str, str]]] = []  # message, or (message, hint after the column)
    names: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if id(node) in callees:
                continue  # a function's name: its call checks it
            if node.id in FUNCTIONS:
                problems.append((node.col_offset, f"{node.id} is a function: call it as {node.id}(...)"))
            else:
                names[node.id] = min(node.col_offset, names.get(node.id, node.col_offset))
            continue
        problem = _problem(node, source)
        if problem is not None:
            problems.append(problem)
    if problems:
        offset, message = min(problems, key=lambda problem: problem[0])  # the leftmost
        what, hint = message if isinstance(message, tuple) else (message, "")
        raise ExpressionError(f"{what} at column {column(offset)}{hint}")
    return Expression(text, tree, tuple(sorted(names, key=names.get)))


def build(text: str, values: Mapping[str, Any], label: str = "") -> Value:
    """``parse(text).build(values, label)``: the graph of an expression."""
    return parse(text).build(values, label)


def _problem(node: ast.AST, source: bytes) -> tuple[int, str | tuple[str, str]] | None:
    """Where (a byte offset) `node` leaves the language and what to say; None when it is in it."""
    if isinstance(node, (ast.Expression, ast.Load, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.Pow, ast.USub,
                         ast.keyword)):
        return None  # a keyword is reported by its call
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
            try:
                float(node.value)
            except OverflowError:
                return node.col_offset, "number too large for a float (above 1.8e308)"
            return None
        return node.col_offset, f"only numbers and names are values, not {node.value!r}"
    if isinstance(node, ast.BinOp):
        if type(node.op) in BINARY:
            return None
        symbol = _OPERATORS.get(type(node.op), type(node.op).__name__)
        at = source.find(symbol.encode(), node.left.end_col_offset, node.right.col_offset)
        return (at if at >= 0 else node.col_offset), (f"unsupported operator {symbol!r}",
                                                        " (the operators are + - * / **)")
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.op, ast.USub):
            return None
        return node.col_offset, f"unsupported operator {_OPERATORS.get(type(node.op), 'unary')!r}"
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Attribute):
            return None  # reported as attribute access
        if not isinstance(node.func, ast.Name):
            return node.col_offset, f"unsupported syntax: only {', '.join(FUNCTIONS)} can be called"
        name = node.func.id
        if name not in FUNCTIONS:
            return node.col_offset, (f"unknown function {name!r}",
                                      f" (the functions are {', '.join(FUNCTIONS)})")
        if node.keywords:
            return node.keywords[0].col_offset, f"{name}() takes no keyword arguments"
        if len(node.args) != 1:
            return node.col_offset, f"{name}() takes one argument, got {len(node.args)}"
        return None
    if isinstance(node, ast.Attribute):  # at the attribute's name, after the dot
        return node.end_col_offset - len(node.attr.encode()), f"unsupported syntax: attribute access (.{node.attr})"
    if not hasattr(node, "col_offset"):
        return None  # the context or operator of a refused construct: the construct is reported
    return node.col_offset, f"unsupported syntax: {_UNSUPPORTED.get(type(node), type(node).__name__)}"


def _evaluate(body: ast.expr, leaves: dict[str, Value]) -> Value:
    """The Value of a checked tree, built bottom-up with an explicit stack (any depth the parser takes)."""
    done: dict[int, Value] = {}
    stack: list[tuple[ast.expr, bool]] = [(body, False)]
    while stack:
        node, children_done = stack.pop()
        if isinstance(node, ast.Constant):
            done[id(node)] = Const(node.value)
        elif isinstance(node, ast.Name):
            done[id(node)] = leaves[node.id]
        elif isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant):
            done[id(node)] = Const(-node.operand.value)  # -3 is a number, as in Python
        else:
            operands = [node.left, node.right] if isinstance(node, ast.BinOp) else (
                [node.operand] if isinstance(node, ast.UnaryOp) else node.args)
            if not children_done:
                stack.append((node, True))
                # popped last to first: the leftmost operand is built first, as Python evaluates
                stack.extend((child, False) for child in reversed(operands))
                continue
            values = [done.pop(id(child)) for child in operands]
            if isinstance(node, ast.BinOp):
                done[id(node)] = BINARY[type(node.op)](*values)
            elif isinstance(node, ast.UnaryOp):
                done[id(node)] = -values[0]
            else:
                done[id(node)] = FUNCTIONS[node.func.id](*values)
    return done[id(body)]
