"""Specialised code for each operation of the table, generated from the table's own methods.

In CPython a function call costs about as much as the arithmetic of a whole node, so the engine's
two hot paths -- building a node (``x * y``) and the chain-rule step at a node -- are generated
once per operation of fixed arity (one or two operands) instead of calling through ``forward`` and
``backward`` every time. Nothing is written twice: the bodies of ``Operation.forward`` and
``Operation.backward`` (`autograd_lite.ops`) are copied into two templates with Python's `ast`,
their parameters renamed, so the table stays the only place the mathematics is written:

- ``operation.apply(a, b)``: the node made from two Values or numbers (a float is folded into the
  node, kept in its operand slot until ``parents`` makes it a constant leaf; another real number
  becomes a constant leaf; anything else gives ``NotImplemented``, so Python reports an unsupported
  operand). `Value` binds it as the operator itself (``__mul__ = Mul.apply``): a method calling it
  would cost a second Python call per node. A one-operand ``apply`` is named after its operation
  (``def relu(a)``), so Python's messages about ``x.relu(3)`` name the method;
- ``operation.chain_rule(node)``: ``x_i.grad += share_i`` for each operand (a folded number has no
  grad to update), returning the shares: `autograd_lite.backward.general_chain_rule` unrolled.

Operations of any arity (wsum, logsumexp) keep the general versions. ``source(operation)`` returns
the generated text; it is registered with `linecache`, so tracebacks and ``inspect.getsource`` show
it. tests/test_specialise.py checks that both paths give bit-identical results.
"""

from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
from collections.abc import Callable, Iterable
from typing import Any

from . import floatmath
from .backward import general_chain_rule
from .modes import plain
from .ops import Operation

# `autograd_lite.value.node` builds every node; while operations are recorded and not checked (the
# thread's plain() mode, nearly always) the generated apply builds it itself, with the same lines.
_BUILD = """\
    if plain():
        out = new(Value)
        out._data = data
        out._grad = 0.0
        out.label = ""
        out.operation = {operation}
        out._a = a
{b}        out._sequence = next(sequence)
        return out
    return node({operation}, data, a{b_arg})
"""

_OPERAND = """\
    if type({x}) is Value:
        {x}_data = {x}._data
    elif type({x}) is float:  # a number: folded into the node
        {x}_data = {x}
    else:
        try:
            {x} = constant({x})
        except TypeError:
            return NotImplemented
        {x}_data = {x}._data
"""

_APPLY = {
    1: "def {name}(a):\n    a_data = a._data\n{forward}\n"
       + _BUILD.format(b="        out._b = None\n", b_arg="", operation="{operation}"),
    2: "def apply(a, b):\n" + _OPERAND.format(x="a") + _OPERAND.format(x="b") + "{forward}\n"
       + _BUILD.format(b="        out._b = b\n", b_arg=", b", operation="{operation}"),
}

_CHAIN_RULE = {
    1: """\
def chain_rule(node):
    a = node._a
{load}
{backward}
    a._grad += share0
    return (share0,)
""",
    2: """\
def chain_rule(node):
    a = node._a
    b = node._b
{load}
{backward}
    if type(a) is not float:
        a._grad += share0
    if type(b) is not float:
        b._grad += share1
    return (share0, share1)
""",
}


class _Rename(ast.NodeTransformer):
    def __init__(self, names: dict[str, str]) -> None:
        self.names = names

    def visit_Name(self, name: ast.Name) -> ast.Name:
        return ast.copy_location(ast.Name(self.names.get(name.id, "_" + name.id), name.ctx), name)


