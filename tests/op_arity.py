"""How many operands an operation of the table takes, for tests that build random graphs."""

from hypothesis import strategies as st

from autograd_lite import OPS


def operand_counts(name: str, min_terms: int = 0) -> st.SearchStrategy[int]:
    """Operand counts to draw for operation `name`: its fixed arity (one local derivative per
    operand), or for an n-ary operation a range (wsum: 2 * terms + 1 operands, terms >= min_terms)."""
    if name == "wsum":
        return st.integers(min_terms, 3).map(lambda terms: 2 * terms + 1)
    if name == "logsumexp":
        return st.integers(1, 4)
    arity = OPS[name].arity
    assert arity, f"operation {name!r} has no fixed arity: give it a range here"
    return st.just(arity)
