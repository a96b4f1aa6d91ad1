"""fit: learns the moons, reproducible, clean Ctrl-C, history, the batched hook; make_moons."""

import random
import sys
import types

import pytest

import nn


def moons_model():
    return nn.MLP(2, [16, 16, 1], seed=0)


def test_moons_reach_at_least_95_percent():
    X, y = nn.make_moons(40, noise=0.1, seed=1, labels=(-1, 1))
    model = moons_model()
    opt = nn.optim.SGD(model.parameters(), lr=1.0)
    history = nn.fit(model, X, y, loss=nn.hinge, optimizer=opt, epochs=40, l2=1e-4, progress=False,
                     lr_schedule=lambda k: 1.0 - 0.9 * k / 40)
    assert history.accuracy[-1] >= 0.95
    assert history.loss[-1] < history.loss[0] and history.steps == 40 and not history.interrupted
    assert history.accuracy[-1] == nn.accuracy(model, X, y, "hinge")


def test_same_seed_same_training():
    X, y = nn.make_moons(30, noise=0.1, seed=2)
    runs = []
    for _ in range(2):
        model = nn.MLP(2, [4, 1], seed=3)
        h = nn.fit(model, X, y, loss="binary_cross_entropy", epochs=3, batch_size=8, seed=4, progress=False)
        runs.append((h.loss, model.state_dict()))
    assert runs[0] == runs[1]
    assert len(runs[0][0]) == 3


def test_accuracy_per_loss():
    X = [[1.0], [2.0]]
    model = nn.MLP(1, [3], seed=0)
    assert nn.fit(model, X, [0, 2], loss="cross_entropy", epochs=1, progress=False).accuracy[0] is not None
    assert nn.fit(nn.MLP(1, [1], seed=0), X, [0.5, 1.0], loss="mse", epochs=1, progress=False).accuracy == [None]


def test_keyboard_interrupt_mid_step_keeps_the_last_finished_step():
    X, y = nn.make_moons(20, noise=0.1, seed=1, labels=(-1, 1))
    model = moons_model()
    opt = nn.optim.Adam(model.parameters(), lr=0.01)
    snapshots, calls = [], []

    def interrupting_hinge(outputs, targets):
        calls.append(1)
        snapshots.append(model.state_dict())  # the weights after the previous step
        if len(calls) == 4:
            raise KeyboardInterrupt
        return nn.hinge(outputs, targets)

    history = nn.fit(model, X, y, loss=interrupting_hinge, optimizer=opt, epochs=2, batch_size=5, progress=False)
    assert history.interrupted and history.steps == 3 and history.loss == []
    assert model.state_dict() == snapshots[3] != snapshots[2]
    assert all(p.grad == 0.0 for p in model.parameters())
    assert opt.steps == 3


def test_interrupt_inside_the_optimiser_step_rolls_it_back(monkeypatch):
    X, y = nn.make_moons(10, noise=0.1, seed=1, labels=(-1, 1))
    model = moons_model()
    opt = nn.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    real_step = opt.step
    after = []

    def half_step():
        if opt.steps == 2:
            after.append((model.state_dict(), opt.state_dict()))
            model.parameters()[0].data += 1.0  # a partial update...
            raise KeyboardInterrupt  # ...then Ctrl-C
        real_step()

    monkeypatch.setattr(opt, "step", half_step)
    history = nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=5, progress=False)
    assert history.interrupted and history.steps == 2 and len(history.loss) == 2
    assert model.state_dict() == after[0][0] and opt.state_dict() == after[0][1]


def test_batched_engine_is_imported_lazily_and_held_for_the_whole_fit(monkeypatch):
    calls, trainers = [], []

    class BatchedTrainer:
        def __init__(self, model, loss):
            self.model, self.loss = model, loss
            trainers.append(self)

        def loss_and_grads(self, X, y):
            calls.append(len(X))
            total = self.loss([self.model(x) for x in X], y)
            total.backward()
            return total.data

        def outputs(self, X, y):
            calls.append(f"outputs of {len(X)}")
            return [0.5 if k % 3 else -0.5 for k in range(len(X))]  # the epoch's accuracy comes from these

    monkeypatch.setitem(sys.modules, "nn.batched", types.SimpleNamespace(BatchedTrainer=BatchedTrainer))
    X, y = nn.make_moons(12, seed=0)
    h = nn.fit(nn.MLP(2, [3, 1], seed=0), X, y, loss="binary_cross_entropy", epochs=2, batch_size=5,
               engine="batched", progress=False)
    assert calls == [5, 5, 2, "outputs of 12"] * 2 and len(h.loss) == 2 and len(trainers) == 1
    assert h.accuracy == [sum((k % 3 > 0) == (t > 0.5) for k, t in enumerate(y)) / 12] * 2


