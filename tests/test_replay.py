"""Batched replay (autograd_lite.replay) against the scalar engine run on every example."""

import doctest
import math
import random
import warnings
from contextlib import contextmanager
from unittest import mock

import numpy as np
import pytest
from graphs import build as graph_of
from graphs import programs as steps_over
from hypothesis import given, settings
from hypothesis import strategies as st

import autograd_lite.replay
from autograd_lite import (
    Replay,
    ReplayError,
    Value,
    arraymath,
    compile,
    floatmath,
    local_gradients,
    topological_order,
    weighted_sum,
)

REL = 1e-12


def scalar_run(build, params, X):
    """One scalar graph and backward() per example: per-lane values, parameter and input gradients,
    and each gradient's 'absolute' size sum over paths of |product of local derivatives| (the scale
    below which summing the same terms in another order may move a result that cancelled)."""
    values, pgrads, igrads, pmags, imags = [], [], [], [], []
    for row in X:
        xs = [Value(float(v)) for v in row]
        for p in params:
            p.grad = 0.0
        root = build(xs, params)
        root.backward()
        mag = {root: 1.0}
        for node in reversed(topological_order(root, leaves=False)):
            for parent, local in zip(node.parents, local_gradients(node)):
                mag[parent] = mag.get(parent, 0.0) + abs(local) * mag.get(node, 0.0)
        values.append(root.data)
        pgrads.append([p.grad for p in params])
        igrads.append([x.grad for x in xs])
        pmags.append([mag.get(p, 0.0) for p in params])
        imags.append([mag.get(x, 0.0) for x in xs])
    return (np.array(values), np.array(pgrads).reshape(len(X), len(params)),
            np.array(igrads).reshape(X.shape), np.array(pmags).reshape(len(X), len(params)),
            np.array(imags).reshape(X.shape))


def assert_close(got, want, scale=None):
    """Equal to REL relative (nan where nan, the same infinities), or within REL * scale absolute
    where the scalar result itself came out of cancelling terms of that size."""
    got, want = np.broadcast_arrays(np.asarray(got, float), np.asarray(want, float))
    scale = np.zeros_like(want) if scale is None else np.nan_to_num(np.asarray(scale, float), posinf=0.0)
    nan = np.isnan(want)
    assert np.array_equal(np.isnan(got), nan), (got, want)
    inf = np.isinf(want)
    assert np.array_equal(got[inf], want[inf]), (got, want)
    ok = ~nan & ~inf
    err = np.abs(got[ok] - want[ok])
    assert np.all(err <= REL * np.abs(want[ok]) + REL * scale[ok] + 1e-300), (got, want, err)


def trace(build, params, n_inputs, row=None):
    xs = [Value(0.0 if row is None else float(v), label=f"x{k}") for k, v in enumerate(row or [0.0] * n_inputs)]
    return build(xs, params), xs


# -- random expression graphs over the whole operation table ------------------------------------

CONSTANTS = [-2.0, -0.5, 0.0, 0.5, 1.0, 2.0, 3.0]


@st.composite
def programs(draw):
    """A random straight-line program: each step applies an operation of the table to earlier
    nodes (inputs, parameters, previous steps) or constants; the last step is the root."""
    n_in, n_par = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    steps = draw(steps_over(n_in + n_par, st.sampled_from(CONSTANTS), max_steps=10, min_terms=1))
    floats = st.floats(-3, 3, allow_nan=False)
    batch = draw(st.integers(1, 5))
    X = np.array(draw(st.lists(st.lists(floats, min_size=n_in, max_size=n_in), min_size=batch, max_size=batch)))
    params = [Value(draw(st.floats(-2, 2, allow_nan=False)), label=f"p{k}") for k in range(n_par)]
    return steps, X, params


def builder(steps):
    def build(xs, params):
        return graph_of(steps, [*xs, *params])[-1]
    return build


