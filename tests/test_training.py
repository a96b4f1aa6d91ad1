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
