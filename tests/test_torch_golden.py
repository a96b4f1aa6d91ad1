"""Every operation's value and gradient shares against PyTorch float64, to the bit, edge cases included.

The fixture tests/fixtures/torch_golden.json is written by tests/fixtures/make_torch_golden.py (which
needs torch); this test needs only the fixture. Non-finite numbers are stored as "nan", "inf", "-inf".
Each case holds PyTorch's gradients for several upstream gradients (0, +-inf, nan, tiny, huge, ...).

"To the bit" means the same float64, sign of zero and nan included. Where PyTorch itself computes
with other elementary functions than Python's `math` -- its vectorised exp, sqrt and tanh kernels --
the forward values may differ in the last place (`ULPS` says by how much, and the README states that
tolerance); the gradient formulas are then checked on PyTorch's own forward value, to the bit.
"""

from __future__ import annotations

import json
import math
import struct
from collections import defaultdict
from pathlib import Path

import pytest

from autograd_lite import OPS, Value, floatmath
from autograd_lite.value import apply

FIXTURE = Path(__file__).parent / "fixtures" / "torch_golden.json"
DATA = json.loads(FIXTURE.read_text())
CASES = DATA["cases"]
UPSTREAM = [float(g) for g in DATA["upstream"]]

#: Operations whose PyTorch forward uses its own exp / sqrt / tanh kernels: the greatest distance in
#: units in the last place allowed, measured on this fixture (every other operation: 0, bit for bit).
ULPS = {"exp": 1, "sqrt": 1, "tanh": 1}


def decode(v: float | str) -> float:
    return float(v)  # float() reads "nan", "inf" and "-inf"


def ordinal(x: float) -> int:
    """The float's position on the number line of float64 (adjacent floats differ by 1)."""
    n = struct.unpack("<q", struct.pack("<d", x))[0]
    return n if n >= 0 else -(n & 0x7FFFFFFFFFFFFFFF)


def close(got: float, want: float, ulps: int = 0) -> bool:
    """Bit for bit (nan is nan, a zero has the right sign), or within `ulps` units in the last place."""
    if math.isnan(want) or math.isnan(got):
        return math.isnan(want) and math.isnan(got)
    if ulps == 0 or math.isinf(want) or math.isinf(got):
        return struct.pack("<d", got) == struct.pack("<d", want)
    return abs(ordinal(got) - ordinal(want)) <= ulps


def by_op() -> dict[str, list[dict]]:
    groups = defaultdict(list)
    for c in CASES:
        groups[c["op"]].append(c)
    return groups


def test_fixture_covers_every_operation_and_upstream_gradient():
    # A new operation fails here until make_torch_golden.py gives it golden values.
    assert set(by_op()) == set(OPS)
    assert {0.0, 1.0, math.inf, -math.inf, 5e-324, 1e300} <= set(UPSTREAM) and any(map(math.isnan, UPSTREAM))
    assert all(len(c["grads"]) == len(UPSTREAM) for c in CASES)


def test_fixture_covers_the_edges():
    unary = [decode(c["operands"][0]) for c in by_op()["exp"]]
    assert {0.0, 710.0, -745.0, math.inf, -math.inf} <= set(unary) and any(math.isnan(x) for x in unary)
    assert any(math.copysign(1.0, x) < 0 for x in unary if x == 0.0)  # -0.0
    assert sum(1 < abs(decode(c["operands"][0])) < 20 for c in by_op()["tanh"]) >= 100
    assert sum(decode(c["operands"][0]) < -700 for c in by_op()["sigmoid"]) >= 100


@pytest.mark.parametrize("op", sorted(OPS))
def test_the_table_matches_torch(op):
    """forward (to `ULPS`) and each operand's share of every upstream gradient (to the bit)."""
    wrong, ulps = [], ULPS.get(op, 0)
    for c in by_op()[op]:
        operands = [decode(x) for x in c["operands"]]
        value = OPS[op].forward(floatmath, *operands)
        if not close(value, decode(c["value"]), ulps):
            wrong.append(f"{op}{tuple(operands)}: value {value!r}, torch {decode(c['value'])!r}")
        for g, want in zip(UPSTREAM, c["grads"]):
            shares = OPS[op].backward(floatmath, g, decode(c["value"]), *operands)
            if not all(close(s, decode(w)) for s, w in zip(shares, want)):
                wrong.append(f"{op}{tuple(operands)} upstream {g!r}: {list(shares)!r}, torch {want!r}")
    assert not wrong, f"{len(wrong)} cases differ from torch:\n" + "\n".join(wrong[:30])


