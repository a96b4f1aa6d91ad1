"""The same MLP in PyTorch float64: loss, every gradient, and 5 steps of each optimiser agree to 1e-10."""

import random

import pytest

import nn

torch = pytest.importorskip("torch")
F = torch.nn.functional

TOL = 1e-10
TORCH_ACTIVATION = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "sigmoid": torch.nn.Sigmoid}


def torch_twin(model):
    """A torch.nn.Sequential with the model's weights, and its parameters in the model's order."""
    modules, pairs = [], []
    for layer in model.layers:
        W, b = layer.weights()
        lin = torch.nn.Linear(layer.nin, len(b), dtype=torch.float64)
        with torch.no_grad():
            lin.weight.copy_(torch.tensor(W, dtype=torch.float64))
            lin.bias.copy_(torch.tensor(b, dtype=torch.float64))
        modules.append(lin)
        if layer.activation != "linear":
            modules.append(TORCH_ACTIVATION[layer.activation]())
        for j, n in enumerate(layer.neurons):
            pairs += [(w, (lin.weight, j, k)) for k, w in enumerate(n.w)] + [(n.b, (lin.bias, j))]
    return torch.nn.Sequential(*modules), pairs


def torch_entry(tensor_index, grad=False):
    t, *index = tensor_index
    return (t.grad if grad else t.detach())[tuple(index)].item()


def problem(loss, seed=0):
    """(model, X, targets for nn, torch loss of the batch output) for each loss."""
    rng = random.Random(seed)
    nout = 3 if loss in ("mse", "cross_entropy", "cross_entropy_probs") else 1
    model = nn.MLP(3, [5, 4, nout], activation=rng.choice(["relu", "tanh", "sigmoid"]), seed=seed)
    X = [[rng.uniform(-2, 2) for _ in range(3)] for _ in range(6)]
    if loss == "mse":
        y = [[rng.gauss(0, 1) for _ in range(nout)] for _ in X]
        return model, X, y, nn.mse, lambda out: F.mse_loss(out, torch.tensor(y, dtype=torch.float64))
    if loss == "binary_cross_entropy":
        y = [rng.choice([0.0, 1.0, 0.3]) for _ in X]
        return model, X, y, nn.binary_cross_entropy, lambda out: F.binary_cross_entropy_with_logits(
            out[:, 0], torch.tensor(y, dtype=torch.float64))
    if loss == "hinge":
        y = [rng.choice([-1, 1]) for _ in X]
        labels = torch.tensor(y, dtype=torch.float64)
        return model, X, y, nn.hinge, lambda out: torch.relu(1 - labels * out[:, 0]).mean()
    if loss == "cross_entropy":
        y = [rng.randrange(nout) for _ in X]
        return model, X, y, nn.cross_entropy, lambda out: F.cross_entropy(out, torch.tensor(y))
    p = [[rng.random() for _ in range(nout)] for _ in X]
    y = [[v / sum(row) for v in row] for row in p]
    return model, X, y, nn.cross_entropy, lambda out: F.cross_entropy(out, torch.tensor(y, dtype=torch.float64))


def assert_close(a, b, what):
    assert abs(a - b) <= TOL * max(1.0, abs(b)), f"{what}: autograd_lite {a!r} vs torch {b!r}"


def loss_and_backward(model, twin, X, y, loss, torch_loss):
    ours = loss([model(x) for x in X], y)
    ours.backward()
    theirs = torch_loss(twin(torch.tensor(X, dtype=torch.float64)))
    theirs.backward()
    return ours.data, theirs.item()


LOSSES = ["mse", "binary_cross_entropy", "hinge", "cross_entropy", "cross_entropy_probs"]


@pytest.mark.parametrize("loss_name", LOSSES)
def test_loss_and_every_gradient_match_torch(loss_name):
    model, X, y, loss, torch_loss = problem(loss_name)
    twin, pairs = torch_twin(model)
    ours, theirs = loss_and_backward(model, twin, X, y, loss, torch_loss)
    assert_close(ours, theirs, "loss")
    for p, entry in pairs:
        assert_close(p.grad, torch_entry(entry, grad=True), f"grad of {p.label}")


OPTIMISERS = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.02)),
    ("RMSprop", dict()),
    ("RMSprop", dict(lr=0.005, alpha=0.9, momentum=0.5, centered=True, weight_decay=0.01)),
    ("Adam", dict()),
    ("Adam", dict(lr=0.02, betas=(0.8, 0.99), weight_decay=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.02)),
    ("AdamW", dict(lr=0.02, weight_decay=0.1, amsgrad=True, eps=1e-6)),
]


@pytest.mark.parametrize("name, kwargs", OPTIMISERS)
@pytest.mark.parametrize("loss_name", ["mse", "cross_entropy", "hinge"])
def test_five_steps_of_each_optimiser_match_torch(name, kwargs, loss_name):
    model, X, y, loss, torch_loss = problem(loss_name, seed=3)
    twin, pairs = torch_twin(model)
    ours_opt = getattr(nn.optim, name)(model.parameters(), **kwargs)
    torch_opt = getattr(torch.optim, name)(twin.parameters(), **kwargs)
    for step in range(5):
        ours_opt.zero_grad()
        torch_opt.zero_grad()
        ours, theirs = loss_and_backward(model, twin, X, y, loss, torch_loss)
        assert_close(ours, theirs, f"loss at step {step}")
        ours_opt.step()
        torch_opt.step()
    for p, entry in pairs:
        assert_close(p.data, torch_entry(entry), f"{p.label} after 5 steps of {name}({kwargs})")


def test_clip_grad_norm_matches_torch():
    model, X, y, loss, torch_loss = problem("mse", seed=5)
    twin, pairs = torch_twin(model)
    loss_and_backward(model, twin, X, y, loss, torch_loss)
    ours = nn.optim.clip_grad_norm(model.parameters(), 0.05)
    theirs = torch.nn.utils.clip_grad_norm_(twin.parameters(), 0.05).item()
    assert_close(ours, theirs, "total norm")
    assert ours > 0.05  # so clipping happened
    for p, entry in pairs:
        assert_close(p.grad, torch_entry(entry, grad=True), f"clipped grad of {p.label}")


def test_momentum_switched_on_after_some_steps_matches_torch():
    model, X, y, loss, torch_loss = problem("mse", seed=4)
    twin, pairs = torch_twin(model)
    ours_opt = nn.optim.SGD(model.parameters(), lr=0.05, dampening=0.5)
    torch_opt = torch.optim.SGD(twin.parameters(), lr=0.05, dampening=0.5)
    for step in range(4):
        if step == 2:  # a buffer that starts now starts at the gradient, undamped
            ours_opt.momentum = torch_opt.param_groups[0]["momentum"] = 0.9
        ours_opt.zero_grad()
        torch_opt.zero_grad()
        loss_and_backward(model, twin, X, y, loss, torch_loss)
        ours_opt.step()
        torch_opt.step()
    for p, entry in pairs:
        assert_close(p.data, torch_entry(entry), f"{p.label} after momentum was switched on")
