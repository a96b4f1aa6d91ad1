"""Neuron, Layer, MLP: structure, textbook labels, parameters by name, state, initialisation, trace."""

import importlib
import math
import random
import statistics

import pytest

import nn
from autograd_lite import Value, no_grad


def test_micrograd_structure_and_outputs():
    model = nn.MLP(2, [3, 1], seed=0)
    assert (model.nin, model.sizes, len(model.layers)) == (2, [3, 1], 2)
    assert len(model.layers[0].neurons) == 3 and len(model.layers[0].neurons[1].w) == 2
    assert isinstance(model.layers[1].neurons[0].b, Value)
    out = model([1.0, -2.0])
    assert isinstance(out, Value)
    many = nn.MLP(2, [3, 4], seed=0)([1.0, -2.0])
    assert isinstance(many, list) and len(many) == 4
    assert (model.activation, model.output_activation) == ("relu", "linear")
    assert [layer.activation for layer in model.layers] == ["relu", "linear"]


def test_textbook_labels():
    model = nn.MLP(3, [4, 12, 1], activation="tanh", output_activation="sigmoid", seed=0)
    n = model.layers[1].neurons[0]
    assert n.w[2].label == "w[2]_1,3" and n.b.label == "b[2]_1"  # a 12-wide layer: every label separates
    assert model.layers[2].neurons[0].w[11].label == "w[3]_1,12"
    t = model.trace([0.1, 0.2, 0.3])
    assert [v.label for v in t.inputs] == ["a[0]_1", "a[0]_2", "a[0]_3"]
    assert t.z[0][1].label == "z[1]_2" and t.a[0][1].label == "a[1]_2"
    assert t.output.label == "a[3]_1"
    small = nn.MLP(3, [4, 1], seed=0)
    assert small.layers[0].neurons[1].w[2].label == "w[1]_23"  # all indices one digit: no separator


def test_two_digit_indices_are_separated_everywhere_in_the_model():
    model = nn.MLP(2, [16, 16, 1], seed=0)  # the moons model: w[3]_1,9 next to w[3]_1,10, never w[3]_19
    labels = [p.label for p in model.parameters()]
    assert [v.label for v in model.layers[2].neurons[0].w[8:10]] == ["w[3]_1,9", "w[3]_1,10"]
    assert model.layers[0].neurons[0].w[1].label == "w[1]_1,2" and "w[1]_12" not in labels
    assert len(set(labels)) == len(labels)
    t = model.trace([0.5, -1.0])
    assert [v.label for v in t.inputs] == ["a[0]_1", "a[0]_2"] and t.a(3, 1).label == "z[3]_1"
    layer = nn.Layer(12, 3, seed=0, l=2)  # alone, a layer's own widths decide
    assert layer.neurons[0].w[1].label == "w[2]_1,2" and nn.Neuron(12, seed=0).w[0].label == "w[1]_1,1"


def test_pre_activation_is_one_weighted_sum_node_and_linear_a_is_z():
    model = nn.MLP(4, [3, 2], activation="relu", seed=0)
    t = model.trace([1.0, 2.0, 3.0, 4.0])
    z = t.z[0][0]
    assert z.op == "wsum" and len(z.parents) == 2 * 4 + 1
    assert t.a[0][0].op == "relu" and t.a[0][0].parents == (z,)
    assert t.a[1][0] is t.z[1][0] and t.z[1][0].label == "z[2]_1"
    assert z.parents[0] is model.layers[0].neurons[0].w[0] and z.parents[-1] is model.layers[0].neurons[0].b


def test_trace_deltas_are_the_z_grads():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    t = model.trace([0.5, -0.5])
    t.output.backward()
    assert t.deltas()[1] == [1.0]  # delta^L = dL/dz^L with L = z^L
    w = model.layers[1].neurons[0].w
    expected = [w[j].data * (1 - t.a[0][j].data ** 2) for j in range(3)]
    assert t.deltas()[0] == pytest.approx(expected, rel=1e-14)


