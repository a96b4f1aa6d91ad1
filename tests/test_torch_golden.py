"""Every operation's value and local derivatives against PyTorch float64, edge cases included.

The fixture tests/fixtures/torch_golden.json is written by tests/fixtures/make_torch_golden.py (which
needs torch); this test needs only the fixture. Non-finite numbers are stored as "nan", "inf", "-inf".
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from pathlib import Path

import pytest

from autograd_lite import OPS, Value
from autograd_lite.value import apply

FIXTURE = Path(__file__).parent / "fixtures" / "torch_golden.json"
CASES = json.loads(FIXTURE.read_text())["cases"]
RTOL, ATOL = 1e-12, 1e-300

#: Cases where the engine deliberately differs from torch, with the engine's answer and why.
#: torch.sign(nan) is 0 (pytorch/pytorch#41245, open; numpy and IEEE give nan), so torch's
#: d|x|/dx = sign(x) is 0 at nan; the engine keeps nan, which anomaly detection and users can see.
TORCH_BUGS = {("abs", "nan"): (math.nan, [math.nan])}


def decode(v: float | str) -> float:
    return float(v)  # float() reads "nan", "inf" and "-inf"


def same(got: float, want: float) -> bool:
    """nan matches nan, inf matches inf of the same sign, finite numbers match to RTOL / ATOL."""
    if math.isnan(want) or math.isinf(want):
        return math.isnan(got) if math.isnan(want) else got == want
    return math.isfinite(got) and abs(got - want) <= ATOL + RTOL * abs(want)


def same_value(got: float, want: float) -> bool:
    """`same`, and a zero value has torch's sign. (Gradients may differ in the sign of a zero: the
    engine accumulates into 0.0, and 0.0 + -0.0 is 0.0, where torch hands over the -0.0 itself.)"""
    return same(got, want) and (want != 0.0 or math.copysign(1.0, got) == math.copysign(1.0, want))


def engine(op: str, operands: list[float]) -> tuple[float, list[float]]:
    leaves = [Value(x) for x in operands]
    out = apply(OPS[op], *leaves)
    out.backward()
    return out.data, [leaf.grad for leaf in leaves]


def by_op() -> dict[str, list[dict]]:
    groups = defaultdict(list)
    for c in CASES:
        groups[c["op"]].append(c)
    return groups


def test_fixture_covers_every_operation():
    # A new operation fails here until make_torch_golden.py gives it golden values.
    assert set(by_op()) == set(OPS)


def test_fixture_covers_the_edges():
    unary = [decode(c["operands"][0]) for c in by_op()["exp"]]
    assert {0.0, 710.0, -745.0, math.inf, -math.inf} <= set(unary) and any(math.isnan(x) for x in unary)
    assert any(math.copysign(1.0, x) < 0 for x in unary if x == 0.0)  # -0.0


@pytest.mark.parametrize("op", sorted(OPS))
def test_engine_matches_torch(op):
    wrong = []
    for c in by_op()[op]:
        operands = [decode(x) for x in c["operands"]]
        value, grads = engine(op, operands)
        want_value, want_grads = decode(c["value"]), [decode(g) for g in c["grads"]]
        want_value, want_grads = TORCH_BUGS.get((op, *map(str, c["operands"])), (want_value, want_grads))
        if not same_value(value, want_value) or not all(same(g, w) for g, w in zip(grads, want_grads)):
            wrong.append(f"{op}{tuple(operands)}: engine {value!r} {grads!r}, torch {want_value!r} {want_grads!r}")
    assert not wrong, f"{len(wrong)} cases differ from torch:\n" + "\n".join(wrong[:30])


def test_known_torch_bugs_are_still_in_the_fixture():
    # If torch fixes one, the exception above must go.
    for key, (_, grads) in TORCH_BUGS.items():
        (c,) = [c for c in CASES if (c["op"], *map(str, c["operands"])) == key]
        assert not all(same(decode(g), w) for g, w in zip(c["grads"], grads))


def test_same_accepts_only_what_it_should():
    # The comparison itself must be able to fail.
    assert same(math.nan, math.nan) and same(math.inf, math.inf) and same(1.0, 1.0 + 1e-15)
    assert not same(0.0, math.nan) and not same(-math.inf, math.inf) and not same(1.0, 1.0 + 1e-9)
    assert not same(math.nan, 1.0) and not same(math.inf, 1e308)
    assert same(0.0, -0.0) and not same_value(0.0, -0.0) and same_value(-0.0, -0.0)


@pytest.mark.parametrize("op", sorted(OPS))
def test_array_namespace_matches_torch_too(op):
    # The batched replay evaluates the same table with numpy arrays (autograd_lite.arraymath).
    np = pytest.importorskip("numpy")
    from autograd_lite import arraymath

    fn, wrong = OPS[op], []
    groups = defaultdict(list)
    for c in by_op()[op]:
        groups[len(c["operands"])].append(c)
    for cases in groups.values():
        columns = [np.array([decode(c["operands"][i]) for c in cases]) for i in range(len(cases[0]["operands"]))]
        with np.errstate(all="ignore"):
            out = np.broadcast_to(fn.forward(arraymath, *columns), columns[0].shape)
            local = [np.broadcast_to(g, out.shape) for g in fn.backward(arraymath, out, *columns)]
        for j, c in enumerate(cases):
            want_value, want_grads = decode(c["value"]), [decode(g) for g in c["grads"]]
            key = (op, *map(str, c["operands"]))
            want_value, want_grads = TORCH_BUGS.get(key, (want_value, want_grads))
            got_grads = [float(g[j]) for g in local]
            if not same_value(float(out[j]), want_value) or not all(same(g, w) for g, w in zip(got_grads, want_grads)):
                wrong.append(f"{key}: arraymath {float(out[j])!r} {got_grads!r}, torch {want_value!r} {want_grads!r}")
    assert not wrong, f"{len(wrong)} cases differ from torch:\n" + "\n".join(wrong[:30])
