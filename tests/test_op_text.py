"""Each operation's formula text: one local-derivative text per operand, every operand named."""

import math
import random
import re

import pytest

from autograd_lite import OPS, floatmath

ARITIES = {"wsum": (1, 3, 5), "logsumexp": (1, 2, 3)}


@pytest.mark.parametrize("name", sorted(OPS))
def test_describe_names_every_operand_once_per_local(name):
    op = OPS[name]
    for arity in ARITIES.get(name, (len(op.local),)):
        names = [f"v{i}" for i in range(arity)]
        formula, local = op.describe(names, "out")
        assert len(local) == arity
        assert all(n in formula for n in names)
        assert not formula.startswith((" ", "+")) and "  " not in formula


def test_weighted_sum_text():
    assert OPS["wsum"].describe(["b"], "z") == ("b", ("1",))
    formula, local = OPS["wsum"].describe(["w1", "w2", "a1", "a2", "b"], "z")
    assert formula == "w1*a1 + w2*a2 + b" and local == ("a1", "a2", "w1", "w2", "1")


def evaluate(text: str, operands: list[float], out: float) -> float:
    """A local-derivative text as a number: ^ is a power, [c] is 1 where c holds, ln and sign as usual."""
    names = {f"v{i}": x for i, x in enumerate(operands)} | {"out": out}
    expression = text.format(*[f"v{i}" for i in range(len(operands))], out="out").replace("^", "**")
    expression = re.sub(r"\[([^\]]*)\]", r"float(\1)", expression)
    return eval(expression, {"ln": math.log, "exp": math.exp, "sign": lambda x: float((x > 0) - (x < 0)),  # noqa: S307
                             "float": float, "__builtins__": {}}, names)


@pytest.mark.parametrize("name", sorted(OPS))
def test_each_local_text_is_what_the_code_computes(name):
    """The one text of each derivative, evaluated at random points, equals backward with grad = 1."""
    operation, rng = OPS[name], random.Random(name)
    for _ in range(200):
        arity = operation.arity or rng.choice(ARITIES[name])
        operands = [rng.uniform(0.1, 3.0) * rng.choice((1, -1)) for _ in range(arity)]
        if name in ("log", "sqrt", "**"):
            operands[0] = abs(operands[0])
        out = operation.forward(floatmath, *operands)
        local = operation.backward(floatmath, 1.0, out, *operands)
        _, texts = operation.describe([f"{{{i}}}" for i in range(arity)], "{out}")
        for text, value in zip(texts, local):
            assert evaluate(text, operands, out) == pytest.approx(value, rel=1e-12), (name, text, operands)


def test_the_float_and_array_namespaces_define_the_same_names():
    pytest.importorskip("numpy")
    from autograd_lite import arraymath

    public = {n for n in dir(floatmath) if not n.startswith("_") and n not in ("math", "annotations")}
    assert public <= set(dir(arraymath)), public - set(dir(arraymath))


def test_each_fixed_arity_matches_its_texts():
    for operation in OPS.values():
        assert operation.arity is None or operation.arity == len(operation.local), operation.name
        assert operation.__doc__ and "/d" in operation.__doc__  # it states its derivatives


def test_a_row_in_the_class_header_says_each_thing_once():
    """The header gives name and formulas; the symbol defaults to the name and the arity is read off forward."""
    from autograd_lite.ops import Operation

    class Cube(Operation, name="cube", expr="{0}^3", local=("3 * {0}^2",)):
        def forward(xp, a): return a * a * a
        def backward(xp, grad, out, a): return (grad * 3.0 * a * a,)

    class Halve(Cube, symbol="½"):  # what a header leaves out, the parent says
        def forward(xp, a, b): return a * b

    assert (Cube.name, Cube.symbol, Cube.arity, Cube.__doc__) == ("cube", "cube", 1, "out = a^3;  d/da = 3 * a^2.")
    assert (Halve.name, Halve.symbol, Halve.arity, Halve.expr) == ("cube", "½", 2, "{0}^3")
    assert OPS["sigmoid"].symbol == "σ" and OPS["exp"].symbol == "exp" and OPS["wsum"].arity is None