def test_named_parameters_are_dotted_paths():
    model = nn.MLP(2, [3, 1], seed=0)
    names = dict(model.named_parameters())
    assert len(names) == 3 * 3 + 4 == len(model.parameters())
    assert names["layers.0.neurons.2.w.1"] is model.layers[0].neurons[2].w[1]
    assert names["layers.1.neurons.0.b"] is model.layers[1].neurons[0].b
    assert list(names)[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1", "layers.0.neurons.0.b"]


def test_a_modules_parameters_are_read_off_its_members():
    class Gate(nn.Module):  # a parameter, a module, a list of parameters and a list of modules
        def __init__(self):
            self.scale, self.inner = Value(2.0), nn.Neuron(2, seed=0)
            self.offsets, self.heads = [Value(0.1), Value(0.2)], [nn.Neuron(1, seed=1), nn.Neuron(1, seed=2)]

        def named_members(self):
            return (("scale", self.scale), ("inner", self.inner), ("offsets", self.offsets), ("heads", self.heads),
                    ("none", []))

    gate = Gate()
    names = dict(gate.named_parameters(prefix="gate."))
    assert list(names) == ["gate.scale", "gate.inner.w.0", "gate.inner.w.1", "gate.inner.b", "gate.offsets.0",
                           "gate.offsets.1", "gate.heads.0.w.0", "gate.heads.0.b", "gate.heads.1.w.0", "gate.heads.1.b"]
    assert list(names.values()) == gate.parameters()
    assert names["gate.heads.1.w.0"] is gate.heads[1].w[0] and names["gate.offsets.1"] is gate.offsets[1]
    with pytest.raises(NotImplementedError):
        nn.Module().parameters()


def test_zero_grad_and_state_dict_round_trip():
    a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
    a([1.0, 1.0]).backward()
    assert any(p.grad for p in a.parameters())
    a.zero_grad()
    assert all(p.grad == 0.0 for p in a.parameters())
    b.load_state_dict(a.state_dict())
    assert b.state_dict() == a.state_dict()


@pytest.mark.parametrize("change, error", [
    (lambda s: s.pop("layers.1.neurons.0.b"), "missing 1 parameter"),
    (lambda s: s.update({"layers.2.neurons.0.b": 1.0}), "unexpected 1 name"),
    (lambda s: s.update({"layers.0.neurons.0.b": math.nan}), "finite"),
    (lambda s: s.update({"layers.0.neurons.0.b": "1.0"}), "real number"),
])
def test_bad_state_raises_and_leaves_the_model_unchanged(change, error):
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    state = {k: 0.0 for k in before}
    change(state)
    with pytest.raises((ValueError, TypeError), match=error):
        model.load_state_dict(state)
    assert model.state_dict() == before


def test_layer_weights_round_trip_in_the_documents_layout():
    layer = nn.Layer(3, 2, activation="linear", seed=0)
    W, b = [[1, -2.5, 0.25], [4.0, 0.5, -1.0]], [0.5, -3]
    layer.set_weights(W, b)
    assert layer.neurons[1].w[0].data == 4.0 and layer.neurons[0].b.data == 0.5  # W[j][k] = w_jk
    assert layer.weights() == (W, b)
    assert all(type(v) is float for row in layer.weights()[0] for v in row)
    assert [a.data for a in layer([1.0, 2.0, 4.0])] == [-2.5, -2.0]  # z = W x + b
    other = nn.Layer(3, 2, seed=1)
    other.set_weights(*layer.weights())
    assert other.state_dict() == layer.state_dict()


@pytest.mark.parametrize("W, b, given", [
    ([[0.0, 0.0], [0.0, 0.0], [0.0, 0.0]], [0.0, 0.0], "got W 3x2 and b of length 2"),  # W^T
    ([[0.0, 0.0, 0.0], [0.0, 0.0]], [0.0, 0.0], r"got W rows of lengths \[3, 2\]"),
    ([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0]], [0.0], "got W 2x3 and b of length 1"),
])
def test_set_weights_names_the_expected_and_the_given_shape(W, b, given):
    layer = nn.Layer(3, 2, seed=0)
    before = layer.weights()
    with pytest.raises(ValueError, match=f"W must be 2x3 and b of length 2 .*{given}"):
        layer.set_weights(W, b)
    assert layer.weights() == before


