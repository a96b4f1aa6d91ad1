"""nn.batched: batch loss and gradients by replay, against the scalar engine on the whole batch.

The first part uses the real nn (nn.MLP, nn.losses, nn.fit) and is skipped until nn is merged; the
second drives BatchedTrainer with a tiny stand-in model, so the caching and error paths are tested
now either way.
"""

import math
import random

import numpy as np
import pytest
from standin_mlp import StandIn

import nn
from autograd_lite import ReplayError, Value, logsumexp, no_grad, weighted_sum
from nn.batched import BatchedTrainer, batched_loss_and_grads

REL = 1e-12

real_nn = pytest.mark.skipif(not (hasattr(nn, "MLP") and hasattr(nn, "losses")),
                             reason="nn.MLP / nn.losses not written yet (the nn-lib branch); re-run after merging")


def scalar_loss_and_grads(model, loss, X, targets):
    """The scalar engine on the whole batch, plus each gradient's scale sum_i |dl_i/dp| / B (a sum
    over samples that cancels can only be as exact as adding its terms in another order)."""
    params = list(model.parameters())
    scale = np.zeros(len(params))
    for x, t in zip(X, targets):
        for p in params:
            p.grad = 0.0
        loss([model(np.asarray(x, dtype=float).tolist())], [t]).backward()
        scale += np.abs([p.grad for p in params]) / len(X)
    for p in params:
        p.grad = 0.0
    L = loss([model(np.asarray(x, dtype=float).tolist()) for x in X], list(targets))
    L.backward()
    grads = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    return L.data, np.array(grads), scale


def assert_matches_scalar(model, loss, X, targets, y_for_batched):
    want_loss, want, scale = scalar_loss_and_grads(model, loss, X, targets)
    got_loss = batched_loss_and_grads(model, loss, X, y_for_batched)
    got = np.array([p.grad for p in model.parameters()])
    assert got_loss == pytest.approx(want_loss, rel=REL, abs=1e-15)
    assert np.all(np.abs(got - want) <= REL * (np.abs(want) + scale) + 1e-300)


# -- against the real nn ---------------------------------------------------------------------------

@real_nn
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("loss_name", ["mse", "binary_cross_entropy", "hinge", "cross_entropy"])
@pytest.mark.parametrize("seed", [0, 1])
def test_random_mlps_and_losses_match_the_scalar_engine(activation, loss_name, seed):
    rng = random.Random(f"{activation}{loss_name}{seed}")
    nin = rng.randint(1, 4)
    n_out = {"mse": rng.randint(1, 3), "cross_entropy": rng.randint(2, 4)}.get(loss_name, 1)
    sizes = [rng.randint(1, 5) for _ in range(rng.randint(0, 2))] + [n_out]
    model = nn.MLP(nin, sizes, activation=activation, seed=seed)
    B = rng.randint(1, 12)
    X = np.array([[rng.gauss(0, 1) for _ in range(nin)] for _ in range(B)])
    if loss_name == "mse":
        y = np.array([[rng.gauss(0, 1) for _ in range(n_out)] for _ in range(B)])
        targets = [list(row) if n_out > 1 else row[0] for row in y.tolist()]
        y = y if n_out > 1 else y[:, 0]
    elif loss_name == "cross_entropy":
        targets = [rng.randrange(n_out) for _ in range(B)]
        y = np.array(targets)
    else:
        targets = [rng.choice([0.0, 1.0] if loss_name == "binary_cross_entropy" else [-1.0, 1.0]) for _ in range(B)]
        y = np.array(targets)
    assert_matches_scalar(model, getattr(nn.losses, loss_name), X, targets, y)


