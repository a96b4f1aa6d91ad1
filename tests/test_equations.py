"""The documents' equations, line by line, against the graph's gradients.

For random MLPs (1 to 4 hidden layers, every activation) and every loss, `nn.equations` computes by
hand -- plain floats, no graph --

    z^l = W^l a^(l-1) + b^l,  a^l = sigma(z^l)                      (forward)
    delta^L = dL/da^L (.) sigma'(z^L)                                 (output error)
    delta^l = ((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l)              (hidden error)
    dL/dW^l = delta^l (a^(l-1))^T,  dL/db^l = delta^l                 (gradients)

and every weight's and bias's .grad after loss.backward(), and every delta^l_j = dL/dz^l_j read off
the trace, must equal those numbers. For a batch the loss is the mean over the B samples, so dL/dW^l
is the mean of the per-sample delta^l (a^(l-1))^T, and the delta on sample s's z nodes is
delta^l(s) / B.

"Equal" means to 1e-12 relative to the size of the numbers the quantity is computed from. That is
the layer's largest entry, or -- where the equation subtracts nearly equal numbers, as
softmax(z^L) - y does for a confident right answer -- the size of those terms, carried back through
the same recurrence: |delta^L| <= |dL/da^L terms| |sigma'(z^L)|, |delta^l| <= |W^(l+1)|^T |delta^(l+1)|
|sigma'(z^l)|. Two correct programs that round differently agree to that, not to the last bit of a
difference of two numbers close to 1.
"""

import math
import random

from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from nn import equations

REL = 1e-12
ACTIVATIONS = ["relu", "tanh", "sigmoid", "linear"]
LOSSES = ["mse", "binary_cross_entropy", "cross_entropy", "hinge"]


def assert_equal_to_the_equations(graph, hand, what, terms=0.0):
    """Entry by entry, within REL times the layer's largest entry or the size of its terms."""
    scale = max([abs(v) for v in hand] + [terms, 1e-300])
    for i, (g, h) in enumerate(zip(graph, hand)):
        assert abs(g - h) <= REL * scale, f"{what}[{i}]: graph {g!r}, equations {h!r}"


def term_sizes(layers, sample, y):
    """Per layer l, a bound on the size of the terms delta^l is computed from (see the module docstring)."""
    L = len(layers)
    targets = [abs(float(v)) for v in (y if isinstance(y, list) else [y])]
    size = [0.0] * L
    # dL/da^L is a difference of terms no larger than 2 max(1, |a^L|, |y|) for every loss here.
    top = 2 * max([1.0] + [abs(a) for a in sample.a[-1]] + targets)
    d = [top * abs(equations.SIGMA_PRIME[layers[-1].activation](z)) for z in sample.z[-1]]
    size[L - 1] = max(d)
    for l in range(L - 2, -1, -1):
        W, prime = layers[l + 1].W, equations.SIGMA_PRIME[layers[l].activation]
        d = [sum(abs(W[k][j]) * d[k] for k in range(len(W))) * abs(prime(z_j)) for j, z_j in enumerate(sample.z[l])]
        size[l] = max(d)
    return size


