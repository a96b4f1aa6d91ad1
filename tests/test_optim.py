"""nn.optim against PyTorch 2.13 float64, with or without torch installed; the optimisers' door checks.

tests/fixtures/optim_golden.json (written by tests/fixtures/make_optim_golden.py) holds torch.optim's
trajectories for every flag of every optimiser and clip_grad_norm_'s results: checked here without
torch. With torch installed, the same comparison also runs on a fresh gradient stream.
"""

from __future__ import annotations

import json
import math
import random
import sys
from pathlib import Path

import pytest

import nn
from autograd_lite import Value

FIXTURES = Path(__file__).parent / "fixtures"
GOLDEN = json.loads((FIXTURES / "optim_golden.json").read_text())
#: Both sides run the same float64 operations in the same order; a few ulps allow for a fused or
#: reordered operation on either side. Every bug the tests must catch is orders of magnitude larger.
RTOL = 1e-13


def label(case: dict) -> str:
    return f"{case['optimizer']}({', '.join(f'{k}={v}' for k, v in case['kwargs'].items())})"


def run(case: dict) -> list[list[float]]:
    """nn.optim's parameters after each step, fed the case's gradients."""
    params = [Value(p) for p in case["start"]]
    kwargs = {k: tuple(v) if k == "betas" else v for k, v in case["kwargs"].items()}
    opt = getattr(nn.optim, case["optimizer"])(params, **kwargs)
    after = []
    for grads in case["grads"]:
        for p, g in zip(params, grads):
            p.grad = g
        opt.step()
        after.append([p.data for p in params])
    return after


def assert_trajectories_agree(ours: list[list[float]], theirs: list[list[float]], what: str) -> None:
    for t, (a, b) in enumerate(zip(ours, theirs)):
        for i, (x, y) in enumerate(zip(a, b)):
            assert abs(x - y) <= RTOL * abs(y), f"{what}: parameter {i} after step {t + 1}: {x!r}, torch {y!r}"


@pytest.mark.parametrize("case", GOLDEN["cases"], ids=label)
def test_optimisers_follow_torchs_trajectories(case):
    assert_trajectories_agree(run(case), case["trajectory"], label(case))


@pytest.mark.parametrize("clip", GOLDEN["clip_grad_norm"], ids=lambda c: f"max_norm={c['max_norm']}")
def test_clip_grad_norm_matches_torch(clip):
    params = [Value(0.0) for _ in clip["grads"]]
    for p, g in zip(params, clip["grads"]):
        p.grad = g
    total = nn.optim.clip_grad_norm(params, clip["max_norm"])
    assert total == pytest.approx(clip["total_norm"], rel=RTOL)
    assert [p.grad for p in params] == pytest.approx(clip["clipped"], rel=RTOL)


def test_the_fixture_covers_every_optimiser_flag():
    flags = {(c["optimizer"], k) for c in GOLDEN["cases"] for k, v in c["kwargs"].items() if v}
    for flag in [("SGD", "momentum"), ("SGD", "dampening"), ("SGD", "nesterov"), ("SGD", "weight_decay"),
                 ("RMSprop", "centered"), ("RMSprop", "momentum"), ("Adam", "amsgrad"), ("Adam", "betas"),
                 ("Adam", "weight_decay"), ("AdamW", "weight_decay"), ("AdamW", "amsgrad")]:
        assert flag in flags
    assert GOLDEN["torch"] == "2.13.0" and min(c["max_norm"] for c in GOLDEN["clip_grad_norm"]) < min(
        math.hypot(*c["grads"]) for c in GOLDEN["clip_grad_norm"])  # one case clips


def test_with_torch_a_fresh_gradient_stream_agrees_too():
    torch = pytest.importorskip("torch")
    assert torch.__version__.split("+")[0] == GOLDEN["torch"]
    sys.path.insert(0, str(FIXTURES))
    try:
        import make_optim_golden as golden
    finally:
        sys.path.remove(str(FIXTURES))
    fresh = golden.document(seed=12345)
    for case in fresh["cases"]:
        assert_trajectories_agree(run(case), case["trajectory"], label(case))
    for clip in fresh["clip_grad_norm"]:
        params = [Value(0.0) for _ in clip["grads"]]
        for p, g in zip(params, clip["grads"]):
            p.grad = g
        assert nn.optim.clip_grad_norm(params, clip["max_norm"]) == pytest.approx(clip["total_norm"], rel=RTOL)
        assert [p.grad for p in params] == pytest.approx(clip["clipped"], rel=RTOL)