@real_nn
def test_fit_with_the_batched_engine_trains_like_the_scalar_one():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    y = (X[:, 0] * X[:, 1] > 0).astype(float) * 2 - 1
    final, accuracy = {}, {}
    for engine in ("scalar", "batched"):
        model = nn.MLP(2, [8, 8, 1], seed=3)
        history = nn.fit(model, X.tolist(), y.tolist(), loss=nn.losses.hinge, epochs=3, batch_size=16, seed=0,
                         optimizer=nn.optim.SGD(model.parameters(), lr=0.1), progress=False, engine=engine)
        final[engine] = np.array([p.data for p in model.parameters()])
        accuracy[engine] = history.accuracy
        assert history.accuracy[-1] == nn.accuracy(model, X.tolist(), y.tolist(), "hinge")
    assert np.allclose(final["batched"], final["scalar"], rtol=1e-9, atol=1e-12)
    assert accuracy["batched"] == accuracy["scalar"] and len(set(accuracy["scalar"])) > 1  # it learns


@real_nn
@pytest.mark.parametrize("activation, sizes", [("relu", [5, 3]), ("tanh", [4, 1])])
def test_outputs_are_the_scalar_models_outputs_for_every_sample(activation, sizes):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(300, 3))  # more than one replay's worth of samples
    model = nn.MLP(3, sizes, activation=activation, seed=6)
    loss = nn.losses.cross_entropy if sizes[-1] > 1 else nn.losses.mse
    y = rng.integers(0, sizes[-1], size=300) if sizes[-1] > 1 else rng.normal(size=300)
    got = BatchedTrainer(model, loss).outputs(X, y)
    with no_grad():
        want = [model(x) for x in X.tolist()]
    want = [[o.data for o in out] for out in want] if sizes[-1] > 1 else [out.data for out in want]
    assert len(got) == 300 and type(got[0]) is type(want[0])
    # A layer's weighted sums run as one matrix product: the same terms, added in BLAS's order.
    assert np.allclose(got, want, rtol=REL, atol=1e-15)


@real_nn
def test_loading_a_state_dict_in_place_is_seen_by_the_compiled_program():
    model, other = nn.MLP(3, [4, 2], seed=1), nn.MLP(3, [4, 2], seed=2)
    X, y = np.ones((5, 3)), np.array([0, 1, 1, 0, 1])
    trainer = BatchedTrainer(model, nn.losses.cross_entropy)
    first = trainer.loss_and_grads(X, y)
    model.load_state_dict(other.state_dict())
    assert trainer.loss_and_grads(X, y) == pytest.approx(
        batched_loss_and_grads(other, nn.losses.cross_entropy, X, y), rel=REL)
    assert first != trainer.loss_and_grads(X, y)


@real_nn
def test_an_nn_mlps_replaced_parameters_are_seen():
    model, X, y = nn.MLP(2, [3, 2], seed=4), np.ones((4, 2)), np.array([0, 1, 1, 0])
    trainer = BatchedTrainer(model, nn.losses.cross_entropy)
    trainer.loss_and_grads(X, y)
    (program,) = trainer._programs.values()
    model.layers[1].neurons[1].w[2] = Value(3.0)
    model.zero_grad()
    got = trainer.loss_and_grads(X, y)
    assert next(iter(trainer._programs.values())) is not program
    assert got == pytest.approx(scalar_loss_and_grads(model, nn.losses.cross_entropy, X, y.tolist())[0], rel=REL)


def _replace_w_item(model):
    model.layers[1].neurons[1].w[2] = Value(3.0)


def _replace_b(model):
    model.layers[0].neurons[0].b = Value(0.25)


def _replace_w_list(model):
    model.layers[0].neurons[2].w = [Value(0.5), Value(-0.5)]


def _replace_neuron(model):
    model.layers[1].neurons[0] = nn.Neuron(3, "linear", seed=9)


def _replace_layer(model):
    model.layers[0] = nn.Layer(2, 3, seed=8)


@real_nn
@pytest.mark.parametrize("replace", [_replace_w_item, _replace_b, _replace_w_list, _replace_neuron, _replace_layer],
                         ids=lambda f: f.__name__[1:])
