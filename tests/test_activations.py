"""nn's one activation table: what the graph computes, what the equations compute, what torch and the
initialisers are told, all read off one entry per activation."""

import math
import random

import pytest

import nn
from autograd_lite import Value
from nn import equations, init, torch_bridge
from nn.activations import ACTIVATIONS

POINTS = [0.0, 1e-3, -1e-3, 0.5, -0.5, 2.0, -3.0, 30.0, -30.0] + [random.Random(0).uniform(-5, 5) for _ in range(20)]


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_the_graphs_node_and_the_equations_floats_agree(name):
    entry = ACTIVATIONS[name]
    for z in POINTS:
        neuron = nn.Neuron(1, activation=name, seed=0)
        neuron.w[0].data, x = 1.0, Value(z)
        _, a = neuron.za([x])
        a.backward()
        assert a.data == pytest.approx(entry.sigma(z), rel=1e-15, abs=1e-300)
        assert x.grad == pytest.approx(entry.sigma_prime(z), rel=1e-12, abs=1e-300)  # da/dz, as w = 1
        assert a.op == (entry.method or "wsum")


def test_every_reader_takes_the_table():
    assert list(equations.SIGMA) == list(equations.SIGMA_PRIME) == list(ACTIVATIONS)
    assert torch_bridge.ACTIVATIONS == {"relu": "ReLU", "tanh": "Tanh", "sigmoid": "Sigmoid"}
    assert [init.default_init(name) for name in ACTIVATIONS] == ["he", "xavier", "xavier", "xavier"]
    assert math.isclose(equations.SIGMA["sigmoid"](-800.0), 0.0) and equations.SIGMA["sigmoid"](800.0) == 1.0
    with pytest.raises(ValueError, match="activation must be one of 'relu', 'tanh', 'sigmoid', 'linear', got 'gelu'"):
        nn.Neuron(2, activation="gelu")
    with pytest.raises(ValueError, match="activation must be one of"):
        nn.Neuron(2, activation=["relu"])  # unhashable: still the same message


def test_the_torch_modules_exist():
    torch = pytest.importorskip("torch")
    for entry in ACTIVATIONS.values():
        if entry.torch is not None:
            module = getattr(torch.nn, entry.torch)()
            z = torch.tensor(POINTS, dtype=torch.float64)
            assert module(z).tolist() == pytest.approx([entry.sigma(v) for v in POINTS], rel=1e-15, abs=1e-300)