GOOD_W = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]


@pytest.mark.parametrize("W, b, error, entry", [  # the bad entry comes last, where setting before checking would show
    (GOOD_W, [0.0, math.nan], ValueError, r"b\[1\] is nan"),
    (GOOD_W, [0.0, math.inf], ValueError, r"b\[1\] is inf"),
    (GOOD_W, [0.0, "1.0"], TypeError, r"b\[1\] must be a real number"),
    (GOOD_W, [0.0, True], TypeError, r"b\[1\] must be a real number"),
    ([[1.0, 2.0, 3.0], [4.0, 5.0, None]], [0.0, 0.0], TypeError, r"W\[1\]\[2\] must be a real number"),
])
def test_a_bad_entry_leaves_the_layer_unchanged(W, b, error, entry):
    layer = nn.Layer(3, 2, seed=0)
    before = layer.weights()
    with pytest.raises(error, match=entry):
        layer.set_weights(W, b)
    assert layer.weights() == before


def test_seed_is_reproducible_and_leaves_global_random_alone():
    random.seed(123)
    expected = random.random()
    random.seed(123)
    a, b = nn.MLP(3, [4, 1], seed=7), nn.MLP(3, [4, 1], seed=7)
    assert random.random() == expected
    assert a.state_dict() == b.state_dict() != nn.MLP(3, [4, 1], seed=8).state_dict()


@pytest.mark.parametrize("activation, init, std", [
    ("relu", None, math.sqrt(2 / 200)),                    # He: N(0, 2 / n_in)
    ("tanh", None, math.sqrt(6 / 300) / math.sqrt(3)),     # Xavier: U(+-sqrt(6 / (n_in + n_out)))
    ("relu", "uniform", 1 / math.sqrt(3)),                 # micrograd: U(-1, 1)
])
def test_initialisation_scales(activation, init, std):
    layer = nn.Layer(200, 100, activation=activation, init=init, seed=0)
    ws = [w.data for n in layer.neurons for w in n.w]
    assert statistics.pstdev(ws) == pytest.approx(std, rel=0.03)
    assert all(n.b.data == 0.0 for n in layer.neurons)


@pytest.mark.parametrize("make, error", [
    (lambda: nn.MLP(0, [1]), "nin must be a positive int"),
    (lambda: nn.MLP(2, []), "sizes must be a non-empty list"),
    (lambda: nn.MLP(2, [3, 0]), "positive int"),
    (lambda: nn.MLP(2, [1], activation="gelu"), "activation must be one of"),
    (lambda: nn.MLP(2, [1], init="normal"), "init must be None or one of"),
    (lambda: nn.MLP(2, [1], seed=1.5), "seed must be"),
    (lambda: nn.MLP(2, [1], seed=0)([1.0]), "takes 2 inputs, got 1"),
    (lambda: nn.MLP(2, [1], seed=0)(3.0), "takes a list of 2"),
    (lambda: nn.Layer(2, 3, seed=0)([1.0, 2.0, 3.0]), "takes 2 inputs, got 3"),
])
def test_bad_arguments_name_the_problem(make, error):
    with pytest.raises((ValueError, TypeError), match=error):
        make()


def test_neuron_and_layer_alone():
    n = nn.Neuron(2, activation="sigmoid", seed=0)
    out = n([1.0, 2.0])
    assert out.op == "sigmoid" and out.label == "a[1]_1" and [p.label for p in n.parameters()] == [
        "w[1]_11", "w[1]_12", "b[1]_1"]
    assert [name for name, _ in n.named_parameters()] == ["w.0", "w.1", "b"]
    assert len(nn.Layer(2, 3, seed=0)([1.0, 2.0])) == 3
    with no_grad():
        assert nn.MLP(2, [2, 1], seed=0)([1.0, 1.0]).parents == ()