@pytest.mark.parametrize("op", sorted(OPS))
def test_the_engine_matches_torch(op):
    """The same through Values and backward(grad): a leaf's grad is its share added to 0.0, so only the
    sign of a zero may differ (0.0 + -0.0 is 0.0, where torch hands the -0.0 over). Where the forward
    value differs from torch's in the last place (`ULPS`), the grads are the table's for our value."""
    wrong = []
    for c in by_op()[op]:
        operands = [decode(x) for x in c["operands"]]
        for g, want in zip(UPSTREAM, c["grads"]):
            leaves = [Value(x) for x in operands]
            out = apply(OPS[op], *leaves)
            out.backward(g)
            got = [leaf.grad for leaf in leaves]
            if not close(out.data, decode(c["value"])):
                want = OPS[op].backward(floatmath, g, out.data, *operands)
            want = [decode(w) + 0.0 for w in want]  # -0.0 + 0.0 is 0.0, as the leaf's accumulation
            if not all(close(x, w) for x, w in zip(got, want)):
                wrong.append(f"{op}{tuple(operands)} upstream {g!r}: engine {got!r}, torch {want!r}")
    assert not wrong, f"{len(wrong)} cases differ from torch:\n" + "\n".join(wrong[:30])


#: numpy's vectorised elementary functions (tanh, exp, pow) may differ from libm's by an ulp; these are
#: the greatest distances measured on this fixture, for values and for the gradient formulas.
ARRAY_ULPS = {"**": 2, "sigmoid": 8, "tanh": 1, "exp": 1, "sqrt": 1}


@pytest.mark.parametrize("op", sorted(OPS))
def test_the_array_namespace_matches_torch_too(op):
    """The batched replay evaluates the same table with numpy arrays (autograd_lite.arraymath). Its
    gradient formulas are fed torch's own forward value, so that a last-bit difference of numpy's
    tanh kernel is not amplified by 1 - tanh^2 near saturation and mistaken for a formula error."""
    np = pytest.importorskip("numpy")
    from autograd_lite import arraymath

    operation, wrong, ulps = OPS[op], [], ARRAY_ULPS.get(op, 0)
    groups = defaultdict(list)
    for c in by_op()[op]:
        groups[len(c["operands"])].append(c)
    for cases in groups.values():
        columns = [np.array([decode(c["operands"][i]) for c in cases]) for i in range(len(cases[0]["operands"]))]
        want = np.array([decode(c["value"]) for c in cases])
        for u, g in enumerate(UPSTREAM):
            with np.errstate(all="ignore"):
                out = np.broadcast_to(operation.forward(arraymath, *columns), columns[0].shape)
                shares = [np.broadcast_to(s, out.shape) for s in operation.backward(arraymath, np.full(out.shape, g),
                                                                                    want, *columns)]
            for j, c in enumerate(cases):
                got = [float(s[j]) for s in shares]
                if not close(float(out[j]), want[j], ulps) or not all(
                        close(x, decode(w), ulps) for x, w in zip(got, c["grads"][u])):
                    wrong.append(f"{op}{c['operands']} upstream {g!r}: arraymath {float(out[j])!r} {got!r}, "
                                 f"torch {c['value']!r} {c['grads'][u]!r}")
    assert not wrong, f"{len(wrong)} cases differ from torch:\n" + "\n".join(wrong[:30])


def test_close_accepts_only_what_it_should():
    # The comparison itself must be able to fail.
    assert close(math.nan, math.nan) and close(math.inf, math.inf) and close(-0.0, -0.0)
    assert not close(0.0, -0.0) and not close(1.0, 1.0 + 2 ** -52) and not close(0.0, math.nan)
    assert close(1.0, 1.0 + 2 ** -52, ulps=1) and not close(1.0, 1.0 + 2 ** -51, ulps=1)
    assert close(5e-324, -5e-324, ulps=2) and not close(math.inf, 1.7976931348623157e308, ulps=1)


def test_a_relu_after_a_nan_upstream_gradient_is_contained():
    # The bug this fixture's upstream gradients catch: 0 * nan = nan turned a whole MLP's grads to nan.
    x = Value(-1.0)
    x.relu().sqrt().backward()
    assert x.grad == 0.0