@contextmanager
def numpy_elementary_functions():
    """The scalar engine with numpy's exp, log, tanh, pow and sigmoid in place of libm's.

    The two round some results differently in the last bit, and a local derivative like
    1 - tanh(a)^2 near saturation turns one ulp of tanh into a large relative difference. With the
    same elementary functions, only the order of additions differs between the scalar engine and
    the replay, and that is what the tolerance allows for. (The MLP tests below use libm as is.)
    """
    def scalar(f):
        return lambda *x: float(f(*x))

    with np.errstate(all="ignore"), mock.patch.multiple(
            floatmath, exp=scalar(np.exp), log=scalar(np.log), tanh=scalar(np.tanh), pow=scalar(np.power),
            sigmoid=scalar(arraymath.sigmoid)):
        yield


def replays_like_the_scalar_engine(program):
    """Replay a random program over its batch and compare with the scalar engine run example by
    example (with numpy's elementary functions, see above).

    A weighted sum replayed as a matrix product adds its terms in BLAS's order, the scalar engine in
    its own: x + -0.5 + 0.5 is 0 one way and x the other. The terms of these programs are of order 1,
    so values agree to 1e-12 of 1 where they cancel, not of what is left."""
    steps, X, params = program
    build = builder(steps)
    with numpy_elementary_functions():
        values, pgrads, igrads, pmags, imags = scalar_run(build, params, X)
    root, xs = trace(build, params, X.shape[1])
    replay = compile(root, inputs=xs, params=params)
    got_values, got_pgrads, got_igrads = replay.gradients(X)
    scale = np.maximum(np.abs(values), 1.0)
    assert_close(got_values, values, scale)
    assert_close(got_pgrads, pgrads, pmags)
    assert_close(got_igrads, igrads, imags)
    loss, grads = replay.run(X)  # the batch's summed loss and parameter gradients
    with np.errstate(all="ignore"):  # inf - inf in the expected sums is nan, as it must be
        assert_close(loss, values.sum(), scale.sum())
        assert_close(grads, pgrads.sum(axis=0), np.abs(pgrads).sum(axis=0) + pmags.sum(axis=0))


@settings(max_examples=300, deadline=None)
@given(programs())
def test_random_graphs_replay_like_the_scalar_engine_on_every_example(program):
    replays_like_the_scalar_engine(program)


# -- an MLP and losses written with engine operations only (the nn-level test uses the real nn) -----

def mlp_builder(sizes, activation, loss, rng):
    """Weights of a random MLP and a function building one example's loss from (x..., target...)."""
    layers, nin = [], sizes[0]
    for nout in sizes[1:]:
        layers.append([([Value(rng.gauss(0, 1)) for _ in range(nin)], Value(rng.gauss(0, 0.5))) for _ in range(nout)])
        nin = nout
    params = [v for layer in layers for w, b in layer for v in (*w, b)]
    n_in = sizes[0]

    def build(xs, _params):
        a, t = xs[:n_in], xs[n_in:]
        for depth, layer in enumerate(layers):
            z = [weighted_sum(w, a, b) for w, b in layer]
            last = depth == len(layers) - 1
            a = z if last else [getattr(zj, activation)() for zj in z]
        if loss == "mse":
            return sum((aj - tj) ** 2 for aj, tj in zip(a, t)) / len(a)
        if loss == "hinge":
            return (1 - t[0] * a[0]).relu()
        from autograd_lite import logsumexp
        return logsumexp(a) - sum(tj * aj for tj, aj in zip(t, a))  # cross-entropy, one-hot target

    return build, params


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid"])
@pytest.mark.parametrize("loss", ["mse", "hinge", "cross_entropy"])
def test_mlp_losses_match_summed_scalar_backward_to_1e12(activation, loss):
    rng = random.Random(f"{activation}{loss}")
    n_out = 1 if loss == "hinge" else 3
    build, params = mlp_builder([4, 5, 6, n_out], activation, loss, rng)
    X = np.array([[rng.gauss(0, 1) for _ in range(4)] for _ in range(17)])
    if loss == "cross_entropy":
        T = np.eye(n_out)[[rng.randrange(n_out) for _ in range(len(X))]]
    else:
        T = np.array([[rng.choice([-1.0, 1.0]) if loss == "hinge" else rng.gauss(0, 1) for _ in range(n_out)]
                      for _ in range(len(X))])
    XT = np.hstack([X, T])
    values, pgrads, *_ = scalar_run(build, params, XT)
    root, xs = trace(build, params, XT.shape[1])
    other, other_xs = trace(build, params, XT.shape[1], list(XT[1]))
    replay = compile(root, xs, params, check=[(other, other_xs)])
    loss_sum, grads = replay.run(XT, reduction="sum")
    # Relative to the sum of the examples' |terms|: a gradient whose examples cancel to ~0 can only
    # be as exact as summing its terms in another order allows.
    assert_close(loss_sum, math.fsum(values), np.abs(values).sum())
    assert_close(grads, [math.fsum(col) for col in pgrads.T], np.abs(pgrads).sum(axis=0))
    loss_mean, grads_mean = replay.run(XT, reduction="mean")
    assert loss_mean == loss_sum / len(XT) and np.array_equal(grads_mean, grads / len(XT))