def test_parameters_are_gathered_once_and_any_replacement_is_still_seen(replace, monkeypatch):
    """A step proves the parameters unchanged by comparing what each module holds with a record (a
    list comparison in C) instead of walking `parameters()`; every kind of replacement is seen."""
    model, X, y = nn.MLP(2, [3, 2], seed=4), np.ones((4, 2)), np.array([0, 1, 1, 0])
    trainer = BatchedTrainer(model, nn.losses.cross_entropy)
    trainer.loss_and_grads(X, y)
    (program,) = trainer._programs.values()
    calls = []
    walk = nn.Module.parameters
    monkeypatch.setattr(nn.Module, "parameters", lambda self: calls.append(self) or walk(self))
    model.zero_grad()
    calls.clear()
    trainer.loss_and_grads(X, y)
    assert calls == [] and next(iter(trainer._programs.values())) is program
    replace(model)
    model.zero_grad()
    got = trainer.loss_and_grads(X, y)
    assert calls and next(iter(trainer._programs.values())) is not program
    assert got == pytest.approx(scalar_loss_and_grads(model, nn.losses.cross_entropy, X, y.tolist())[0], rel=REL)


@real_nn
def test_a_module_with_its_own_parameters_is_asked_at_every_step():
    class Tied(nn.Module):  # its parameters() is not read off its members: no record can vouch for it
        def __init__(self):
            self.mlp = nn.MLP(2, [2, 1], seed=3)
            self.use_b = True

        def named_members(self):
            return (("mlp", self.mlp),)

        def parameters(self):
            return self.mlp.parameters() if self.use_b else self.mlp.parameters()[:-1]

        def forward(self, x):
            return self.mlp(x)

    model, X, y = Tied(), np.ones((3, 2)), np.zeros(3)
    trainer = BatchedTrainer(model, nn.losses.mse)
    trainer.loss_and_grads(X, y)
    (program,) = trainer._programs.values()
    model.use_b = False  # the output bias is no longer trained: a new program
    trainer.loss_and_grads(X, y)
    assert next(iter(trainer._programs.values())) is not program
    assert next(iter(trainer._programs.values())).replay.params == tuple(model.parameters())


# -- BatchedTrainer with a stand-in model (the smallest thing with the contract's shape) -----------

def mse(outputs, targets):
    per = [sum((o - t) ** 2 for o, t in zip(out, tgt)) / len(out) if isinstance(out, list) else (out - tgt) ** 2
           for out, tgt in zip(outputs, targets)]
    return sum(per) / len(per)


def soft_cross_entropy(logits, targets):
    """Cross-entropy with probability targets (a class index is not accepted: one-hot is required)."""
    per = [logsumexp(z) - sum(p * zj for p, zj in zip(t, z)) for z, t in zip(logits, targets)]
    return sum(per) / len(per)


def summed_mse(outputs, targets):
    return mse(outputs, targets) * len(outputs)


def test_stand_in_mse_and_class_targets_match_the_scalar_engine():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(9, 3))
    model = StandIn(3, [5, 2], "tanh")
    Y = rng.normal(size=(9, 2))
    assert_matches_scalar(model, mse, X, Y.tolist(), Y)
    classes = rng.integers(0, 2, size=9)
    trainer = BatchedTrainer(model, soft_cross_entropy, class_targets=True)
    want_loss, want, scale = scalar_loss_and_grads(model, soft_cross_entropy, X, np.eye(2)[classes].tolist())
    assert trainer.loss_and_grads(X, classes) == pytest.approx(want_loss, rel=REL)
    assert np.all(np.abs(np.array([p.grad for p in model.parameters()]) - want) <= REL * (np.abs(want) + scale))


def test_a_summing_loss_is_detected_and_summed():
    X, y = np.arange(8.0).reshape(4, 2), np.array([1.0, -1.0, 0.5, 2.0])
    model = StandIn(2, [3, 1], seed=4)
    assert_matches_scalar(model, summed_mse, X, y.tolist(), y)


