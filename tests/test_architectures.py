"""nn.Sequential, nn.Residual and nn.RNN: every gradient against PyTorch float64 (committed golden fixture,
and live when torch is installed), BPTT by hand, the batched replay, fit, save/load and the stepper."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

import nn
from autograd_lite import Value, draw, topological_order
from autograd_lite.naming import group_of
from nn.batched import BatchedTrainer
from nn.containers import as_list

FIXTURE = Path(__file__).parent / "fixtures" / "arch_golden.json"
TOL = 1e-12


def nn_run(model, x, upstream, h0=None) -> dict:
    """What `arch_oracle.torch_run` computes, with the scalar engine: L = sum(upstream * outputs)."""
    for p in model.parameters():
        p.grad = 0.0
    if isinstance(model, nn.RNN):
        xs = [[Value(v) for v in row] for row in x]
        h0v = None if h0 is None else [Value(v) for v in h0]
        outs = [h for step in model(xs, h0v) for h in step]
        ups = [u for row in upstream for u in row]
        inputs = [v for row in xs for v in row]
    else:
        xs = inputs = [Value(v) for v in x]
        h0v = None
        outs, ups = as_list(model(xs)), upstream
    loss = sum(u * o for u, o in zip(ups, outs))
    loss.backward()
    return {"outputs": [o.data for o in outs], "grads": {n: p.grad for n, p in model.named_parameters()},
            "dx": [v.grad for v in inputs], "dh0": None if h0v is None else [v.grad for v in h0v]}


def flat(x):
    return [v for row in x for v in row] if x and isinstance(x[0], list) else list(x)


def worst_difference(ours: dict, theirs: dict) -> float:
    """The largest |ours - theirs| over outputs, parameter gradients, dL/dx and dL/dh0."""
    pairs = list(zip(ours["outputs"], flat(theirs["outputs"])))
    assert len(pairs) == len(ours["outputs"]) == len(flat(theirs["outputs"]))
    assert ours["grads"].keys() == theirs["grads"].keys()
    pairs += [(ours["grads"][n], theirs["grads"][n]) for n in ours["grads"]]
    pairs += list(zip(ours["dx"], flat(theirs["dx"]), strict=True))
    if theirs["dh0"] is not None:
        pairs += list(zip(ours["dh0"], theirs["dh0"], strict=True))
    return max(abs(a - b) for a, b in pairs)


# -- PyTorch float64, from the committed fixture (no torch needed) --------------------------------------

def golden_cases() -> list[dict]:
    return json.loads(FIXTURE.read_text())["cases"]


def test_the_fixture_covers_both_kinds_with_random_shapes():
    cases = golden_cases()
    kinds = [c["kind"] for c in cases]
    assert kinds.count("residual") >= 30 and kinds.count("rnn") >= 30
    rnn = [c for c in cases if c["kind"] == "rnn"]
    assert len({len(c["x"]) for c in rnn}) >= 5 and any(c["h0"] for c in rnn) and any(c["h0"] is None for c in rnn)
    assert len({json.dumps(c["architecture"]) for c in cases}) >= 50


@pytest.mark.parametrize("kind", ["residual", "rnn"])
def test_every_gradient_equals_pytorch_float64_golden(kind):
    worst = 0.0
    for case in (c for c in golden_cases() if c["kind"] == kind):
        model = nn.architecture.build(case["architecture"])
        model.load_state_dict(case["state"])
        ours = nn_run(model, case["x"], case["upstream"], case["h0"])
        worst = max(worst, worst_difference(ours, case))
    assert worst < TOL


def test_a_planted_error_in_the_golden_comparison_is_seen():
    case = next(c for c in golden_cases() if c["kind"] == "rnn")
    model = nn.architecture.build(case["architecture"])
    model.load_state_dict(case["state"])
    model.W_hh[0][0].data += 1e-9  # a weight slightly off: the gradients must disagree
    assert worst_difference(nn_run(model, case["x"], case["upstream"], case["h0"]), case) > TOL


# -- PyTorch float64, live ---------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(6))
def test_every_gradient_equals_live_pytorch(seed):
    pytest.importorskip("torch", reason="PyTorch not installed (.venv/bin/python -m pip install torch==2.13.0)")
    from arch_oracle import random_residual_net, random_rnn, torch_run

    rng = random.Random(1000 + seed)
    net = random_residual_net(rng)
    x = [rng.gauss(0, 1.5) for _ in range(net[0].nin)]
    u = [rng.gauss(0, 1) for _ in range(len(net[-1].neurons))]
    theirs = torch_run(net, x, u)
    theirs["grads"] = dict(zip([n for n, _ in net.named_parameters()], theirs["grads"], strict=True))
    assert worst_difference(nn_run(net, x, u), theirs) < TOL
    rnn, T = random_rnn(rng)
    xs = [[rng.gauss(0, 1) for _ in range(rnn.nin)] for _ in range(T)]
    us = [[rng.gauss(0, 1) for _ in range(rnn.nhidden)] for _ in range(T)]
    h0 = [rng.gauss(0, 0.5) for _ in range(rnn.nhidden)] if seed % 2 else None
    theirs = torch_run(rnn, xs, us, h0)
    theirs["grads"] = dict(zip([n for n, _ in rnn.named_parameters()], theirs["grads"], strict=True))
    assert worst_difference(nn_run(rnn, xs, us, h0), theirs) < TOL


def test_to_torch_and_back_keeps_modules_and_weights():
    torch = pytest.importorskip("torch")
    net = nn.Sequential(nn.Layer(2, 3, "tanh", seed=0, l=1), nn.Residual(nn.Layer(3, 3, "sigmoid", seed=1, l=2)),
                        nn.Residual(nn.Sequential(nn.Layer(3, 4, "relu", seed=2, l=3),
                                                  nn.Layer(4, 3, "linear", seed=3, l=4))),
                        nn.Layer(3, 1, "linear", seed=4, l=5))
    seq = net.to_torch()
    assert isinstance(seq, torch.nn.Sequential) and type(seq[2]).__name__ == "Residual"
    assert all(p.dtype == torch.float64 for p in seq.parameters())
    back = nn.Sequential.from_torch(seq)
    assert repr(back) == repr(net) and back.state_dict() == net.state_dict()
    assert [p.label for p in back.parameters()] == [p.label for p in net.parameters()]
    rnn = nn.RNN(3, 4, seed=0)
    t_rnn = rnn.to_torch()
    assert isinstance(t_rnn, torch.nn.RNN) and (t_rnn.input_size, t_rnn.hidden_size) == (3, 4)
    assert nn.RNN.from_torch(t_rnn).state_dict() == rnn.state_dict()
    with pytest.raises(TypeError, match="is an nn.Sequential"):
        nn.RNN.from_torch(seq)

    class Double(nn.Module):  # a module nn does not know, with its own PyTorch equivalent
        def named_members(self):
            return ()

        def forward(self, x):
            return [2 * v for v in x]

        def to_torch(self, dtype=None):
            return torch.nn.Sequential(torch.nn.Identity(), torch.nn.Identity())

    assert len(nn.Sequential(nn.Layer(2, 2, seed=0), Double()).to_torch()) == 3  # Linear, ReLU, Double's


def test_from_torch_reads_pytorchs_own_rnn_with_two_biases():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    t_rnn = torch.nn.RNN(2, 3, dtype=torch.float64)  # bias_hh_l0 nonzero: nn's b is the sum of both
    x = [[0.5, -1.0], [0.25, 2.0]]
    want = t_rnn(torch.tensor(x, dtype=torch.float64))[0].tolist()
    got = [[h.data for h in step] for step in nn.RNN.from_torch(t_rnn)(x)]
    assert max(abs(a - b) for r, s in zip(got, want) for a, b in zip(r, s)) < TOL
    with pytest.raises(ValueError, match="one tanh layer"):
        nn.RNN.from_torch(torch.nn.RNN(2, 3, num_layers=2))


# -- BPTT by hand --------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", range(12))
def test_bptt_by_hand_equals_the_graph_for_every_weight(seed):
    rng = random.Random(seed)
    rnn = nn.RNN(rng.randint(1, 4), rng.randint(1, 5), seed=seed)
    T = rng.randint(1, 9)
    xs = [[rng.gauss(0, 1) for _ in range(rnn.nin)] for _ in range(T)]
    # The loss reads some states only (e.g. the last): dL/dh_t = 0 elsewhere, the rest arrives through time.
    dL_dh = [[rng.gauss(0, 1) if rng.random() < 0.5 or t == T - 1 else 0.0 for _ in range(rnn.nhidden)]
             for t in range(T)]
    h0 = [rng.gauss(0, 0.5) for _ in range(rnn.nhidden)] if seed % 2 else None
    ours = nn_run(rnn, xs, dL_dh, h0)
    hand = nn.bptt.of_model(rnn, xs, dL_dh, h0)
    by_hand = {f"W_xh.{j}.{k}": g for j, row in enumerate(hand.dW_xh) for k, g in enumerate(row)}
    by_hand |= {f"W_hh.{j}.{k}": g for j, row in enumerate(hand.dW_hh) for k, g in enumerate(row)}
    by_hand |= {f"b.{j}": g for j, g in enumerate(hand.db)}
    assert by_hand.keys() == ours["grads"].keys()
    assert max(abs(ours["grads"][n] - g) for n, g in by_hand.items()) < 1e-13
    assert max(abs(a - b) for a, b in zip(ours["dx"], flat(hand.dx), strict=True)) < 1e-13
    if h0 is not None:
        assert max(abs(a - b) for a, b in zip(ours["dh0"], hand.dh0, strict=True)) < 1e-13


def test_the_graphs_z_grads_are_the_deltas_through_time():
    rnn = nn.RNN(2, 3, seed=4)
    xs = [[0.5, -1.0], [0.3, 0.2], [1.0, 0.1], [-0.4, 0.7]]
    hs = rnn(xs)
    sum(hs[-1]).backward()  # the loss reads the last state only
    hand = nn.bptt.of_model(rnn, xs, [[0.0] * 3] * 3 + [[1.0] * 3])
    zs = [[h.parents[0] for h in step] for step in hs]
    assert [z.label for z in zs[1]] == ["z[2]_1", "z[2]_2", "z[2]_3"]
    assert max(abs(z.grad - d) for zt, dt in zip(zs, hand.delta) for z, d in zip(zt, dt)) < 1e-15
    assert max(abs(h.data - v) for ht, vt in zip(hs, hand.h) for h, v in zip(ht, vt)) < 1e-15


# -- the stepper: a shared weight's += per time step -----------------------------------------------------

def test_the_stepper_shows_one_accumulation_per_time_step_for_a_shared_weight():
    rnn = nn.RNN(1, 2, seed=0)
    T = 4
    hs = rnn([[0.5], [-1.0], [0.25], [1.0]])
    loss = sum(hs[-1])
    loss.label = "L"
    text = str(loss.backward_steps().run())
    lines = [line for line in text.splitlines() if line.startswith("  dL/dW_hh[1,2] +=")]
    assert len(lines) == T  # one += per step, t = T down to 1
    assert [line.split(" * ")[1].split(" = ")[0] for line in lines] == ["h[3]_2", "h[2]_2", "h[1]_2", "h[0]_2"]
    assert "(dL/dW_hh[1,2] = " not in lines[0] and all("(dL/dW_hh[1,2] = " in line for line in lines[1:])
    assert f"= {rnn.W_hh[0][1].grad:.4g})" in lines[-1]  # the running sum ends at the gradient
    assert "  delta[4]_1 = dL/dz[4]_1 = " in text


def test_rnn_labels_and_groups():
    rnn = nn.RNN(2, 2, seed=0)
    hs = rnn([[1.0, 2.0], [3.0, 4.0]])
    z = hs[1][0].parents[0]
    assert z.op == "wsum" and len(z.parents) == 2 * (2 + 2) + 1  # one node: W_xh row, W_hh row, x_t, h_(t-1), b
    assert [p.label for p in z.parents] == ["W_xh[1,1]", "W_xh[1,2]", "W_hh[1,1]", "W_hh[1,2]",
                                            "x[2]_1", "x[2]_2", "h[1]_1", "h[1]_2", "b[1]"]
    assert z.parents[2] is hs[0][0].parents[0].parents[2]  # W_hh[1,1]: the same leaf at every step
    assert z.label.grad_name == "delta[2]_1" and hs[1][0].label.role == "h"
    assert z.label.groups["time step"].title == "t = 2"
    source = draw(sum(hs[-1]), group="time step").source
    assert "t = 1" in source and "t = 2" in source and "cluster_g0" in source
    with pytest.raises(ValueError, match="no node of this graph is in a group"):
        draw(sum(hs[-1]), group="block")


# -- Sequential and Residual -------------------------------------------------------------------------------

def deep_residual(depth=4, width=3, activation="sigmoid", seed=0):
    return nn.Sequential(nn.Layer(2, width, activation, seed=seed, l=1),
                         *[nn.Residual(nn.Layer(width, width, activation, seed=seed + l, l=l))
                           for l in range(2, depth + 2)],
                         nn.Layer(width, 1, "linear", seed=seed, l=depth + 2))


def test_sequential_composes_layers_mlps_and_residual_blocks():
    net = nn.Sequential(nn.MLP(2, [3, 1], seed=0), nn.Layer(1, 2, "tanh", seed=1), nn.Residual(nn.Layer(2, 2, seed=2)))
    out = net([0.5, -0.5])  # the MLP's single Value goes on as a list of one
    assert isinstance(out, list) and len(out) == 2
    single = deep_residual()([0.1, 0.2])
    assert isinstance(single, Value) and single.label == "z[6]_1"  # one output: the Value, as an MLP
    mlp = nn.MLP(2, [4, 1], seed=3)
    same = nn.Sequential(*mlp.layers)
    assert same([0.3, 0.7]).data == mlp([0.3, 0.7]).data
    assert list(dict(net.named_parameters()))[:2] == ["0.layers.0.neurons.0.w.0", "0.layers.0.neurons.0.w.1"]
    assert "2.module.neurons.1.b" in dict(net.named_parameters())


def test_residual_output_is_input_plus_module_and_labelled():
    layer = nn.Layer(2, 2, "tanh", seed=0, l=3)
    x = [Value(0.5), Value(-1.0)]
    r = nn.Residual(layer)(x)
    assert [v.data for v in r] == [a.data + f.data for a, f in zip(x, layer(x))]
    assert [v.label for v in r] == ["r[3]_1", "r[3]_2"] and r[0].label.groups["layer"].title == "layer 3"
    r[0].backward()
    assert x[0].grad == 1.0 + layer.neurons[0].w[0].data * (1 - layer(x)[0].data ** 2)  # dr/dx = 1 + df/dx


def test_each_residual_block_is_a_group_of_the_diagrams():
    inner = nn.Residual(nn.Layer(3, 3, "tanh", seed=1, l=3))
    net = nn.Sequential(nn.Layer(2, 3, "tanh", seed=0, l=1), nn.Residual(nn.Layer(3, 3, "tanh", seed=1, l=2)),
                        nn.Residual(nn.Sequential(inner, nn.Layer(3, 3, "tanh", seed=2, l=4))),
                        nn.Layer(3, 1, "linear", seed=3, l=5))
    out = net([0.5, -1.0])
    blocks = {}
    for node in topological_order(out):
        group = group_of(node, "block")
        blocks.setdefault(group.title if group else None, set()).add(str(node.label))
    assert {"w[2]_11", "z[2]_1", "a[2]_1", "r[2]_1"} <= blocks["residual block 2"]
    assert {"w[3]_11", "z[3]_1", "r[3]_1"} <= blocks["residual block 3"]  # the inner block keeps its nodes
    assert {"z[4]_1", "r[4]_1"} <= blocks["residual block 4"] and "z[3]_1" not in blocks["residual block 4"]
    assert {"z[1]_1", "a[0]_1", "z[5]_1"} <= blocks[None]
    assert inner.module.neurons[0].w[0].label == "w[3]_11"  # the text is unchanged; the label only gained a group
    source = draw(out, group="block", collapse=True).source
    assert "residual block 2" in source and "residual block 4" in source


def test_sizes_are_checked_with_clear_errors():
    with pytest.raises(ValueError, match=r"maps 2 inputs to 3 outputs; the skip connection x \+ f\(x\)"):
        nn.Residual(nn.Layer(2, 3))
    with pytest.raises(ValueError, match="module 0 .* has 3 outputs but module 1 .* takes 2 inputs"):
        nn.Sequential(nn.Layer(2, 3), nn.Layer(2, 1))
    with pytest.raises(TypeError, match="must be an nn.Module"):
        nn.Sequential(nn.Layer(2, 3), lambda x: x)
    with pytest.raises(ValueError, match="at least one module"):
        nn.Sequential()

    class Shrink(nn.Module):  # says nothing of its widths: checked at the call
        def named_members(self):
            return ()

        def forward(self, x):
            return x[:1]

    with pytest.raises(ValueError, match="gave 1 outputs for 2 inputs"):
        nn.Residual(Shrink())([1.0, 2.0])


def test_rnn_refuses_bad_input_clearly():
    rnn = nn.RNN(2, 3, seed=0)
    with pytest.raises(ValueError, match="sample 1 of the sequence must hold 2 numbers or Values, got 3"):
        rnn([[1.0, 2.0], [1.0, 2.0, 3.0]])
    with pytest.raises(TypeError, match="sequence of T >= 1 samples"):
        rnn([])
    with pytest.raises(ValueError, match="h0 must hold 3"):
        rnn([[1.0, 2.0]], [0.0])
    with pytest.raises(TypeError, match="must be a real number"):
        rnn.set_weights([[1, 2]] * 3, [[0, 0, 0]] * 3, [0, 0, "x"])
    with pytest.raises(ValueError, match="nhidden must be a positive int"):
        nn.RNN(2, 0)


def test_state_dict_round_trip_and_names():
    rnn = nn.RNN(2, 3, seed=0)
    names = [n for n, _ in rnn.named_parameters()]
    assert names[:2] == ["W_xh.0.0", "W_xh.0.1"] and names[6:8] == ["W_hh.0.0", "W_hh.0.1"] and names[-1] == "b.2"
    assert len(names) == len(rnn.parameters()) == 2 * 3 + 3 * 3 + 3
    other = nn.RNN(2, 3, seed=1)
    other.load_state_dict(rnn.state_dict())
    assert other.state_dict() == rnn.state_dict()


# -- save / load ---------------------------------------------------------------------------------------------

def test_save_and_load_any_architecture(tmp_path):
    path = tmp_path / "net.json"
    for model in (deep_residual(), nn.RNN(2, 3, seed=0),
                  nn.Sequential(nn.Layer(2, 3, seed=0), nn.Residual(nn.MLP(3, [4, 3], seed=1)))):
        model.save(path)
        doc = json.loads(path.read_text())
        assert doc["format"] == "autograd_lite.nn.Module" and doc["architecture"]["type"] == type(model).__name__
        loaded = nn.load(path)
        assert repr(loaded) == repr(model) and loaded.state_dict() == model.state_dict()
        assert [p.label for p in loaded.parameters()] == [p.label for p in model.parameters()]
    fresh = nn.Sequential(nn.Layer(2, 3, seed=5), nn.Residual(nn.MLP(3, [4, 3], seed=6)))
    assert nn.load(path, into=fresh) is fresh and fresh.state_dict() == loaded.state_dict()
    wrong = nn.RNN(2, 4)
    before = wrong.state_dict()
    with pytest.raises(ValueError, match="cannot load .*it holds the architecture"):
        nn.load(path, into=wrong)
    assert wrong.state_dict() == before
    doc["architecture"]["modules"][0]["type"] = "Conv9d"
    path.write_text(json.dumps(doc))
    with pytest.raises(ValueError, match="unknown architecture 'Conv9d'"):
        nn.load(path)


# -- fit, and the batched replay ------------------------------------------------------------------------------

class Tagger(nn.Module):
    """An RNN with a linear readout at every step: one output per time step (what a loss can read)."""

    def __init__(self, nin, nhidden, seed):
        self.rnn = nn.RNN(nin, nhidden, seed=seed)
        self.readout = nn.Layer(nhidden, 1, "linear", seed=seed, l=1)

    def named_members(self):
        return (("rnn", self.rnn), ("readout", self.readout))

    def forward(self, xs):
        return [self.readout(h)[0] for h in self.rnn(xs)]


def scalar_loss_and_grads(model, loss, X, y):
    model.zero_grad()
    total = loss([model(x) for x in X], y)
    total.backward()
    return total.data, [p.grad for p in model.parameters()]


@pytest.mark.parametrize("which", ["residual", "rnn"])
def test_the_batched_replay_gives_the_scalar_engines_numbers(which):
    pytest.importorskip("numpy")
    rng = random.Random(7)
    if which == "residual":
        model = deep_residual(depth=3, activation="tanh", seed=3)
        X = [[rng.gauss(0, 1) for _ in range(2)] for _ in range(9)]
        y = [rng.gauss(0, 1) for _ in X]
    else:
        model = Tagger(2, 3, seed=3)
        X = [[[rng.gauss(0, 1) for _ in range(2)] for _ in range(5)] for _ in range(9)]  # 9 sequences, T = 5
        y = [[rng.gauss(0, 1) for _ in range(5)] for _ in X]
    want, want_grads = scalar_loss_and_grads(model, nn.mse, X, y)
    model.zero_grad()
    trainer = BatchedTrainer(model, nn.mse)
    got = trainer.loss_and_grads(X, y)
    assert abs(got - want) <= TOL * abs(want)
    assert max(abs(p.grad - g) / max(1.0, abs(g)) for p, g in zip(model.parameters(), want_grads)) < TOL
    outputs = trainer.outputs(X, y)
    with_graph = [as_list(model(x)) for x in X]
    assert max(abs(a - b.data) for row, out in zip(outputs, with_graph)
               for a, b in zip(row if isinstance(row, list) else [row], out)) < TOL


@pytest.mark.parametrize("engine", ["scalar", "batched"])
def test_fit_trains_residual_and_recurrent_models(engine):
    if engine == "batched":
        pytest.importorskip("numpy")
    rng = random.Random(0)
    X = [[rng.uniform(-1, 1), rng.uniform(-1, 1)] for _ in range(20)]
    y = [a * b for a, b in X]
    net = deep_residual(depth=2, activation="tanh", seed=1)
    history = nn.fit(net, X, y, loss="mse", epochs=30, progress=False, engine=engine, seed=0)
    assert history.loss[-1] < 0.5 * history.loss[0]
    seqs = [[[rng.uniform(-1, 1)] for _ in range(4)] for _ in range(12)]
    sums = [[sum(s[0] for s in seq[:t + 1]) for t in range(4)] for seq in seqs]  # the running sum
    tagger = Tagger(1, 4, seed=0)
    history = nn.fit(tagger, seqs, sums, loss="mse", epochs=30, progress=False, engine=engine, seed=0)
    assert history.loss[-1] < 0.5 * history.loss[0]


def test_gradcheck_serves_the_blocks_unchanged():
    """Finite differences through an RNN over its inputs and h0, and through a residual net over its inputs."""
    from autograd_lite import gradcheck

    rnn = nn.RNN(2, 3, seed=0)
    T = 4

    def last_state(*v):
        xs = [list(v[2 * t:2 * t + 2]) for t in range(T)]
        return sum(rnn(xs, list(v[2 * T:]))[-1])

    assert gradcheck(last_state, [0.1 * k - 0.5 for k in range(2 * T + 3)])
    net = deep_residual(depth=3, activation="tanh")
    assert gradcheck(lambda a, b: net([a, b]), [0.3, -0.7])
