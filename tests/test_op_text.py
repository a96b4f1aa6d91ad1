"""Each operation's formula text: one local-derivative text per operand, every operand named."""

import pytest

from autograd_lite import OPS

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
