"""nn.torch_bridge: to_torch / from_torch keep outputs and gradients (PyTorch float64 as the oracle).

Runs with the stand-in model now, and with the real nn.MLP once it exists; skipped without torch.
"""

import random

import numpy as np
import pytest
from standin_mlp import StandIn

import nn
from autograd_lite import Value
from nn.torch_bridge import from_torch, to_torch

torch = pytest.importorskip("torch", reason="PyTorch not installed (.venv/bin/python -m pip install torch==2.13.0)")

REL = 1e-12
MODELS = [StandIn] + ([nn.MLP] if hasattr(nn, "MLP") else [])


def make(cls, nin, sizes, activation, output_activation, seed):
    return cls(nin, sizes, activation=activation, output_activation=output_activation, seed=seed)


def outputs_and_grads(model, X, upstream):
    """Outputs per sample and dL/dparameter for L = sum_i upstream_i . output_i, with the scalar engine."""
    params = list(model.parameters())
    for p in params:
        p.grad = 0.0
    outs, total = [], 0.0
    for x, u in zip(X, upstream):
        out = model([Value(float(v)) for v in x])
        out = out if isinstance(out, list) else [out]
        outs.append([o.data for o in out])
        total = total + sum(float(uj) * o for uj, o in zip(u, out))
    total.backward()
    return np.array(outs), params


@pytest.mark.parametrize("cls", MODELS)
@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
@pytest.mark.parametrize("output_activation", ["linear", "sigmoid"])
def test_to_torch_agrees_on_outputs_and_gradients(cls, activation, output_activation):
    rng = random.Random(f"{cls.__name__}{activation}{output_activation}")
    nin, sizes = rng.randint(1, 4), [rng.randint(1, 5) for _ in range(rng.randint(1, 3))]
    model = make(cls, nin, sizes, activation, output_activation, seed=rng.randrange(100))
    X = np.array([[rng.gauss(0, 2) for _ in range(nin)] for _ in range(6)])
    U = np.array([[rng.gauss(0, 1) for _ in range(sizes[-1])] for _ in range(6)])
    seq = to_torch(model)
    linears = [m for m in seq if isinstance(m, torch.nn.Linear)]
    assert len(linears) == len(sizes) and all(p.dtype == torch.float64 for p in seq.parameters())
    want_out, params = outputs_and_grads(model, X, U)
    out = seq(torch.tensor(X))
    (out * torch.tensor(U)).sum().backward()
    assert np.allclose(out.detach().numpy(), want_out, rtol=REL, atol=1e-15)
    for l, (linear, layer) in enumerate(zip(linears, model.layers)):
        for j, neuron in enumerate(layer.neurons):
            for k, w in enumerate(neuron.w):  # Linear.weight[j, k] = w^l_jk
                assert linear.weight[j, k].item() == w.data
                assert linear.weight.grad[j, k].item() == pytest.approx(w.grad, rel=1e-10, abs=1e-14), (l, j, k)
            assert linear.bias.grad[j].item() == pytest.approx(neuron.b.grad, rel=1e-10, abs=1e-14)


@pytest.mark.parametrize("cls", MODELS)
def test_round_trip_keeps_weights_and_activations(cls):
    model = make(cls, 3, [4, 4, 2], "tanh", "sigmoid", seed=1)
    back = from_torch(to_torch(model), cls)
    assert [n.activation for layer in back.layers for n in layer.neurons] == ["tanh"] * 8 + ["sigmoid"] * 2
    assert [p.data for p in back.parameters()] == [p.data for p in model.parameters()]


def test_from_torch_reads_a_pytorch_model():
    torch.manual_seed(0)
    seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1), torch.nn.Identity())
    model = from_torch(seq, StandIn)
    x = [0.5, -1.5]
    assert model([Value(v) for v in x]).data == pytest.approx(seq(torch.tensor([x])).item(), rel=1e-6)  # float32


def test_float32_export():
    seq = to_torch(StandIn(2, [1]), dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in seq.parameters())


@pytest.mark.parametrize("modules, error, message", [
    (lambda t: [t.Linear(2, 3), t.ReLU(), t.ReLU()], ValueError, r"module 2 \(ReLU\) does not follow a Linear"),
    (lambda t: [t.Tanh(), t.Linear(2, 3)], ValueError, r"module 0 \(Tanh\) does not follow a Linear"),
    (lambda t: [t.Linear(2, 3), t.Linear(4, 1)], ValueError, "module 1 takes 4 inputs but the layer before it has 3"),
    (lambda t: [t.Linear(2, 3), t.Dropout()], ValueError, "module 1 is a Dropout; from_torch.. understands Linear"),
    (lambda t: [t.Linear(2, 3, bias=False)], ValueError, "Linear without bias"),
    (lambda t: [t.Linear(2, 3), t.ReLU(), t.Linear(3, 3), t.Tanh(), t.Linear(3, 1)], ValueError,
     r"hidden layers use different activations \['relu', 'tanh'\]"),
    (lambda t: [], ValueError, "at least one Linear"),
])
def test_from_torch_refuses_what_an_mlp_cannot_be(modules, error, message):
    with pytest.raises(error, match=message):
        from_torch(torch.nn.Sequential(*modules(torch.nn)), StandIn)


def test_from_torch_takes_only_a_sequential():
    with pytest.raises(TypeError, match="takes a torch.nn.Sequential, got Linear"):
        from_torch(torch.nn.Linear(2, 2), StandIn)


def test_to_torch_refuses_mixed_or_unknown_activations():
    model = StandIn(2, [2, 1])
    model.layers[0].neurons[0].activation = "tanh"
    with pytest.raises(ValueError, match=r"layer 1 mixes activations \['relu', 'tanh'\]"):
        to_torch(model)
    model.layers[0].neurons[1].activation = "tanh"
    model.layers[1].neurons[0].activation = "softplus"
    with pytest.raises(ValueError, match="layer 2 has activation 'softplus'"):
        to_torch(model)


def test_from_torch_refuses_non_finite_weights_naming_the_layer():
    seq = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)).double()
    with torch.no_grad():
        seq[2].weight[0, 1] = float("nan")
    with pytest.raises(ValueError, match=r"layer 2: W\[0\]\[1\] is nan"):
        from_torch(seq, StandIn)
    with pytest.raises(ValueError, match=r"layer 2: W\[0\]\[1\] is nan"):
        nn.MLP.from_torch(seq)