def random_problem(rng, loss):
    """A random MLP (1 to 4 hidden layers), a batch X and targets y fitting the loss."""
    nin = rng.randint(1, 4)
    hidden = [rng.randint(1, 5) for _ in range(rng.randint(1, 4))]
    nout = rng.randint(1, 4) if loss in ("mse", "cross_entropy") else 1
    model = nn.MLP(nin, hidden + [nout], activation=rng.choice(ACTIVATIONS),
                   output_activation=rng.choice(ACTIVATIONS), seed=rng.randrange(2**32))
    for p in model.parameters():  # biases too, so no delta hides behind a zero bias
        p.data = rng.uniform(-1.5, 1.5)
    X = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(rng.randint(1, 4))]
    if loss == "mse":
        y = [[rng.gauss(0, 1) for _ in range(nout)] for _ in X]
    elif loss == "binary_cross_entropy":
        y = [rng.random() for _ in X]
    elif loss == "hinge":
        y = [rng.choice([-1, 1]) for _ in X]
    elif rng.random() < 0.5:
        y = [rng.randrange(nout) for _ in X]  # class indices (one-hot y)
    else:
        p = [[rng.random() + 1e-3 for _ in range(nout)] for _ in X]
        y = [[v / math.fsum(row) for v in row] for row in p]
    return model, X, y


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), loss=st.sampled_from(LOSSES))
def test_every_grad_and_delta_is_the_documents_equations(seed, loss):
    model, X, y = random_problem(random.Random(seed), loss)
    B = len(X)

    # The graph: one trace per sample, the batch loss L = (1/B) sum_s L_s, backward.
    traces = [model.trace(x) for x in X]
    batch_loss = getattr(nn, loss)([t.output for t in traces], y)
    batch_loss.backward()

    # The documents' equations, by hand.
    dW, db, samples = equations.batch_gradients(model, X, y, loss)

    weights = equations.weights_of(model)
    sizes = [term_sizes(weights, hand, t) for hand, t in zip(samples, y)]
    for l, layer in enumerate(model.layers, start=1):
        a_in = [max(abs(v) for v in ([*hand.x] if l == 1 else hand.a[l - 2])) for hand in samples]
        # dL/dw^l_jk = mean over samples of a^(l-1)_k delta^l_j;  dL/db^l_j = mean of delta^l_j
        assert_equal_to_the_equations([w.grad for n in layer.neurons for w in n.w],
                                      [v for row in dW[l - 1] for v in row], f"dL/dW^{l}",
                                      max(size[l - 1] * a for size, a in zip(sizes, a_in)))
        assert_equal_to_the_equations([n.b.grad for n in layer.neurons], db[l - 1], f"dL/db^{l}",
                                      max(size[l - 1] for size in sizes))
        for s, (trace, hand) in enumerate(zip(traces, samples)):
            # delta^l_j = dL/dz^l_j: sample s's share of the batch mean is its own delta / B.
            assert_equal_to_the_equations(trace.deltas()[l - 1], [d / B for d in hand.delta[l - 1]],
                                          f"delta^{l} of sample {s}", sizes[s][l - 1] / B)
            # z^l = W^l a^(l-1) + b^l and a^l = sigma(z^l): the forward pass agrees too (to the size
            # of the terms sum_k |w^l_jk a^(l-1)_k| + |b^l_j|; sigma changes no size by more than that).
            W, b = weights[l - 1].W, weights[l - 1].b
            a_prev = hand.x if l == 1 else hand.a[l - 2]
            z_terms = max(sum(abs(w * a) for w, a in zip(W_j, a_prev)) + abs(b_j) for W_j, b_j in zip(W, b))
            assert_equal_to_the_equations([z.data for z in trace.z[l - 1]], hand.z[l - 1], f"z^{l}", z_terms)
            assert_equal_to_the_equations([a.data for a in trace.a[l - 1]], hand.a[l - 1], f"a^{l}", z_terms)


def test_softmax_cross_entropy_output_error_is_softmax_minus_y():
    """delta^L = softmax(z^L) - y for a linear output layer under softmax + cross-entropy."""
    model = nn.MLP(3, [4, 3], activation="tanh", seed=1)
    x, c = [0.5, -1.0, 2.0], 2
    trace = model.trace(x)
    nn.cross_entropy([trace.output], [c]).backward()
    y = [1.0 if j == c else 0.0 for j in range(3)]
    expected = [s - y_j for s, y_j in zip(equations.softmax([z.data for z in trace.z[-1]]), y)]
    assert_equal_to_the_equations(trace.deltas()[-1], expected, "delta^L")
    assert_equal_to_the_equations(equations.backprop(model, x, c, "cross_entropy").delta[-1], expected, "delta^L")


def test_weights_given_as_matrices():
    """backprop() also takes the W^l, b^l, sigma of each layer as plain lists."""
    layers = [equations.LayerWeights([[1.0, -1.0], [0.5, 2.0]], [0.0, -1.0], "relu"),
              equations.LayerWeights([[1.0, 3.0]], [0.5], "linear")]
    r = equations.backprop(layers, [1.0, 0.5], 1.0, "mse")
    # z^1 = (0.5, 0.5), a^1 = (0.5, 0.5), z^2 = a^2 = 0.5 + 1.5 + 0.5 = 2.5
    assert r.z == [[0.5, 0.5], [2.5]] and r.a[-1] == [2.5]
    # delta^2 = 2 (2.5 - 1) = 3; delta^1 = (W^2)^T delta^2 (.) relu'(z^1) = (3, 9)
    assert r.delta == [[3.0, 9.0], [3.0]]
    assert r.dW == [[[3.0, 1.5], [9.0, 4.5]], [[1.5, 1.5]]] and r.db == [[3.0, 9.0], [3.0]]
