"""The documents' backpropagation equations next to the graph's gradients, for a 2-3-2 network.

    python demos/equations.py [--seed 0] [--activation sigmoid|tanh|relu]

One sample, x = (0.5, -1.2), class 1 (0-based) of 2; sigmoid hidden layer, linear output and softmax
cross-entropy, so the output error is the documents' delta^2 = softmax(z^2) - y. The equations
(`nn.equations.backprop`, plain floats, no graph) give

    delta^L = softmax(z^L) - y,   delta^l = ((W^(l+1))^T delta^(l+1)) (.) sigma'(z^l),
    dL/dw^l_jk = a^(l-1)_k delta^l_j,   dL/db^l_j = delta^l_j;

the graph gives delta^l_j = z[l]_j.grad and dL/dw^l_jk = w[l]_jk.grad after loss.backward().
"""

from __future__ import annotations

from common import demo_parser

import nn

X, Y = [0.5, -1.2], 1


def rows(model: nn.MLP, trace: nn.Trace, eq: nn.equations.Backprop) -> list[tuple[str, float, float]]:
    """(quantity, by the equations, by the graph) for every delta, weight gradient and bias gradient."""
    out = []
    deltas = trace.deltas()
    for l, layer in enumerate(model.layers):
        for j, neuron in enumerate(layer.neurons):
            out.append((f"delta[{l + 1}]_{j + 1}", eq.delta[l][j], deltas[l][j]))
            out += [(f"dL/d{w.label}", eq.dW[l][j][k], w.grad) for k, w in enumerate(neuron.w)]
            out.append((f"dL/d{neuron.b.label}", eq.db[l][j], neuron.b.grad))
    return out


def main(argv: list[str] | None = None) -> float:
    parser = demo_parser(__doc__, seed=(0, "seed of the weights"))
    parser.add_argument("--activation", choices=["sigmoid", "tanh", "relu"], default="sigmoid",
                        help="hidden layer's activation (default: %(default)s)")
    args = parser.parse_args(argv)

    model = nn.MLP(2, [3, 2], activation=args.activation, seed=args.seed)
    trace = model.trace(X)
    loss = nn.cross_entropy([trace.output], [Y])
    loss.backward()
    eq = nn.equations.backprop(model, X, Y, "cross_entropy")
    print(f"MLP(2, [3, 2]), {args.activation} hidden layer, linear output, softmax cross-entropy; "
          f"x = {X}, class {Y}; L = {loss.data:.6f}\n")
    table = rows(model, trace, eq)
    print(f"{'quantity':<14}{'equations':>22}{'graph (.grad)':>22}{'|difference|':>14}")
    for name, by_equations, by_graph in table:
        print(f"{name:<14}{by_equations:>22.15g}{by_graph:>22.15g}{abs(by_equations - by_graph):>14.1e}")
    name, worst = max(((n, abs(e - g)) for n, e, g in table), key=lambda t: t[1])
    print(f"\nlargest difference: {worst:.1e} (at {name}), over {len(table)} numbers")
    return worst


if __name__ == "__main__":
    main()