def test_values_as_inputs_carry_gradients():
    x = [Value(1.0), Value(-1.0, label="x2")]
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    model(x).backward()
    assert x[0].grad != 0.0 and x[0].label == "" and x[1].label == "x2"


def test_torch_bridge_methods_delegate():
    model = nn.MLP(2, [3, 1], seed=0)
    try:
        importlib.import_module("nn.torch_bridge")  # written by the batched-replay helper
    except ImportError:
        with pytest.raises(ImportError):
            model.to_torch()
    else:
        torch = pytest.importorskip("torch")
        assert nn.MLP.from_torch(model.to_torch(torch.float64)).state_dict() == model.state_dict()


def test_a_neurons_activation_is_what_its_forward_pass_computes():
    neuron = nn.Neuron(2, activation="relu", seed=0)
    neuron.activation = "tanh"
    z, a = neuron.za([0.5, -1.0])
    assert a.op == "tanh" and a.parents == (z,) and a.data == math.tanh(z.data)
    neuron.activation = "linear"
    z, a = neuron.za([0.5, -1.0])
    assert a is z
    with pytest.raises(ValueError, match="activation"):
        neuron.activation = "softplus"


def test_layer_and_mlp_activations_are_read_off_the_neurons(tmp_path):
    model = nn.MLP(2, [3, 3, 1], seed=0)
    x = [0.5, -1.0]
    model.activation = "tanh"  # every hidden neuron, so the config, the file and the forward pass agree
    assert [n.activation for layer in model.layers[:2] for n in layer.neurons] == ["tanh"] * 6
    assert model.layers[2].activation == model.output_activation == "linear"
    assert model.config()["activation"] == "tanh" and "activation='tanh'" in repr(model)
    model.save(tmp_path / "m.json")
    assert nn.load(tmp_path / "m.json")(x).data == model(x).data
    for neuron in model.layers[1].neurons:  # neuron by neuron: the same, once all have changed
        neuron.activation = "sigmoid"
    assert model.layers[1].activation == "sigmoid"
    with pytest.raises(ValueError, match=r"hidden layers have different activations \['sigmoid', 'tanh'\]"):
        model.config()


def test_a_layer_whose_neurons_differ_has_no_activation_to_save_or_export(tmp_path):
    model = nn.MLP(2, [3, 1], seed=0)
    model.save(tmp_path / "m.json")
    before = (tmp_path / "m.json").read_text()
    model.layers[0].neurons[1].activation = "tanh"
    with pytest.raises(ValueError, match=r"neurons have different activations \['relu', 'tanh'\]"):
        _ = model.layers[0].activation
    with pytest.raises(ValueError, match="different activations"):
        model.save(tmp_path / "m.json")  # saved as relu, it would load as another network
    assert (tmp_path / "m.json").read_text() == before
    with pytest.raises(ValueError, match="different activations"):
        nn.equations.weights_of(model)
    assert "Layer(2, 3, activation=['relu', 'tanh'])" in repr(model)
    model.output_activation = "sigmoid"
    assert model([1.0, 2.0]).op == "sigmoid"


def test_textbook_accessors_return_the_node_their_label_names():
    model = nn.MLP(2, [3, 2], activation="tanh", seed=0)
    t = model.trace([0.5, -1.0])
    nn.mse([t.output], [[1.0, 0.0]]).backward()
    for l, layer in enumerate(model.layers, start=1):
        for j, neuron in enumerate(layer.neurons, start=1):
            assert model.b(l, j) is neuron.b and model.b(l, j).label == f"b[{l}]_{j}"
            assert t.z(l, j) is t.z[l - 1][j - 1] and t.z(l, j).label == f"z[{l}]_{j}"
            assert t.a(l, j) is t.a[l - 1][j - 1]
            assert t.delta(l, j) == t.z(l, j).grad == t.deltas()[l - 1][j - 1] != 0.0
            for k in range(1, len(neuron.w) + 1):
                assert model.w(l, j, k) is neuron.w[k - 1] and model.w(l, j, k).label == f"w[{l}]_{j}{k}"
    assert [t.a(0, k) for k in (1, 2)] == t.inputs and t.a(0, 2).label == "a[0]_2"
    assert t.a(1, 3).label == "a[1]_3" and t.a(2, 1) is t.z(2, 1)  # a linear layer's a is its z
    assert isinstance(t.a, list) and t.a[0] == [t.a(1, j) for j in (1, 2, 3)] and len(t.z) == 2  # still lists


