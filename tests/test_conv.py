"""nn.Conv1d / nn.Conv2d: values and every gradient against PyTorch float64 (golden fixture, and live
torch when installed), shared weights' gradients as sums over positions, the batched replay against
the scalar engine, the PyTorch bridge, state and bad input."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from conv_oracle import random_case, torch_answers

import nn
from autograd_lite import Value, compile, draw, topological_order, weighted_sum
from autograd_lite.naming import group_of
from nn.module import Module

FIXTURE = Path(__file__).parent / "fixtures" / "conv_golden.json"
GOLDEN = json.loads(FIXTURE.read_text())
TOL = 1e-12


def flat(nested):
    return [v for item in nested for v in flat(item)] if isinstance(nested, list) else [nested]


def engine_answers(case: dict) -> dict:
    """What the engine gives for a case of tests/conv_oracle.py: z and the gradients of sum(r * z)."""
    conv = (nn.Conv1d if case["dims"] == 1 else nn.Conv2d)(
        case["in_channels"], case["out_channels"], tuple(case["kernel_size"]), tuple(case["stride"]),
        tuple(case["padding"]))
    conv.set_weights(case["weight"], case["bias"])
    x = [[Value(v) for v in row] for row in case["x"]] if case["dims"] == 1 else \
        [[[Value(v) for v in row] for row in channel] for channel in case["x"]]
    z = conv(x)
    weighted_sum(flat(z), flat(case["upstream"])).backward()
    return {"z": [v.data for v in flat(z)], "grad_weight": [w.grad for w in conv.weight],
            "grad_bias": [b.grad for b in conv.bias], "grad_x": [v.grad for v in flat(x)]}


def max_error(got: dict, want: dict) -> float:
    """The largest |engine - torch| over z and every gradient, relative to max(1, |torch|)."""
    errors = []
    for key, values in got.items():
        expected = flat(want[key])
        assert len(values) == len(expected), key
        errors += [abs(g - w) / max(1.0, abs(w)) for g, w in zip(values, expected)]
    return max(errors)


@pytest.mark.parametrize("index", range(len(GOLDEN["cases"])))
def test_values_and_every_gradient_match_the_torch_golden_fixture(index):
    case = GOLDEN["cases"][index]
    assert max_error(engine_answers(case), case) <= TOL


def test_the_fixture_covers_strides_paddings_and_both_dimensions():
    cases = GOLDEN["cases"]
    assert {c["dims"] for c in cases} == {1, 2}
    assert {s for c in cases for s in c["stride"]} >= {1, 2, 3}
    assert {p for c in cases for p in c["padding"]} >= {0, 1, 2}
    assert {c["in_channels"] for c in cases} >= {1, 2, 3} and {c["out_channels"] for c in cases} >= {1, 2, 3}


@pytest.mark.parametrize("dims", [1, 2])
def test_random_cases_match_live_torch(dims):
    pytest.importorskip("torch")
    rng = random.Random(f"live{dims}")
    for _ in range(25):
        case = random_case(rng, dims)
        assert max_error(engine_answers(case), torch_answers(case)) <= TOL, case


def test_a_shared_weights_gradient_is_the_sum_over_positions():
    """dL/dw[c,c',u,v] = sum over output positions (i, j) of delta[c,i,j] * x[c', s*i+u-p, s*j+v-p]:
    each position's weighted-sum node adds its share into the one shared leaf."""
    conv = nn.Conv2d(2, 3, kernel_size=(2, 3), stride=(2, 1), padding=(1, 0), seed=1)
    rng = random.Random(2)
    x = [[[rng.gauss(0, 1) for _ in range(5)] for _ in range(4)] for _ in range(2)]
    z = conv(x)
    L = sum((v.tanh() * rng.gauss(0, 1) for v in flat(z)), Value(0.0))
    L.backward()
    for c, c_in, u, v in [(0, 0, 0, 0), (2, 1, 1, 2), (1, 1, 0, 1)]:
        w = conv.weight[((c * 2 + c_in) * 2 + u) * 3 + v]
        assert w.label == f"w[{c},{c_in},{u},{v}]"
        terms = []
        for i, row in enumerate(z[c]):
            for j, node in enumerate(row):
                r, col = 2 * i + u - 1, j + v
                if 0 <= r < 4:  # a padded row contributes delta * 0
                    terms.append(node.grad * x[c_in][r][col])
                assert w in node.parents  # the same leaf at every position
        assert len(terms) > 1
        assert w.grad == pytest.approx(sum(terms), rel=TOL, abs=1e-15)
        assert conv.bias[c].grad == pytest.approx(sum(node.grad for node in flat(z[c])), rel=TOL)