# -- the Replay object's contract ------------------------------------------------------------------

def test_parameters_are_read_at_every_run_and_grads_accumulate_on_request():
    x, w, b = Value(0.0, "x"), Value(2.0, "w"), Value(1.0, "b")
    program = compile(w * x + b, [x], [w, b])
    X = [[1.0], [2.0], [3.0]]
    assert program.run(X) == (15.0, pytest.approx([6.0, 3.0]))
    w.data = -1.0  # a training step: the same program sees the new value
    loss, grads = program.run(X, accumulate=True)
    assert loss == -3.0 and list(grads) == [6.0, 3.0] and (w.grad, b.grad) == (6.0, 3.0)
    program.run(X, accumulate=True)
    assert (w.grad, b.grad) == (12.0, 6.0)
    assert list(program.forward(X)) == [0.0, -1.0, -2.0]


def test_default_params_are_the_non_constant_leaves_and_other_leaves_are_read_live():
    x, w, s = Value(0.0, "x"), Value(2.0, "w"), Value(10.0, "s")
    root = (w * x + 3.0) * s
    assert set(compile(root, [x]).params) == {w, s}
    program = compile(root, [x], [w])  # s: not differentiated, but still read at every run
    assert program.run([[1.0]])[0] == 50.0
    s.data = 1.0
    assert program.run([[1.0]])[0] == 5.0


def test_root_may_be_a_leaf_and_inputs_need_not_be_used():
    x, unused, w = Value(0.0), Value(0.0), Value(4.0)
    program = compile(w, [x, unused], [w])
    assert program.run([[1.0, 2.0], [3.0, 4.0]]) == (8.0, pytest.approx([2.0]))
    values, pgrads, igrads = compile(x * x, [x, unused]).gradients([[3.0, 0.0]])
    assert values.tolist() == [9.0] and pgrads.shape == (1, 0) and igrads.tolist() == [[6.0, 0.0]]


def test_shared_operands_sum_their_contributions():
    # x feeds both operands of one node, and several nodes of one group: every path must count.
    x, w = Value(0.0), Value(1.5)
    a, b, c = x * x, x * w, w * w
    root = a * b + c * x
    values, pgrads, igrads = compile(root, [x], [w]).gradients([[2.0], [-1.0]])
    for lane, xv in enumerate([2.0, -1.0]):  # root = w x^3 + w^2 x
        assert values[lane] == pytest.approx(1.5 * xv ** 3 + 2.25 * xv, rel=REL)
        assert igrads[lane, 0] == pytest.approx(4.5 * xv ** 2 + 2.25, rel=REL)
        assert pgrads[lane, 0] == pytest.approx(xv ** 3 + 3.0 * xv, rel=REL)


def test_inf_and_nan_are_ieee_results_without_warnings():
    x = Value(1.0)
    program = compile(x.log() + (x * 1000.0).exp(), [x])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        values, _, igrads = program.gradients([[0.0], [-1.0], [1.0]])
    assert values[0] == -math.inf
    assert math.isnan(values[1]) and values[2] == math.inf
    assert igrads[:, 0].tolist() == [math.inf, -1.0, math.inf]  # d ln x/dx = 1/x even where ln x is nan


@pytest.mark.parametrize("X, message", [([1.0, 2.0], r"shape \(batch, 1\).*got shape \(2,\)"),
                                        ([[1.0, 2.0]], r"got shape \(1, 2\)"),
                                        (np.zeros((0, 1)), r"got shape \(0, 1\)")])