def test_the_committed_fixture_is_what_torch_gives_today():
    pytest.importorskip("torch")
    sys.path.insert(0, str(FIXTURES))
    try:
        import make_optim_golden as golden
    finally:
        sys.path.remove(str(FIXTURES))
    assert golden.document(seed=0) == GOLDEN


# -- the door -----------------------------------------------------------------------------------

def test_an_optimiser_takes_a_module_or_its_parameters():
    model = nn.MLP(2, [3, 1], seed=0)
    for make in (lambda: model, model.parameters):
        opt = nn.optim.SGD(make(), lr=0.1)
        assert opt.params == model.parameters()


@pytest.mark.parametrize("make", [lambda: 3, lambda: Value(1.0), lambda: None], ids=["int", "Value", "None"])
def test_a_non_iterable_says_pass_model_parameters(make):
    with pytest.raises(TypeError, match=r"e.g. model.parameters\(\)"):
        nn.optim.Adam(make())


@pytest.mark.parametrize("make, error, match", [
    (lambda ps: nn.optim.SGD(ps, lr="0.1"), TypeError, "learning rate must be a number, got '0.1' of type str"),
    (lambda ps: nn.optim.SGD(ps, lr=True), TypeError, "learning rate must be a number, got True"),
    (lambda ps: nn.optim.SGD(ps, lr=math.nan), ValueError, "invalid learning rate: nan"),
    (lambda ps: nn.optim.Adam(ps, lr=math.inf), ValueError, "invalid learning rate: inf"),
    (lambda ps: nn.optim.SGD(ps, lr=-0.1), ValueError, "invalid learning rate: -0.1"),
    (lambda ps: nn.optim.SGD(ps, momentum="0.9"), TypeError, "momentum value must be a number"),
    (lambda ps: nn.optim.SGD(ps, dampening=math.nan), ValueError, "invalid dampening value: nan"),
    (lambda ps: nn.optim.RMSprop(ps, alpha=None), TypeError, "alpha value must be a number"),
    (lambda ps: nn.optim.RMSprop(ps, eps=-1e-8), ValueError, "invalid epsilon value"),
    (lambda ps: nn.optim.Adam(ps, betas=(0.9, "0.999")), TypeError, "beta parameter at index 1 must be a number"),
    (lambda ps: nn.optim.Adam(ps, betas=(1.0, 0.999)), ValueError, "invalid beta parameter at index 0: 1.0"),
    (lambda ps: nn.optim.Adam(ps, betas=(0.9,)), ValueError, "betas must be a pair"),
    (lambda ps: nn.optim.AdamW(ps, weight_decay=math.nan), ValueError, "invalid weight_decay value: nan"),
    (lambda ps: nn.optim.clip_grad_norm(ps, "1"), TypeError, "max_norm must be a number"),
    (lambda ps: nn.optim.clip_grad_norm(ps, math.nan), ValueError, "invalid max_norm: nan"),
])
def test_bad_hyper_parameters_are_refused_by_name(make, error, match):
    with pytest.raises(error, match=match):
        make(nn.MLP(2, [1], seed=0).parameters())


def test_setting_a_bad_learning_rate_later_is_refused_too():
    opt = nn.optim.SGD(nn.MLP(2, [1], seed=0), lr=0.1)
    with pytest.raises(TypeError, match="learning rate"):
        opt.lr = "0.01"
    assert opt.lr == 0.1
    opt.lr = 1  # an int is a number: read as a float
    assert opt.lr == 1.0 and type(opt.lr) is float


# -- a step writes the Values' slots unchecked: what makes that safe ------------------------------

def _stepped(make, set_later=None, steps=2):
    """The data of two parameters after `steps` steps of the optimiser `make` builds, each fed the same
    gradients; `set_later(opt)` changes it after it is built."""
    params = [Value(0.5), Value(-1.25)]
    opt = make(params)
    if set_later:
        set_later(opt)
    for k in range(steps):
        opt.zero_grad()
        params[0].grad, params[1].grad = 0.3 + k, -0.7 * k
        opt.step()
    return [p.data for p in params]