def test_gradients_accumulate_and_the_program_is_reused_while_parameters_stay():
    model, X, y = StandIn(2, [3, 1], seed=5), np.ones((3, 2)), np.zeros(3)
    trainer = BatchedTrainer(model, mse)
    trainer.loss_and_grads(X, y)
    once = [p.grad for p in model.parameters()]
    (program,) = trainer._programs.values()
    trainer.loss_and_grads(X, y)
    assert [p.grad for p in model.parameters()] == [2 * g for g in once]
    assert next(iter(trainer._programs.values())) is program
    model.layers[0].neurons[0].w[0] = Value(0.3)  # a replaced parameter: compiled afresh
    trainer.loss_and_grads(X, y)
    assert next(iter(trainer._programs.values())) is not program


def test_a_model_of_another_shape_is_checked_through_parameters():
    class Wrapped:  # no .layers: only parameters() says which Values are trained
        def __init__(self):
            self.inner = StandIn(2, [2, 1], seed=10)

        def parameters(self):
            return self.inner.parameters()

        def __call__(self, x):
            return self.inner(x)

    model, X, y = Wrapped(), np.ones((2, 2)), np.zeros(2)
    trainer = BatchedTrainer(model, mse)
    trainer.loss_and_grads(X, y)
    (program,) = trainer._programs.values()
    trainer.loss_and_grads(X, y)
    assert next(iter(trainer._programs.values())) is program
    model.inner.layers[1].neurons[0].b = Value(5.0)
    assert trainer.loss_and_grads(X, y) == pytest.approx(scalar_loss_and_grads(model, mse, X, y.tolist())[0], rel=REL)
    assert next(iter(trainer._programs.values())) is not program


def test_a_trainer_reads_parameter_values_at_every_step_and_refuses_changed_activations():
    model, X, y = StandIn(2, [3, 1], seed=6), np.array([[1.0, -2.0], [0.5, 0.5]]), np.array([1.0, 0.0])
    trainer = BatchedTrainer(model, mse)
    before = trainer.loss_and_grads(X, y)
    for p in model.parameters():
        p.data *= 0.5  # an optimizer step: read at the next replay
    halved = trainer.loss_and_grads(X, y)
    assert halved == pytest.approx(scalar_loss_and_grads(model, mse, X, y.tolist())[0], rel=REL) and halved != before
    for n in model.layers[0].neurons:
        n.activation = "sigmoid"
    with pytest.raises(ReplayError, match="activations changed"):
        trainer.loss_and_grads(X, y)
    assert batched_loss_and_grads(model, mse, X, y) == pytest.approx(  # a fresh trace follows them
        scalar_loss_and_grads(model, mse, X, y.tolist())[0], rel=REL)


def test_works_under_no_grad_and_gives_the_same_numbers():
    model, X, y = StandIn(2, [2, 1], seed=7), np.array([[1.0, 2.0], [3.0, -1.0]]), np.array([0.5, 0.0])
    with no_grad():
        loss = BatchedTrainer(model, mse).loss_and_grads(X, y)
    assert loss == pytest.approx(scalar_loss_and_grads(model, mse, X, y.tolist())[0], rel=REL)


def test_a_model_that_branches_on_data_is_refused():
    class Branchy(StandIn):
        def __call__(self, x):
            out = super().__call__(x)
            return out.relu() if x[0].data > 0 else out.tanh()

    model = Branchy(1, [2, 1])
    with pytest.raises(ReplayError, match="structure depends on the data"):
        batched_loss_and_grads(model, mse, np.array([[1.0], [-1.0]]), np.zeros(2))


def test_a_loss_that_is_neither_mean_nor_sum_is_refused():
    def first_only(outputs, targets):
        return (outputs[0] - targets[0]) ** 2

    with pytest.raises(ReplayError, match="neither the mean nor the sum"):
        BatchedTrainer(StandIn(1, [1]), first_only).loss_and_grads(np.array([[1.0], [2.0]]), np.array([0.0, 5.0]))