@pytest.mark.parametrize("kwargs, error", [
    (dict(X=[], y=[]), "as many targets"),
    (dict(y=[1]), "as many targets"),
    (dict(engine="gpu"), "engine must be"),
    (dict(batch_size=0), "batch_size"),
    (dict(epochs=-1), "epochs"),
    (dict(loss="l1"), "unknown loss"),
])
def test_fit_rejects_bad_arguments(kwargs, error):
    args = dict(X=[[0.0], [1.0]], y=[0.0, 1.0], progress=False) | kwargs
    with pytest.raises(ValueError, match=error):
        nn.fit(nn.MLP(1, [1], seed=0), **args)


def test_progress_bar_shows_the_loss(capsys):
    nn.fit(nn.MLP(1, [1], seed=0), [[0.0], [1.0]], [0.0, 1.0], epochs=2, progress=True)
    assert "loss=" in capsys.readouterr().err


def test_make_moons():
    state = random.getstate()
    X, y = nn.make_moons(11, noise=0.2, seed=3)
    assert random.getstate() == state
    assert (X, y) == nn.make_moons(11, noise=0.2, seed=3) and X != nn.make_moons(11, noise=0.2, seed=4)[0]
    assert len(X) == 11 and sorted(y) == [0] * 5 + [1] * 6
    clean, labels = nn.make_moons(6, seed=0, labels=(-1, 1))
    for (x1, x2), label in zip(clean, labels):
        centre = (0.0, 0.0) if label == -1 else (1.0, 0.5)
        assert (x1 - centre[0]) ** 2 + (x2 - centre[1]) ** 2 == pytest.approx(1.0)
    with pytest.raises(ValueError):
        nn.make_moons(1)


def test_accuracy_takes_numpy_class_labels_and_checks_lengths():
    np = pytest.importorskip("numpy")
    model = nn.MLP(2, [3], seed=0)
    X = [[0.5, -1.0], [1.0, 2.0]]
    labels = np.array([0, 2])
    assert nn.accuracy(model, X, labels, "cross_entropy") == nn.accuracy(model, X, labels.tolist(), "cross_entropy")
    with pytest.raises(ValueError, match="as many targets as samples"):
        nn.accuracy(model, X, [0], "cross_entropy")


# -- planted bugs: each of these tests fails on one bug that once passed the whole suite --------

def recording(loss, record):
    """`loss`, recording each batch's (loss value, batch size)."""
    def recorded(outputs, targets):
        out = loss(outputs, targets)
        record.append((out.data, len(outputs)))
        return out
    return recorded


def test_a_last_batch_of_exactly_one_sample_is_trained_on():
    X, y = nn.make_moons(5, noise=0.1, seed=1)
    record = []
    history = nn.fit(nn.MLP(2, [3, 1], seed=0), X, y, loss=recording(nn.binary_cross_entropy, record),
                     epochs=2, batch_size=2, seed=0, progress=False)
    assert [size for _, size in record] == [2, 2, 1] * 2 and history.steps == 6


def test_the_epoch_loss_is_the_mean_over_samples_not_over_steps():
    X, y = nn.make_moons(5, noise=0.1, seed=1)
    record = []
    history = nn.fit(nn.MLP(2, [3, 1], seed=0), X, y, loss=recording(nn.binary_cross_entropy, record),
                     epochs=1, batch_size=2, seed=0, progress=False)
    sizes = [size for _, size in record]
    assert sizes == [2, 2, 1]
    assert history.loss[0] == pytest.approx(sum(v * size for v, size in record) / 5, rel=1e-15)
    assert history.loss[0] != pytest.approx(sum(v for v, _ in record) / 3, rel=1e-6)