@pytest.mark.parametrize("make, attribute, value", [
    (lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01), "momentum", 0.9),
    (lambda ps: nn.optim.SGD(ps, lr=0.1, weight_decay=1.0), "weight_decay", 1.0),
    (lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.5, dampening=0.25), "dampening", 0.25),
    (lambda ps: nn.optim.RMSprop(ps, alpha=0.5, momentum=0.5, centered=True), "alpha", 0.5),
    (lambda ps: nn.optim.Adam(ps, lr=0.1, betas=(0.5, 0.75), weight_decay=2.0), "betas", (0.5, 0.75)),
    (lambda ps: nn.optim.AdamW(ps, lr=0.1, eps=1e-3, weight_decay=0.5), "eps", 1e-3),
], ids=["momentum", "weight_decay", "dampening", "alpha", "betas", "eps"])
def test_a_hyper_parameter_set_later_as_another_kind_of_number_gives_the_same_floats(make, attribute, value):
    import numpy as np

    want = _stepped(make)
    as_numpy = tuple(map(np.float64, value)) if isinstance(value, tuple) else np.float64(value)
    got = _stepped(make, lambda opt: setattr(opt, attribute, as_numpy))
    assert got == want and all(type(x) is float for x in got)
    if value == 1.0:  # an int: the number the float arithmetic would have used
        assert _stepped(make, lambda opt: setattr(opt, attribute, 1)) == want


@pytest.mark.parametrize("make, attribute", [
    (lambda ps: nn.optim.SGD(ps, lr=0.1, momentum=0.9), "momentum"),
    (lambda ps: nn.optim.SGD(ps, lr=0.1), "weight_decay"),
    (lambda ps: nn.optim.RMSprop(ps), "eps"),
    (lambda ps: nn.optim.Adam(ps), "betas"),
])
@pytest.mark.parametrize("make_bad", [lambda: "0.9", lambda: Value(0.9), lambda: None], ids=["str", "Value", "None"])
def test_a_non_number_hyper_parameter_set_later_stops_the_first_step_before_it_writes(make, attribute, make_bad):
    """Before a step wrote its results unchecked, SGD's first step went through with momentum='0.9'
    (it only tests momentum != 0); now every step reads its hyper-parameters as floats first."""
    params = [Value(0.5), Value(-1.25)]
    opt, bad = make(params), make_bad()  # the Value made inside the test: none outlives it
    setattr(opt, attribute, (0.9, bad) if attribute == "betas" else bad)
    for p in params:
        p.grad = 0.5
    with pytest.raises(TypeError):
        opt.step()
    assert [p.data for p in params] == [0.5, -1.25] and opt.steps == 0


def test_a_loaded_state_is_read_as_floats():
    import numpy as np

    def make(ps):
        return nn.optim.Adam(ps, lr=0.1)

    params = [Value(0.5), Value(-1.25)]
    opt = make(params)
    for p in params:
        p.grad = 0.5
    opt.step()
    state = opt.state_dict()
    numpy_state = {"steps": state["steps"], "state": {k: [np.float64(x) for x in v] for k, v in state["state"].items()}}
    for saved in (state, numpy_state):
        again = make([Value(0.5), Value(-1.25)])
        again.load_state_dict(saved)
        assert again.state_dict() == state
        assert all(type(x) is float for v in again.state_dict()["state"].values() for x in v)
    with pytest.raises(TypeError, match="optimizer state 'exp_avg'"):
        make(params).load_state_dict({"steps": 1, "state": {"exp_avg": ["0.1", "0.2"]}})


def test_the_comparison_can_fail():
    """A gradient stream off by one part in a million gives another trajectory, and the check says so."""
    case = next(c for c in GOLDEN["cases"] if c["optimizer"] == "Adam")
    rng = random.Random(0)
    perturbed = dict(case, grads=[[g * (1 + 1e-6 * rng.random()) for g in step] for step in case["grads"]])
    with pytest.raises(AssertionError, match="after step"):
        assert_trajectories_agree(run(perturbed), case["trajectory"], "perturbed gradients")
