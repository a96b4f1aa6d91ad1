"""A stand-in for nn.MLP (written while nn was in parallel): the contract's attributes and nothing more.

Layers of neurons with .w, .b, .activation; z = weighted_sum(w, x, b), then the activation op.
Tests of nn.batched and nn.torch_bridge use it so they run before the real nn is merged.
"""

import random

from autograd_lite import Value, weighted_sum


class Neuron:
    def __init__(self, nin, activation, rng):
        self.w = [Value(rng.gauss(0, 1)) for _ in range(nin)]
        self.b = Value(rng.gauss(0, 0.5))
        self.activation = activation

    def __call__(self, x):
        z = weighted_sum(self.w, x, self.b)
        return z if self.activation == "linear" else getattr(z, self.activation)()


class Layer:
    def __init__(self, nin, nout, activation, rng):
        self.neurons = [Neuron(nin, activation, rng) for _ in range(nout)]


class StandIn:
    """MLP(nin, sizes, activation, output_activation, seed) as the contract describes it."""

    def __init__(self, nin, sizes, activation="relu", output_activation="linear", seed=0):
        rng, self.layers = random.Random(seed), []
        for k, nout in enumerate(sizes):
            self.layers.append(Layer(nin, nout, activation if k < len(sizes) - 1 else output_activation, rng))
            nin = nout

    def parameters(self):
        return [v for layer in self.layers for n in layer.neurons for v in (*n.w, n.b)]

    def __call__(self, x):
        for layer in self.layers:
            x = [n(x) for n in layer.neurons]
        return x[0] if len(x) == 1 else x