@pytest.mark.parametrize("X, y, message", [
    (np.ones(3), np.ones(3), r"X must be a non-empty batch of samples, one row each .*; got shape \(3,\)"),
    ([[1.0], [1.0, 2.0]], np.ones(2), r"X must be a batch of samples of one shape"),
    (np.ones((3, 1)), np.ones(2), r"one target .* per sample: got shape \(2,\) for 3 samples"),
    (np.ones((2, 1)), np.array([0, 2]), r"class targets must be integers in 0\.\.1 \(the model has 2 outputs\), "
                                        r"got \[2\.0\]"),
    (np.ones((2, 1)), np.array([0.5, 1]), r"class targets must be integers"),
])
def test_bad_batches_are_named(X, y, message):
    with pytest.raises(ValueError, match=message):
        BatchedTrainer(StandIn(1, [2]), soft_cross_entropy, class_targets=True).loss_and_grads(X, y)


@real_nn
@pytest.mark.parametrize("loss_name, y, message", [
    ("hinge", [1.0, 0.0, -1.0], r"sample 1 of the batch: hinge\(\): target 0 is 0\.0; targets must be -1 or \+1"),
    ("binary_cross_entropy", [0.0, 1.0, 2.0], r"sample 2 of the batch: .*targets must be in \[0, 1\]"),
    ("mse", [0.0, float("nan"), 1.0], r"sample 1 of the batch: mse\(\): .* finite numbers"),
])
def test_targets_the_loss_refuses_are_refused_as_in_the_scalar_path(loss_name, y, message):
    model, loss = nn.MLP(2, [3, 1], seed=0), getattr(nn.losses, loss_name)
    with pytest.raises(ValueError, match=message):
        batched_loss_and_grads(model, loss, np.ones((3, 2)), np.array(y))
    with pytest.raises(ValueError):
        loss([model([1.0, 1.0]) for _ in y], y)  # the scalar path refuses them too


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="needs an nn model"):
        BatchedTrainer(object(), mse)
    with pytest.raises(TypeError, match="needs a loss function"):
        BatchedTrainer(StandIn(1, [1]), "mse")
    with pytest.raises(TypeError, match="the loss must return a Value"):
        BatchedTrainer(StandIn(1, [1]), lambda o, t: 0.0).loss_and_grads(np.ones((1, 1)), np.ones(1))


def test_math_is_the_scalar_engines_on_a_single_sample():
    model = StandIn(2, [1], seed=8)
    w, b = model.layers[0].neurons[0].w, model.layers[0].neurons[0].b
    loss = batched_loss_and_grads(model, mse, np.array([[2.0, 3.0]]), np.array([1.0]))
    z = 2.0 * w[0].data + 3.0 * w[1].data + b.data
    assert loss == pytest.approx((z - 1.0) ** 2, rel=REL) and math.isclose(w[1].grad, 2 * (z - 1.0) * 3.0, rel_tol=REL)


# -- any Module taking one sample: a user's own, flat or nested input (not only an MLP) --------------

class Gated(nn.Module):
    """A hand-written model, no Layer inside: out_j = tanh(u_j * x_0 * x_1 + v_j * x_2) * sigmoid(g . x)."""

    def __init__(self, seed):
        rng = random.Random(seed)
        self.u = [Value(rng.gauss(0, 1)) for _ in range(2)]
        self.v = [Value(rng.gauss(0, 1)) for _ in range(2)]
        self.g = [Value(rng.gauss(0, 1)) for _ in range(3)]
        self.activation = "tanh"

    def named_members(self):
        return (("u", self.u), ("v", self.v), ("g", self.g))

    def forward(self, x):
        gate = sum((gk * xk for gk, xk in zip(self.g, x)), Value(0.0)).sigmoid()
        return [getattr(u * x[0] * x[1] + v * x[2], self.activation)() * gate for u, v in zip(self.u, self.v)]


