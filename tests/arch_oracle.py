"""PyTorch float64 as the oracle of nn's blocks (Sequential, Residual, RNN): random architectures,
and the outputs and gradients torch computes for them. Shared by tests/fixtures/make_arch_golden.py
and the live tests; importing it needs torch.

The loss is L = sum of upstream * outputs (a random linear functional of every output), so every
output's gradient is seeded with a random number: dL/dh_t = upstream[t] for an RNN.
"""

from __future__ import annotations

import random

import torch

import nn

ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]


def random_residual_net(rng: random.Random) -> nn.Sequential:
    """Layer(nin, w), then 1-4 residual blocks around a Layer, two Layers or an MLP, then Layer(w, nout)."""
    nin, width, nout = rng.randint(1, 4), rng.randint(1, 5), rng.randint(1, 3)
    act = lambda: rng.choice(ACTIVATIONS)  # noqa: E731
    seed = rng.randrange(10**6)
    modules: list = [nn.Layer(nin, width, act(), seed=seed, l=1)]
    l = 1
    for _ in range(rng.randint(1, 4)):
        kind = rng.choice(["layer", "two layers", "mlp"])
        if kind == "layer":
            l += 1
            inner = nn.Layer(width, width, act(), seed=seed + l, l=l)
        elif kind == "two layers":
            hidden = rng.randint(1, 5)
            inner = nn.Sequential(nn.Layer(width, hidden, act(), seed=seed + l + 1, l=l + 1),
                                  nn.Layer(hidden, width, act(), seed=seed + l + 2, l=l + 2))
            l += 2
        else:
            inner = nn.MLP(width, [rng.randint(1, 5), width], activation=act(), output_activation=act(),
                           seed=seed + l)
        modules.append(nn.Residual(inner))
    modules.append(nn.Layer(width, nout, "linear", seed=seed + 99, l=l + 1))
    # Biases start at 0 in nn: make them nonzero so their gradients are tested at generic points.
    model = nn.Sequential(*modules)
    for name, p in model.named_parameters():
        if name.endswith(".b"):
            p.data = rng.gauss(0, 0.5)
    return model


def random_rnn(rng: random.Random) -> tuple[nn.RNN, int]:
    """An RNN of random size, scaled so its states neither saturate nor vanish, and a sequence length."""
    model = nn.RNN(rng.randint(1, 4), rng.randint(1, 5), seed=rng.randrange(10**6))
    scale = rng.uniform(0.5, 2.0)
    for p in model.parameters():
        p.data *= scale
    return model, rng.randint(1, 8)


def torch_layers(module: torch.nn.Module) -> list[torch.nn.Module]:
    """The Linear / RNN modules of a converted model in parameter order (a depth-first walk, as nn's)."""
    return [m for m in module.modules() if isinstance(m, (torch.nn.Linear, torch.nn.RNN))]


def gradients_in_nn_order(module: torch.nn.Module) -> list[float]:
    """The torch gradients in the order of the nn model's parameters(): per Linear, each neuron's
    weights then its bias; per RNN, W_xh rows, W_hh rows, then b (bias_ih: dL/db = dL/dbias_ih)."""
    grads: list[float] = []
    for m in torch_layers(module):
        if isinstance(m, torch.nn.Linear):
            for row, b in zip(m.weight.grad.tolist(), m.bias.grad.tolist()):
                grads += [*row, b]
        else:
            grads += [g for row in m.weight_ih_l0.grad.tolist() for g in row]
            grads += [g for row in m.weight_hh_l0.grad.tolist() for g in row]
            grads += m.bias_ih_l0.grad.tolist()
            assert torch.allclose(m.bias_ih_l0.grad, m.bias_hh_l0.grad, rtol=0, atol=1e-13)  # both are sum_t delta_t
    return grads


def torch_run(model, x, upstream, h0=None) -> dict:
    """Outputs, dL/dparameter (nn's order), dL/dx and, for an RNN, dL/dh0, by PyTorch float64."""
    module = model.to_torch()
    x_t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    h0_t = None if h0 is None else torch.tensor([h0], dtype=torch.float64, requires_grad=True)
    out = module(x_t, h0_t)[0] if isinstance(model, nn.RNN) else module(x_t)
    (out * torch.tensor(upstream, dtype=torch.float64)).sum().backward()
    return {"outputs": out.tolist(), "grads": gradients_in_nn_order(module), "dx": x_t.grad.tolist(),
            "dh0": None if h0_t is None else h0_t.grad[0].tolist()}