def test_bad_batches_are_named(X, message):
    x = Value(0.0)
    with pytest.raises(ValueError, match=message):
        compile(x * 2, [x]).run(X)


def test_bad_compile_arguments_are_named():
    x, w = Value(0.0, "x"), Value(1.0, "w")
    y = x * w
    with pytest.raises(TypeError, match="takes a Value root"):
        compile(1.0, [x])
    with pytest.raises(TypeError, match="inputs must be Values, got float at position 0"):
        compile(y, [1.0])
    with pytest.raises(ValueError, match=r"inputs must be leaves: input 0 \('\*' node\) was made"):
        compile(y * 2, [y])
    with pytest.raises(ValueError, match="the same Value twice"):
        compile(y, [x, x])
    with pytest.raises(ValueError, match="params and inputs must be different"):
        compile(y, [x], [x])
    with pytest.raises(ValueError, match="reduction must be 'sum' or 'mean'"):
        compile(y, [x]).run([[1.0]], reduction="max")
    with pytest.raises(TypeError, match="check trace 1 must be"):
        compile(y, [x], check=[(y, [])])


# -- graphs that depend on the data are refused, naming the first differing node ------------------

def traces(f, rows):
    out = []
    for row in rows:
        xs = [Value(float(v), label=f"x{k}") for k, v in enumerate(row)]
        out.append((f(xs), xs))
    return out


def test_a_python_branch_on_data_is_refused():
    def f(xs):
        x = xs[0]
        return x * 2 if x.data > 0 else x.tanh()
    (root, xs), other = traces(f, [[1.0], [-1.0]])
    with pytest.raises(ReplayError, match=r"trace 1 differs from the compiled trace 0 at node 1, operand 2 of node 2 "
                                          r"\('\*' node\): 'tanh' node of nodes \[0\] instead of constant = 2\.0; "
                                          r"the graph's structure depends on the data"):
        compile(root, xs, check=[other])


def test_a_loop_count_on_data_is_refused():
    def f(xs):
        y = xs[0]
        for _ in range(int(abs(xs[0].data))):
            y = y * xs[0]
        return y
    (root, xs), other = traces(f, [[2.0], [3.0]])
    with pytest.raises(ReplayError, match="trace 1 has 4 nodes where the compiled trace 0 has 3"):
        compile(root, xs, check=[other])


def test_a_constant_computed_from_data_is_refused_naming_its_user():
    def f(xs):
        z = (xs[0] * 3.0)
        z.label = "z"
        return z * max(xs[0].data, 0.0)  # the number, not a node: the replay would bake it
    (root, xs), other = traces(f, [[1.0], [2.0]])
    with pytest.raises(ReplayError, match=r"at node 3, operand 2 of node 4 \('\*' node\): constant = 2\.0 instead of "
                                          r"constant = 1\.0; a number computed from the data"):
        compile(root, xs, check=[other])


def test_a_leaf_made_from_data_is_refused():
    def f(xs):
        return xs[0] * Value(xs[1].data, label="copy")
    (root, xs), other = traces(f, [[1.0, 5.0], [1.0, 6.0]])
    with pytest.raises(ReplayError, match=r"at node 1, operand 2 of node 2 \('\*' node\): leaf 'copy' = 6\.0 instead "
                                          r"of leaf 'copy' = 5\.0; a number computed from the data"):
        compile(root, xs, [], check=[other])
    with pytest.raises(ReplayError, match="instead of parameter leaf 'copy'; the parameter is another Value"):
        compile(root, xs, check=[other])  # by default the copy is taken for a parameter
    (root, xs), other = traces(f, [[1.0, 5.0], [1.0, 5.0]])
    assert compile(root, xs, [], check=[other]).run([[2.0, 7.0]])[0] == 10.0  # documented: not seen at equal data


def test_inputs_swapped_between_traces_are_refused():
    (root, xs), (other, other_xs) = traces(lambda xs: xs[0] - xs[1], [[1.0, 2.0], [1.0, 2.0]])
    with pytest.raises(ReplayError, match=r"at node 0, operand 1 of node 2 \(.-. node\): "
                                          r"input 1 instead of input 0; inputs are used"):
        compile(root, xs, check=[(other, other_xs[::-1])])


