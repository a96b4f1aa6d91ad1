"""A tiny stand-in for nn.MLP that follows the nn contract, so the diagram, stepper, batched and
torch-bridge tests do not depend on the real nn package: layers[l].neurons[j] with .w, .b, .activation; trace(x) with
.inputs, .z, .a; labels w[l]_jk, b[l]_j, z[l]_j, a[l]_j (a linear neuron's a is its z node), each a
`Label` naming its role and groups, as a user's own model would label its nodes."""

from __future__ import annotations

import random
from types import SimpleNamespace

from autograd_lite import Value, weighted_sum
from autograd_lite.naming import Group, Label


def label(text, l, j, role, **extra):
    groups = {"layer": Group((l,), "layer 0 (inputs)" if l == 0 else f"layer {l}")}
    if l > 0:
        groups["neuron"] = Group((l, j), f"neuron [{l}]_{j}")
    return Label(text, role=role, groups=groups, **extra)


class Neuron:
    def __init__(self, nin, l, j, activation, rng):
        sep = "," if j > 9 or nin > 9 else ""  # as nn writes w[2]_12,3
        self.w = [Value(rng.uniform(-1, 1), label=label(f"w[{l}]_{j}{sep}{k}", l, j, "w", index=(l, j, k)))
                  for k in range(1, nin + 1)]
        self.b = Value(rng.uniform(-0.5, 0.5), label=label(f"b[{l}]_{j}", l, j, "b", index=(l, j)))
        self.activation, self.l, self.j = activation, l, j

    def __call__(self, inputs):
        z = weighted_sum(self.w, inputs, self.b)
        z.label = label(f"z[{self.l}]_{self.j}", self.l, self.j, "z", grad_name=f"delta[{self.l}]_{self.j}",
                        index=(self.l, self.j))
        if self.activation == "linear":
            return z, z
        a = getattr(z, self.activation)()
        a.label = label(f"a[{self.l}]_{self.j}", self.l, self.j, "a", index=(self.l, self.j))
        return z, a


class MLP:
    def __init__(self, nin, sizes, activation="tanh", seed=0, output_activation="linear"):
        rng = random.Random(seed)
        dims = [nin, *sizes]
        self.nin, self.sizes = nin, list(sizes)
        self.layers = [
            SimpleNamespace(neurons=[Neuron(dims[l - 1], l, j, activation if l < len(dims) - 1 else output_activation,
                                            rng) for j in range(1, dims[l] + 1)])
            for l in range(1, len(dims))
        ]

    def parameters(self):
        return [v for layer in self.layers for n in layer.neurons for v in (*n.w, n.b)]

    def __call__(self, x):
        return self.trace(x).output

    def trace(self, x):
        inputs = [v if isinstance(v, Value) else Value(v, label=label(f"a[0]_{k}", 0, k, "input", index=(0, k)))
                  for k, v in enumerate(x, 1)]
        zs, as_, a = [], [], inputs
        for layer in self.layers:
            pairs = [n(a) for n in layer.neurons]
            zs.append([z for z, _ in pairs])
            a = [a for _, a in pairs]
            as_.append(a)
        out = as_[-1][0] if len(as_[-1]) == 1 else as_[-1]
        return SimpleNamespace(inputs=inputs, z=zs, a=as_, output=out)


class StandIn(MLP):
    """The stand-in as the nn.batched and torch-bridge tests use it: ReLU hidden layers by default."""

    def __init__(self, nin, sizes, activation="relu", output_activation="linear", seed=0):
        super().__init__(nin, sizes, activation, seed, output_activation)


def mse_loss(output, target):
    loss = (output - target) ** 2
    loss.label = "L"
    return loss