@pytest.mark.parametrize("call, message", [
    (lambda m, t: m.w(0, 1, 1), r"w\(l, j, k\): the layer l must be 1\.\.2 .*got 0"),
    (lambda m, t: m.w(2, 3, 1), r"w\(l, j, k\): the neuron j of layer 2 must be 1\.\.2 .*got 3"),
    (lambda m, t: m.w(1, 1, 3), r"w\(l, j, k\): the input k of neuron \[1\]_1 must be 1\.\.2 .*got 3"),
    (lambda m, t: m.b(3, 1), r"b\(l, j\): the layer l must be 1\.\.2 .*got 3"),
    (lambda m, t: t.z(0, 1), r"z\(l, j\): the layer l must be 1\.\.2 .*got 0"),
    (lambda m, t: t.a(-1, 1), r"a\(l, j\): the layer l must be 0\.\.2 .*got -1"),
    (lambda m, t: t.a(0, 3), r"a\(l, j\): the input j of layer 0 must be 1\.\.2 .*got 3"),
    (lambda m, t: t.delta(1, 0), r"delta\(l, j\): the neuron j of layer 1 must be 1\.\.3 .*got 0"),
])
def test_textbook_accessors_name_the_valid_range(call, message):
    model = nn.MLP(2, [3, 2], seed=0)
    with pytest.raises(IndexError, match=message):
        call(model, model.trace([1.0, 2.0]))


def test_textbook_accessors_refuse_a_non_integer_index():
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"w\(l, j, k\): the layer l must be an int, got 1\.0"):
        model.w(1.0, 1, 1)
    with pytest.raises(TypeError, match="must be an int, got True"):
        model.trace([1.0, 2.0]).z(1, True)


@pytest.mark.parametrize("batch", [[[1, 2], [3, 4]], [(1.0, 2.0)], [[1, 2], [3, 4], [5, 6]]])
def test_a_batch_given_as_one_sample_says_what_to_do(batch):
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(TypeError, match=r"an MLP takes one sample \(a list of 2 numbers\), got a batch of "
                                        r"\d samples: use \[model\(x\) for x in X\] .*or nn\.fit"):
        model(batch)


def test_numpy_samples_are_samples():
    np = pytest.importorskip("numpy")
    model = nn.MLP(2, [3, 1], seed=0)
    x = np.array([0.5, -1.0])
    out = model(x)
    assert out.data == model([0.5, -1.0]).data and type(model.trace(x).inputs[0].data) is float
    with pytest.raises(TypeError, match="got a batch of 2 samples"):
        model(np.array([[0.5, -1.0], [1.0, 2.0]]))
    with pytest.raises(ValueError, match="takes 2 inputs, got 3"):
        model(np.zeros(3))


@pytest.mark.parametrize("loss, targets", [
    ("hinge", lambda y: y),
    ("mse", lambda y: [[t, -t] for t in y]),
    ("cross_entropy", lambda y: [[float(t > 0), float(t < 0)] for t in y]),
])
def test_numpy_arrays_train_as_lists_do(loss, targets):
    np = pytest.importorskip("numpy")
    X, y = nn.make_moons(12, noise=0.1, seed=1, labels=(-1, 1))
    y = targets(y)
    runs = []
    for X_, y_ in ((X, y), (np.array(X), np.array(y))):
        model = nn.MLP(2, [4, 1 if loss == "hinge" else 2], seed=0)
        runs.append((nn.fit(model, X_, y_, loss=loss, epochs=2, batch_size=5, seed=0, progress=False).loss,
                     model.state_dict()))
    assert runs[0] == runs[1]