def test_same_structure_at_other_data_passes_the_check():
    w = Value(0.5, "w")
    (root, xs), *others = traces(lambda xs: (w * xs[0] - 1.0).relu() ** 2, [[1.0], [-4.0], [0.0]])
    program = compile(root, xs, [w], check=others)
    assert isinstance(program, Replay) and "1 inputs, 1 parameters" in repr(program)


def test_docstring_example():
    assert doctest.testmod(autograd_lite.replay).failed == 0


def test_batch_sizes_and_threads_share_one_program():
    import threading

    x, w = Value(0.0), Value(0.7)
    program = compile(((w * x).tanh() - x) ** 2, [x], [w])
    rng = np.random.default_rng(0)
    batches = [rng.normal(size=(n, 1)) for n in (1, 7, 3, 7, 2, 5, 9, 1)]  # more sizes than are kept
    want = [program.run(X) for X in batches]
    for X, (loss, grads) in zip(batches, want):
        t = np.tanh(0.7 * X[:, 0])
        assert loss == pytest.approx(np.sum((t - X[:, 0]) ** 2), rel=REL)
        assert grads[0] == pytest.approx(np.sum(2 * (t - X[:, 0]) * (1 - t * t) * X[:, 0]), rel=1e-10)
    results = {}

    def work(k):
        results[k] = [program.run(X) for X in batches * 20]

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got in results.values():
        assert all(loss == w_loss and np.array_equal(g, w_g) for (loss, g), (w_loss, w_g) in zip(got, want * 20))


def test_outputs_are_interior_values_in_every_lane():
    x, t, w = Value(0.0, "x"), Value(0.0, "t"), Value(0.7, "w")
    a = (w * x).tanh()
    b = a * x
    program = compile((a - t) ** 2 + b, [x, t], [w], outputs=[b, a, w])
    X = np.array([[0.5, 1.0], [-2.0, 0.0], [3.0, -1.0]])
    got = program.outputs(X)
    want_a = np.tanh(0.7 * X[:, 0])
    assert got.shape == (3, 3)
    assert got[:, 1] == pytest.approx([math.tanh(0.7 * v) for v in X[:, 0]], rel=REL)  # the scalar engine's
    assert got[:, 0] == pytest.approx(want_a * X[:, 0], rel=REL) and np.array_equal(got[:, 2], [0.7] * 3)
    assert program.forward(X) == pytest.approx((want_a - X[:, 1]) ** 2 + want_a * X[:, 0], rel=REL)
    assert compile(a, [x]).outputs(X[:, :1]).shape == (3, 0)


def test_outputs_must_be_nodes_of_the_graph():
    x = Value(0.0, "x")
    with pytest.raises(ValueError, match=r"output 1 \(leaf 'z'\) is not"):
        compile(x * 2, [x], outputs=[x, Value(1.0, "z")])
    with pytest.raises(ValueError, match=r"output 0 \(list\) is not"):
        compile(x * 2, [x], outputs=[[x]])


# -- the matrix form: weighted sums of the same inputs with leaf weights run as z = W a + b -------

def check_against_scalar(build, params, X):
    """Per-lane values and gradients, and the summed run, of the compiled graph against one scalar
    backward() per example; returns the compiled program."""
    values, pgrads, igrads, pmags, imags = scalar_run(build, params, X)
    root, xs = trace(build, params, X.shape[1])
    program = compile(root, xs, params)
    got_values, got_pgrads, got_igrads = program.gradients(X)
    assert_close(got_values, values)
    assert_close(got_pgrads, pgrads, pmags)
    assert_close(got_igrads, igrads, imags)
    loss, grads = program.run(X)
    assert_close(loss, values.sum(), np.abs(values).sum())
    assert_close(grads, pgrads.sum(axis=0), np.abs(pgrads).sum(axis=0) + pmags.sum(axis=0))
    return program


def matrices(program):
    """The explain() lines of the matrix products, as 'W m x n'."""
    import re
    return re.findall(r"matrix product .* (W \d+ x \d+):", program.explain())