def test_l2_adds_l2_times_the_sum_of_squares_to_the_loss_and_2_l2_p_to_each_grad():
    X, y = nn.make_moons(6, noise=0.1, seed=1)
    model, twin = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=0)
    l2, lr = 0.25, 0.1
    plain = nn.mse([twin(x) for x in X], y)  # the same step by hand, without l2
    plain.backward()
    p0 = [p.data for p in twin.parameters()]
    expected_loss = plain.data + l2 * sum(p * p for p in p0)
    expected = [p - lr * (q.grad + 2 * l2 * p) for p, q in zip(p0, twin.parameters())]
    history = nn.fit(model, X, y, loss="mse", optimizer=nn.optim.SGD(model, lr=lr), epochs=1, l2=l2, progress=False)
    assert history.loss[0] == pytest.approx(expected_loss, rel=1e-12)
    assert [p.data for p in model.parameters()] == pytest.approx(expected, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("name", ["SGD", "Adam", "RMSprop"])
def test_interrupt_after_the_optimiser_updated_its_state_rolls_the_state_back(monkeypatch, name):
    X, y = nn.make_moons(10, noise=0.1, seed=1, labels=(-1, 1))
    model = moons_model()
    opt = getattr(nn.optim, name)(model, lr=0.1, **({"momentum": 0.9} if name != "Adam" else {}))
    real_step = opt.step
    before = []

    def step_then_interrupt():
        if opt.steps == 2:
            before.append((model.state_dict(), opt.state_dict()))
            real_step()  # the whole update, the optimiser's buffers and step count included...
            raise KeyboardInterrupt  # ...then Ctrl-C before fit records the step
        real_step()

    monkeypatch.setattr(opt, "step", step_then_interrupt)
    history = nn.fit(model, X, y, loss="hinge", optimizer=opt, epochs=5, progress=False)
    assert history.interrupted and history.steps == 2
    assert model.state_dict() == before[0][0]
    assert opt.state_dict() == before[0][1] and opt.steps == 2


# -- the door: bad numbers and beginners' mistakes get a clear error or just work --------------

@pytest.mark.parametrize("l2, error", [(float("nan"), ValueError), (-1e-4, ValueError), (float("inf"), ValueError),
                                       ("0.1", TypeError), (None, TypeError)])
def test_fit_refuses_a_bad_l2(l2, error):
    model = nn.MLP(1, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(error, match="l2"):
        nn.fit(model, [[0.0], [1.0]], [0.0, 1.0], l2=l2, progress=False)
    assert model.state_dict() == before


@pytest.mark.parametrize("name, cls", [("sgd", "SGD"), ("adam", "Adam"), ("AdamW", "AdamW"), ("rmsprop", "RMSprop")])
def test_fit_takes_an_optimiser_by_name_with_lr(monkeypatch, name, cls):
    X, y = [[0.0], [1.0]], [0.0, 1.0]
    by_name = nn.MLP(1, [2, 1], seed=0)
    nn.fit(by_name, X, y, optimizer=name, lr=0.05, epochs=3, progress=False)
    built = nn.MLP(1, [2, 1], seed=0)
    nn.fit(built, X, y, optimizer=getattr(nn.optim, cls)(built.parameters(), lr=0.05), epochs=3, progress=False)
    assert by_name.state_dict() == built.state_dict()


def test_fit_default_optimiser_is_adam_with_lr_0_01():
    X, y = [[0.0], [1.0]], [0.0, 1.0]
    default, named = nn.MLP(1, [2, 1], seed=0), nn.MLP(1, [2, 1], seed=0)
    nn.fit(default, X, y, epochs=2, progress=False)
    nn.fit(named, X, y, optimizer=nn.optim.Adam(named.parameters(), lr=0.01), epochs=2, progress=False)
    assert default.state_dict() == named.state_dict()


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(optimizer="adagrad"), ValueError, "unknown optimizer 'adagrad'; one of sgd, rmsprop, adam, adamw"),
    (dict(optimizer=3), TypeError, r"optimizer must be an nn.optim optimiser, e.g. nn.optim.Adam\(model.parameters"),
    (dict(optimizer="adam", lr="0.1"), TypeError, "learning rate must be a number, got '0.1'"),
    (dict(optimizer="sgd", lr=-1.0), ValueError, "invalid learning rate: -1.0"),
])
def test_fit_says_what_optimizer_it_expects(kwargs, error, match):
    with pytest.raises(error, match=match):
        nn.fit(nn.MLP(1, [1], seed=0), [[0.0], [1.0]], [0.0, 1.0], progress=False, **kwargs)


def test_lr_is_for_an_optimizer_given_by_name():
    model = nn.MLP(1, [1], seed=0)
    with pytest.raises(ValueError, match="lr= is for an optimizer given by name"):
        nn.fit(model, [[0.0]], [0.0], optimizer=nn.optim.SGD(model, lr=0.1), lr=0.5, progress=False)


def test_fit_and_accuracy_take_numpy_arrays():
    np = pytest.importorskip("numpy")
    X, y = nn.make_moons(12, noise=0.1, seed=0)
    runs = []
    for as_array in (False, True):
        model = nn.MLP(2, [3, 1], seed=0)
        data = (np.array(X), np.array(y)) if as_array else (X, y)
        h = nn.fit(model, *data, loss="binary_cross_entropy", epochs=2, batch_size=5, seed=1, progress=False)
        runs.append((h.loss, h.accuracy, model.state_dict(), nn.accuracy(model, *data, "binary_cross_entropy")))
    assert runs[0] == runs[1]
    probs = np.array([[0.25, 0.75], [1.0, 0.0]])  # a 2-d array of class probabilities as targets
    model = nn.MLP(2, [2], seed=0)
    assert nn.fit(model, np.array(X[:2]), probs, loss="cross_entropy", epochs=1, progress=False).accuracy[0] is not None
    rows = [np.array(x) for x in X[:2]]  # a list of 1-d arrays, one per sample
    assert nn.fit(model, rows, [0, 1], loss="cross_entropy", epochs=1, progress=False).steps == 1