class TinyConv(nn.Module):
    """One 2x2 kernel sliding over a channels x 3 x 3 image (nested lists), relu, then a linear read-out."""

    def __init__(self, channels, seed):
        rng = random.Random(seed)
        self.kernel = [Value(rng.gauss(0, 1)) for _ in range(4 * channels)]
        self.out = [Value(rng.gauss(0, 1)) for _ in range(4)]
        self.bias = Value(0.1)

    def named_members(self):
        return (("kernel", self.kernel), ("out", self.out), ("bias", self.bias))

    def forward(self, image):
        assert isinstance(image[0][0], list), "a nested sample: channels x rows x columns"
        maps = []
        for i in range(2):
            for j in range(2):
                patch = [image[c][i + di][j + dj] for c in range(len(image)) for di in (0, 1) for dj in (0, 1)]
                maps.append(weighted_sum(self.kernel, patch, self.bias).relu())
        return weighted_sum(self.out, maps, 0.0)


def test_a_hand_written_module_matches_the_scalar_engine():
    rng = np.random.default_rng(2)
    X, Y = rng.normal(size=(7, 3)), rng.normal(size=(7, 2))
    assert_matches_scalar(Gated(1), mse, X, Y.tolist(), Y)
    classes = rng.integers(0, 2, size=7)
    assert_matches_scalar(Gated(2), soft_cross_entropy, X, np.eye(2)[classes].tolist(), np.eye(2)[classes])


def test_a_module_taking_nested_samples_matches_the_scalar_engine():
    rng = np.random.default_rng(3)
    X, y = rng.normal(size=(6, 2, 3, 3)), rng.normal(size=6)
    model = TinyConv(2, seed=4)
    want_loss, want, scale = scalar_loss_and_grads(model, mse, X, y.tolist())
    trainer = BatchedTrainer(model, mse)
    assert trainer.loss_and_grads(X, y) == pytest.approx(want_loss, rel=REL)
    got = np.array([p.grad for p in model.parameters()])
    assert np.all(np.abs(got - want) <= REL * (np.abs(want) + scale) + 1e-300)
    with no_grad():
        assert trainer.outputs(X, y) == pytest.approx([model(x.tolist()).data for x in X], rel=REL)


def test_fit_trains_a_hand_written_module_with_either_engine_alike():
    rng = np.random.default_rng(4)
    X = rng.normal(size=(24, 2, 3, 3))
    y = np.sign(X[:, 0, 1, 1] + 0.1)
    final = {}
    for engine in ("scalar", "batched"):
        model = TinyConv(2, seed=5)
        history = nn.fit(model, X.tolist(), y.tolist(), loss="hinge", epochs=2, batch_size=8, seed=0,
                         optimizer=nn.optim.SGD(model.parameters(), lr=0.1), progress=False, engine=engine)
        final[engine] = (np.array([p.data for p in model.parameters()]), history.loss, history.accuracy)
    assert np.allclose(final["batched"][0], final["scalar"][0], rtol=1e-9, atol=1e-12)
    assert np.allclose(final["batched"][1], final["scalar"][1], rtol=1e-9) and final["batched"][2] == final["scalar"][2]


def test_a_hand_written_modules_changed_activation_is_refused():
    model, X, y = Gated(3), np.ones((2, 3)), np.zeros((2, 2))
    trainer = BatchedTrainer(model, mse)
    trainer.loss_and_grads(X, y)
    model.activation = "relu"
    with pytest.raises(ReplayError, match="activations changed"):
        trainer.loss_and_grads(X, y)


def test_a_declared_reduction_is_read_not_probed():
    calls = []

    @nn.losses.batch_reduction("sum")
    def summed(outputs, targets):
        calls.append(len(outputs))
        return summed_mse(outputs, targets)

    X, y = np.arange(8.0).reshape(4, 2), np.array([1.0, -1.0, 0.5, 2.0])
    assert_matches_scalar(StandIn(2, [3, 1], seed=4), summed, X, y.tolist(), y)
    assert set(calls) == {1, 4}