def test_a_users_own_layer_of_weighted_sums_runs_as_one_matrix_product():
    rng = random.Random(1)
    W = [[Value(rng.gauss(0, 1), f"W{j}{k}") for k in range(3)] for j in range(4)]
    b = [Value(rng.gauss(0, 1), f"b{j}") for j in range(4)]
    V = [Value(rng.gauss(0, 1), f"v{j}") for j in range(4)]
    params = [*(w for row in W for w in row), *b, *V]

    def build(xs, _):  # no nn: a hand-written layer, its tanh, and a readout, as any user might write
        h = [weighted_sum(row, xs, bj).tanh() for row, bj in zip(W, b)]
        return weighted_sum(V, h, 0.5) ** 2

    program = check_against_scalar(build, params, np.array([[rng.gauss(0, 1) for _ in range(3)] for _ in range(9)]))
    assert matrices(program) == ["W 4 x 3", "W 1 x 4"]
    assert "(2 matrix products)" in repr(program) and "elementwise     tanh x 4" in program.explain()


def test_the_same_inputs_in_another_order_are_another_matrix():
    rng = random.Random(2)
    ws = [[Value(rng.gauss(0, 1)) for _ in range(3)] for _ in range(3)]
    params = [w for row in ws for w in row]

    def build(xs, _):
        a, b, c = xs
        z1 = weighted_sum(ws[0], [a, b, c], 0.0)
        z2 = weighted_sum(ws[1], [c, a, b], 0.0)  # the same nodes, read in another order
        z3 = weighted_sum(ws[2], [a, b, c], 1.0)
        return z1 * z2 + z3.sigmoid()

    program = check_against_scalar(build, params, np.array([[1.0, 2.0, -3.0], [0.5, -1.0, 4.0]]))
    assert sorted(matrices(program)) == ["W 1 x 3", "W 2 x 3"]


def test_weights_shared_between_groups_and_within_one_sum_add_their_gradients():
    rng = random.Random(3)
    w = [Value(rng.gauss(0, 1)) for _ in range(3)]
    tied = [[w[0], w[1]], [w[1], w[1]], [w[2], w[0]]]  # w[1] twice in one sum, w[0] in two rows

    def build(xs, _):
        first = [weighted_sum(row, xs[:2], w[2]) for row in tied]       # one group, over x0, x1
        second = [weighted_sum(row, first[:2], 0.0) for row in tied]    # the same weights, other inputs
        return sum(z.tanh() for z in second) + first[2] + weighted_sum(w, w, 0.0)  # sum_k w_k^2: w as inputs too

    program = check_against_scalar(build, w, np.array([[rng.gauss(0, 1) for _ in range(2)] for _ in range(5)]))
    assert matrices(program) == ["W 3 x 2", "W 1 x 3", "W 3 x 2"]


def test_weights_that_are_computed_or_vary_per_example_are_taken_lane_by_lane():
    rng = random.Random(4)
    w = [Value(rng.gauss(0, 1)) for _ in range(2)]

    def build(xs, _):
        scaled = [wk * 2.0 for wk in w]  # computed weights: nodes of the graph, not leaves
        z1 = weighted_sum(scaled, xs[:2], w[0])
        z2 = weighted_sum(xs[:2], w, xs[2])  # the inputs as weights: one number per example
        z3 = weighted_sum(w, xs[:2], z1)  # leaf weights, a bias that is a node: a matrix product still
        return z1 * z2 + z3

    program = check_against_scalar(build, w, np.array([[rng.gauss(0, 1) for _ in range(3)] for _ in range(4)]))
    assert matrices(program) == ["W 1 x 2"] and "(1 matrix product)" in repr(program)
    assert program.explain().count("per-lane product z = W a + b, W 1 x 2 in each lane") == 2