def _inline(method: Callable[..., Any], names: dict[str, str], results: list[str]) -> tuple[str, set[str]]:
    """The body of a table method as statements: parameters renamed by `names` (other local names
    get a leading underscore), and its final ``return`` assigned to `results` (one name, or one per
    element of a returned tuple). Also returns the parameters the body reads."""
    function = ast.parse(textwrap.dedent(inspect.getsource(method))).body[0]
    *body, last = [s for s in function.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
    if not isinstance(last, ast.Return) or any(isinstance(n, ast.Return) for s in body for n in ast.walk(s)):
        raise ValueError(f"{method.__qualname__}: only a body ending in its one return statement can be inlined")
    params = [a.arg for a in function.args.args]
    names = dict(zip(params, names.values())) | {"xp": "xp"}
    used = {n.id for s in function.body for n in ast.walk(s) if isinstance(n, ast.Name) and n.id in params}
    value = last.value
    if isinstance(value, ast.Tuple) and len(value.elts) == len(results):
        assigns = [ast.Assign([ast.Name(r, ast.Store())], e) for r, e in zip(results, value.elts)]
    elif len(results) > 1:  # a tuple made otherwise: unpack it
        target = ast.Tuple([ast.Name(r, ast.Store()) for r in results], ast.Store())
        assigns = [ast.Assign([target], value)]
    else:
        assigns = [ast.Assign([ast.Name(results[0], ast.Store())], value)]
    module = ast.Module([_Rename(names).visit(s) for s in body + assigns], [])
    for statement in module.body:
        for n in ast.walk(statement):  # names of the results are ours: keep them as written
            if isinstance(n, ast.Name) and n.id.lstrip("_") in results and n.id.startswith("_"):
                n.id = n.id[1:]
    ast.fix_missing_locations(module)
    return textwrap.indent(ast.unparse(module), "    "), {names[p] for p in used}


def _forward_source(operation: type[Operation]) -> str:
    n = operation.arity
    operands = ["a_data", "b_data"][:n]
    body, _ = _inline(operation.forward, dict(zip(["xp", *operands], ["xp", *operands])), ["data"])
    name = operation.name if operation.name.isidentifier() else "apply"
    return _APPLY[n].format(forward=body, name=name, operation=operation.__name__)


def _chain_rule_source(operation: type[Operation]) -> str:
    n = operation.arity
    operands = ["a_data", "b_data"][:n]
    params = ["xp", "grad", "out", *operands]
    body, used = _inline(operation.backward, dict(zip(params, params)), [f"share{i}" for i in range(n)])
    loads = {"grad": "grad = node._grad", "out": "out = node._data",
             "a_data": "a_data = a._data" if n == 1 else "a_data = a if type(a) is float else a._data",
             "b_data": "b_data = b if type(b) is float else b._data"}
    load = "\n".join("    " + line for name, line in loads.items() if name in used)
    return _CHAIN_RULE[n].format(load=load, backward=body)


def source(operation: type[Operation]) -> str:
    """The generated code of `operation`'s ``apply`` and ``chain_rule`` (fixed arity only)."""
    if operation.arity is None:
        raise ValueError(f"operation '{operation.name}' takes any number of operands: it is not specialised")
    return _forward_source(operation) + "\n\n" + _chain_rule_source(operation)


def _compile(text: str, filename: str, namespace: dict[str, Any]) -> dict[str, Any]:
    """The functions `text` defines, whose global names are looked up in `namespace` when they run."""
    linecache.cache[filename] = (len(text), None, text.splitlines(True), filename)  # for tracebacks
    defined: dict[str, Any] = {}
    exec(compile(text, filename, "exec"), namespace, defined)  # noqa: S102 - our own source, made from the table
    return defined


def install(operations: Iterable[type[Operation]], namespace: dict[str, Any]) -> None:
    """Give every operation its ``apply`` and ``chain_rule``: generated for one and two operands,
    the general versions for any other number.

    `namespace` holds the global names of the generated code; install adds its own (``xp``,
    ``plain``, ``new`` and the operations by class name), and the caller the engine's: ``Value``,
    ``constant``, ``node``, ``sequence`` and ``general_apply``. It may add them after this call
    (Python looks a function's global names up when it runs), so that `Value` can bind the
    generated code as its operators.
    """
    operations = list(operations)
    namespace.update({"xp": floatmath, "plain": plain, "new": object.__new__},
                     **{operation.__name__: operation for operation in operations})
    for operation in operations:
        filename = f"<autograd_lite.specialise: {operation.__name__}>"
        if operation.arity is None:
            text = f"def apply(*operands):\n    return general_apply({operation.__name__}, *operands)\n"
            operation.apply = _compile(text, filename, namespace)["apply"]
            operation.chain_rule = general_chain_rule
            continue
        apply, chain_rule = _compile(source(operation), filename, namespace).values()  # as `source` orders them
        apply.__doc__ = operation.__doc__  # help(Value.relu) states the mathematics
        operation.apply = apply
        operation.chain_rule = chain_rule