def test_each_output_is_one_weighted_sum_node_labelled_by_position():
    conv = nn.Conv1d(2, 2, kernel_size=3, padding=1, seed=0)
    z = conv([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    node = z[1][0]
    assert node.op == "wsum" and node.label == "z[1,0]" and node.label.grad_name == "delta[1,0]"
    assert len(node.parents) == 2 * 6 + 1  # 6 weights, the patch (with the padding zero), the bias
    assert [p.label for p in node.parents[:6]] == ["w[1,0,0]", "w[1,0,1]", "w[1,0,2]", "w[1,1,0]", "w[1,1,1]",
                                                   "w[1,1,2]"]
    patch = node.parents[6:12]
    assert patch[0].is_constant and patch[0].data == 0.0  # x[0,-1]: padding
    assert [p.label for p in patch[1:3]] == ["x[0,0]", "x[0,1]"]
    assert node.parents[-1].label == "b[1]"
    assert group_of(node, "channel").title == "channel 1"
    assert nn.Conv2d(1, 1, 1, l=2)([[[0.0]]])[0][0][0].label == "z2[0,0,0]"


def test_flatten_and_activations_keep_order_labels_and_groups():
    z = nn.Conv2d(1, 2, 2, seed=0)([[[1.0, -2.0, 3.0], [0.5, 0.25, -1.0]]])
    a = nn.ReLU()(z)
    assert [[len(row) for row in channel] for channel in a] == [[2], [2]]
    assert a[1][0][1].label == "relu(z[1,0,1])" and a[1][0][1].data == max(0.0, z[1][0][1].data)
    assert group_of(a[1][0][1], "channel") == group_of(z[1][0][1], "channel")
    assert nn.Flatten()(a) == [a[0][0][0], a[0][0][1], a[1][0][0], a[1][0][1]]
    assert nn.Tanh()(z[0][0][0]).data == z[0][0][0].tanh().data
    assert nn.Sigmoid()(z)[1][0][0].data == z[1][0][0].sigmoid().data


class CNN(Module):
    """conv -> ReLU -> flatten -> linear layer of n_out, as the conv demo's model; n_features: the
    conv's number of outputs."""

    def __init__(self, conv, n_features: int, n_out: int) -> None:
        self.conv, self.layer = conv, nn.Layer(n_features, n_out, "linear", seed=0, l=2)

    def forward(self, x):
        return self.layer(nn.Flatten()(nn.ReLU()(self.conv(x))))

    def named_members(self):
        return (("conv", self.conv), ("layer", self.layer))


@pytest.mark.parametrize("dims", [1, 2])
def test_the_batched_replay_gives_the_scalar_engines_numbers(dims):
    np = pytest.importorskip("numpy")
    rng = random.Random(dims)
    conv = nn.Conv1d(2, 3, 3, stride=2, padding=1, seed=3) if dims == 1 else nn.Conv2d(2, 3, (2, 3), 1, (1, 0), seed=3)
    size = (6,) if dims == 1 else (4, 5)
    model = CNN(conv, 3 * (3 if dims == 1 else 5 * 3), 3)
    X = np.array([[rng.gauss(0, 1) for _ in range(2 * int(np.prod(size)))] for _ in range(7)]).reshape(7, 2, *size)
    y = [rng.randrange(3) for _ in range(7)]
    params = model.parameters()

    loss = nn.cross_entropy([model(x) for x in X.tolist()], y)
    loss.backward()
    want = [p.grad for p in params]
    model.zero_grad()
    from nn.batched import BatchedTrainer

    got_loss = BatchedTrainer(model, nn.cross_entropy).loss_and_grads(X, y)
    assert got_loss == pytest.approx(loss.data, rel=TOL)
    assert max(abs(p.grad - w) / max(1.0, abs(w)) for p, w in zip(params, want)) <= TOL

    # The conv block alone, compiled: per-sample gradients of sum(z) for weights and inputs.
    inputs = [Value(0.0) for _ in range(2 * int(np.prod(size)))]
    root = sum(flat(conv(np.array(inputs, dtype=object).reshape(2, *size).tolist())), Value(0.0))
    _, grads, input_grads = compile(root, inputs, conv.parameters()).gradients(X.reshape(7, -1))
    for sample, g, gx in zip(X.tolist(), grads, input_grads):
        x = [Value(v) for v in flat(sample)]
        conv.zero_grad()
        sum(flat(conv(np.array(x, dtype=object).reshape(2, *size).tolist())), Value(0.0)).backward()
        assert max(abs(p.grad - q) for p, q in zip(conv.parameters(), g)) <= TOL
        assert max(abs(v.grad - q) for v, q in zip(x, gx)) <= TOL


def test_fit_trains_a_cnn_with_both_engines_to_the_same_weights():
    np = pytest.importorskip("numpy")
    rng = random.Random(5)
    X = [[[[rng.gauss(0, 1) for _ in range(4)] for _ in range(4)]] for _ in range(12)]
    y = [rng.randrange(2) for _ in range(12)]
    models = []
    for engine in ("scalar", "batched"):
        model = CNN(nn.Conv2d(1, 2, 3, padding=1, seed=0), 2 * 4 * 4, 2)
        nn.fit(model, X, y, loss="cross_entropy", epochs=2, batch_size=5, seed=0, engine=engine, progress=False)
        models.append(np.array([p.data for p in model.parameters()]))
    assert np.allclose(models[0], models[1], rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("cls, x", [(nn.Conv1d, [[0.5, -1.0, 2.0, 0.25, 1.5]]),
                                    (nn.Conv2d, [[[0.5, -1.0, 2.0], [0.25, 1.5, -0.5], [1.0, 2.0, 3.0]]])])
def test_to_torch_and_from_torch_round_trip(cls, x):
    torch = pytest.importorskip("torch")
    conv = cls(1, 2, 2, stride=1, padding=1, seed=4)
    for b in conv.bias:
        b.data = 0.3
    t = conv.to_torch()
    assert type(t) is getattr(torch.nn, cls.__name__) and t.weight.dtype == torch.float64
    out = t(torch.tensor(x, dtype=torch.float64))  # unbatched (C, L) / (C, H, W)
    assert max(abs(a - b) for a, b in zip(flat(out.tolist()), (v.data for v in flat(conv(x))))) <= TOL
    seq = torch.nn.Sequential(t, nn.ReLU().to_torch(), nn.Flatten().to_torch())
    ours = [v.data for v in nn.Flatten()(nn.ReLU()(conv(x)))]
    assert max(abs(a - b) for a, b in zip(seq(torch.tensor(x, dtype=torch.float64)).tolist(), ours)) <= TOL
    back = cls.from_torch(t)
    assert back.state_dict() == conv.state_dict() and back.config() == conv.config()
    with pytest.raises(ValueError, match="dilation"):
        cls.from_torch(getattr(torch.nn, cls.__name__)(1, 1, 2, dilation=2, dtype=torch.float64))
    with pytest.raises(ValueError, match="bias=None"):
        cls.from_torch(getattr(torch.nn, cls.__name__)(1, 1, 2, bias=False, dtype=torch.float64))
    with pytest.raises(TypeError, match=f"takes a torch.nn.{cls.__name__}"):
        cls.from_torch(torch.nn.Linear(2, 2))


def test_parameters_state_dict_and_weights():
    conv = nn.Conv2d(2, 3, (1, 2), seed=0)
    assert len(conv.parameters()) == 3 * 2 * 1 * 2 + 3
    state = conv.state_dict()
    assert list(state)[:2] == ["weight.0", "weight.1"] and list(state)[-1] == "bias.2"
    other = nn.Conv2d(2, 3, (1, 2), seed=1)
    other.load_state_dict(state)
    assert other.state_dict() == state
    W, b = conv.weights()
    assert len(W) == 3 and len(W[0]) == 2 and len(W[0][0]) == 1 and len(W[0][0][0]) == 2 and len(b) == 3
    assert W[2][1][0][1] == conv.weight[-1].data
    with pytest.raises(ValueError, match=r"W must have shape \(3, 2, 1, 2\): W\[0, 1, 0\] has length 3"):
        conv.set_weights([[[[0, 0]], [[0, 0, 0]]]] * 3, [0, 0, 0])
    with pytest.raises(ValueError, match="finite"):
        conv.set_weights(W, [0.0, float("nan"), 0.0])
    assert conv.weights() == (W, b)  # unchanged after the refusals


@pytest.mark.parametrize("make", [lambda: nn.Conv1d(2, 3, 2, stride=2, padding=1, seed=0, l=1),
                                  lambda: nn.Conv2d(1, 2, (2, 3), stride=(1, 2), padding=(0, 1), seed=0)])
def test_the_json_document_round_trips_bit_for_bit(make):
    layer = make()  # made in the test: a module-level layer's Values would outlive it (test_value counts them)
    for p in layer.parameters():
        p.data = random.Random(str(p.label)).gauss(0, 1) / 3  # floats with all their digits
    doc = json.loads(json.dumps(layer.document()))
    config, state = type(layer).read_document(doc)
    assert config == layer.config() and state == layer.state_dict()
    again = type(layer).from_config(**config)
    again.load_state_dict(state)
    assert again.state_dict() == layer.state_dict() and repr(again) == repr(layer)


@pytest.mark.parametrize("edit, message", [
    (lambda d: d.update(in_channels=2.0), r"'in_channels' must be an int, got 2.0"),
    (lambda d: d.update(kernel_size=[2, True]), r"'kernel_size' must be an int or a list of ints"),
    (lambda d: d.update(out_channels=10 ** 6), r"weight must have shape \(1000000, 1, 2, 3\): weight has length 2"),
    (lambda d: d["weight"][1][0].pop(), r"weight\[1, 0\] has length 1"),
    (lambda d: d["bias"].__setitem__(0, "x"), r"bias\[0\] must be a real number"),
    (lambda d: d.update(l=-1), r"'l' must be null or an int >= 0"),
])
def test_a_bad_document_is_refused_before_anything_is_built(edit, message):
    doc = json.loads(json.dumps(nn.Conv2d(1, 2, (2, 3), seed=0).document()))
    edit(doc)
    with pytest.raises((ValueError, TypeError), match=message):
        nn.Conv2d.read_document(doc)


def test_the_grouped_diagram_boxes_each_layer():
    z = nn.Conv1d(1, 2, 2, seed=0)([[1.0, 2.0, 3.0]])
    root = sum(flat(z), Value(0.0))
    assert {group_of(n, "layer") for n in topological_order(root) if group_of(n, "layer")} == {
        group_of(z[0][0], "layer"), group_of(z[0][0].parents[2], "layer")}
    dot = draw(root, group="layer").source
    assert "cluster" in dot and "Conv1d" in dot


@pytest.mark.parametrize("call, message", [
    (lambda: nn.Conv2d(1, 1, 0), r"kernel_size must be an int >= 1 or a pair of them, got 0"),
    (lambda: nn.Conv1d(1, 1, (2, 2)), r"kernel_size must be an int >= 1, got \(2, 2\)"),
    (lambda: nn.Conv2d(1, 1, 2, padding=-1), r"padding must be an int >= 0"),
    (lambda: nn.Conv1d(0, 1, 2), r"in_channels must be an int >= 1"),
    (lambda: nn.Conv1d(2, 1, 2)([[1.0, 2.0]]), r"takes 2 input channel\(s\), got 1"),
    (lambda: nn.Conv2d(1, 1, 2)([[[1.0, 2.0], [1.0]]]), r"rows of equal length: x\[0, 1\] has length 1"),
    (lambda: nn.Conv2d(1, 1, 2)([[1.0, 2.0]]), r"input \[channel\]\[row\]\[column\]: x\[0, 0\] should be"),
    (lambda: nn.Conv1d(1, 1, 2)([[[1.0, 2.0]]]), r"x\[0, 0\] should be a number or a Value, got a list"),
    (lambda: nn.Conv1d(1, 1, 4)([[1.0, 2.0]]), r"needs an input of spatial size at least \(4,\), got \(2,\)"),
    (lambda: nn.Conv1d(1, 1, 1)([["a"]]), r"x\[0, 0\] should be a number or a Value, got a str"),
])
def test_bad_arguments_and_inputs_are_refused_by_name(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_stepper_shows_each_positions_share_adding_into_a_shared_weight():
    conv = nn.Conv1d(1, 1, 2, seed=0)
    z = conv([[1.0, 2.0, 3.0]])
    stepper = (z[0][0] + z[0][1]).backward_steps()
    texts = [str(stepper.step()) for _ in range(3)]
    # newest first: position 1's output was made after position 0's
    assert "dL/dw[0,0,0] += dL/dz[0,1] * x[0,1] = 1 * 2 = 2" in texts[1]
    assert "dL/dw[0,0,0] += dL/dz[0,0] * x[0,0] = 1 * 1 = 1   (dL/dw[0,0,0] = 2 + 1 = 3)" in texts[2]
    assert texts[2].splitlines()[1].strip() == "delta[0,0] = dL/dz[0,0] = 1"


def test_the_diagram_grouped_by_channel_boxes_each_output_channel():
    z = nn.Conv1d(1, 2, 2, seed=0)([[1.0, 2.0, 3.0]])
    root = sum(flat(z), Value(0.0))
    try:
        dot = draw(root, group="channel").source
    except ValueError as e:  # draw took only "neuron" and "layer" before any grouping name (the arch branch)
        pytest.skip(f"draw() does not take a model's own grouping yet: {e}")
    assert "channel 0" in dot and "channel 1" in dot and "input channel 0" in dot
    collapsed = draw(root, group="channel", collapse=True).source
    assert "w[0,0,1]" not in collapsed and "channel 1" in collapsed


def test_a_cnn_of_several_modules_saves_and_loads(tmp_path):
    import nn

    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, seed=0), nn.ReLU(), nn.Flatten(), nn.Layer(32, 3, seed=1))
    x = [[[0.1 * i - 0.05 * j for j in range(4)] for i in range(4)]]
    nn.serialization.save(model, tmp_path / "cnn.json")
    loaded = nn.load(tmp_path / "cnn.json")
    assert [v.data for v in loaded(x)] == [v.data for v in model(x)]
    assert [type(m).__name__ for m in loaded.modules] == ["Conv2d", "ReLU", "Flatten", "Layer"]


def test_a_cnn_goes_to_torch_and_back():
    torch = pytest.importorskip("torch")
    import nn
    from nn.torch_blocks import from_torch

    model = nn.Sequential(nn.Conv2d(1, 2, 3, padding=1, seed=0), nn.ReLU(), nn.Flatten(), nn.Layer(32, 3, seed=1))
    x = [[[0.1 * i - 0.05 * j for j in range(4)] for i in range(4)]]
    back = from_torch(model.to_torch())
    assert [type(m).__name__ for m in back.modules] == ["Conv2d", "ReLU", "Flatten", "Layer"]
    assert [v.data for v in back(x)] == pytest.approx([v.data for v in model(x)], rel=1e-15)
    assert torch.allclose(model.to_torch()(torch.tensor(x, dtype=torch.float64)),
                          torch.tensor([v.data for v in model(x)], dtype=torch.float64))