def test_weighted_sums_over_sliding_patches_stay_one_elementwise_group():
    rng = random.Random(5)
    kernel = [Value(rng.gauss(0, 1)) for _ in range(3)]

    def build(xs, _):  # a 1-d convolution: one kernel, a different patch of the inputs at each position
        out = [weighted_sum(kernel, xs[i:i + 3], 0.0).tanh() for i in range(len(xs) - 2)]
        return weighted_sum([1.0] * len(out), out, 0.0)

    program = check_against_scalar(build, kernel, np.array([[rng.gauss(0, 1) for _ in range(12)] for _ in range(3)]))
    assert "elementwise     wsum x 10 (10 different input lists: cheaper than 10 matrix products)" in program.explain()
    assert matrices(program) == ["W 1 x 10"]


@st.composite
def layered_programs(draw):
    """Random layers of weighted sums: each reads a tuple of earlier nodes drawn from a few (so that
    several sums share inputs, in the same or another order), weights drawn from parameters,
    constants, inputs and computed nodes, a bias drawn likewise; an activation now and then."""
    n_in, n_par = draw(st.integers(1, 3)), draw(st.integers(1, 4))
    steps = []
    for s in range(draw(st.integers(1, 12))):
        available = n_in + n_par + s
        if s and draw(st.booleans()):
            steps.append((draw(st.sampled_from(["tanh", "relu", "sigmoid"])), [draw(st.integers(0, available - 1))]))
            continue
        width = draw(st.integers(1, 3))
        inputs = draw(st.lists(st.integers(0, available - 1), min_size=width, max_size=width))
        if steps and draw(st.booleans()):  # another sum over the inputs of an earlier one, maybe permuted
            earlier = [refs for name, refs in steps if name == "wsum"]
            if earlier:
                prior = draw(st.sampled_from(earlier))
                inputs = draw(st.permutations(prior[len(prior) // 2:-1]))
        width = len(inputs)
        leaf_refs = st.one_of(st.integers(n_in, n_in + n_par - 1), st.sampled_from(CONSTANTS))
        weight = st.one_of(leaf_refs, leaf_refs, st.integers(0, available - 1))
        weights = draw(st.lists(weight, min_size=width, max_size=width))
        steps.append(("wsum", [*weights, *inputs, draw(weight)]))
    floats = st.floats(-2, 2, allow_nan=False)
    batch = draw(st.integers(1, 4))
    X = np.array(draw(st.lists(st.lists(floats, min_size=n_in, max_size=n_in), min_size=batch, max_size=batch)))
    params = [Value(draw(st.floats(-2, 2, allow_nan=False)), label=f"p{k}") for k in range(n_par)]
    return steps, X, params


@settings(max_examples=200, deadline=None)
@given(layered_programs())
def test_random_layers_of_weighted_sums_replay_like_the_scalar_engine(program):
    replays_like_the_scalar_engine(program)


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_strided_views_are_exactly_the_gathers_they_replace(data):
    from autograd_lite.replay import _strided

    lanes = data.draw(st.integers(0, 2))
    base = np.arange(60.0 * max(lanes, 1)).reshape((60, lanes) if lanes else (60,))
    m, n = data.draw(st.integers(1, 4)), data.draw(st.integers(1, 4))
    if data.draw(st.booleans()):  # evenly stepping positions (a layer's weights), or anything
        first, row, col = data.draw(st.integers(0, 5)), data.draw(st.integers(0, 8)), data.draw(st.integers(0, 3))
        index = first + row * np.arange(m)[:, None] + col * np.arange(n)[None, :]
    else:
        index = np.array(data.draw(st.lists(st.integers(0, 59), min_size=m * n, max_size=m * n))).reshape(m, n)
    if index.max() >= 60:
        return
    view = _strided(base, index)
    row = index[1, 0] - index[0, 0] if m > 1 else 0
    col = index[0, 1] - index[0, 0] if n > 1 else 0
    even = np.array_equal(index, index[0, 0] + row * np.arange(m)[:, None] + col * np.arange(n)[None, :])
    assert (view is None) == (len(np.unique(index)) < index.size or min(row, col) < 0 or not even)
    if view is None:  # refused: repeated positions, or not stepping evenly forward: gathered instead
        return
    assert np.array_equal(view, base[index])
    view += 1000.0  # writing through the view reaches exactly those positions
    expected = np.arange(60.0 * max(lanes, 1)).reshape(base.shape)
    expected[index.ravel()] += 1000.0
    assert np.array_equal(base, expected)
