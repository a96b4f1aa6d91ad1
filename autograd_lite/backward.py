"""Reverse mode: the topological order of a graph and the chain rule, one node at a time.

`chain_rule_step` is the single place where gradients flow; `backward()` and the stepper
(`autograd_lite.stepper`) both call it, so they agree bit for bit.
"""

from __future__ import annotations

from . import floatmath as fm
from .anomaly import check_backward
from .modes import modes
from .value import Value, _as_float


def topological_order(root: Value, *, leaves: bool = True) -> list[Value]:
    """Every node `root` depends on, each after all of its parents (leaves first, `root` last).

    An iterative depth-first search, so a chain of any depth works, linear in the number of nodes.
    A node is marked when it is expanded (not when pushed), and a ``None`` on the stack means
    "the node below me has had all its parents emitted": emit it. A leaf has no parents, so it is
    emitted as soon as it is met. ``leaves=False`` leaves them out (backward needs no step there).
    """
    if not isinstance(root, Value):
        raise TypeError(f"topological_order() takes a Value, got {type(root).__name__}")
    if root._fn is None:
        return [root] if leaves else []
    visited = set()
    order: list[Value] = []
    stack: list[Value | None] = [root]
    push, pop, emit, mark = stack.append, stack.pop, order.append, visited.add
    while stack:
        node = pop()
        if node is None:
            emit(pop())
        elif node not in visited:
            mark(node)
            push(node)
            push(None)
            for p in node.parents:
                if p._fn is not None:
                    if p not in visited:
                        push(p)
                elif leaves and p not in visited:
                    mark(p)
                    emit(p)
    return order


def local_gradients(node: Value) -> tuple[float, ...]:
    """d node / d parent_i for each parent, from the operation table (empty for a leaf)."""
    if node._fn is None:
        return ()
    return node._fn.backward(fm, node.data, *[p.data for p in node.parents])


def chain_rule_step(node: Value) -> tuple[float, ...]:
    """Pass an interior node's gradient to its parents: dL/dparent_i += d node/d parent_i * dL/dnode.

    Returns the local derivatives used. This is the only place gradients flow.
    """
    parents = node.parents
    g = node.grad
    # One- and two-operand nodes are nearly all of a graph: unpacking them directly is faster.
    if len(parents) == 2:
        a, b = parents
        locals_ = node._fn.backward(fm, node.data, a.data, b.data)
        a.grad += locals_[0] * g
        b.grad += locals_[1] * g
    elif len(parents) == 1:
        (a,) = parents
        locals_ = node._fn.backward(fm, node.data, a.data)
        a.grad += locals_[0] * g
    else:
        locals_ = node._fn.backward(fm, node.data, *[p.data for p in parents])
        for parent, local in zip(parents, locals_):
            parent.grad += local * g
    return locals_


def prepare(root: Value, grad: float = 1.0, order: list[Value] | None = None) -> list[Value]:
    """Start a backward pass: seed the root and return the interior nodes in topological order.

    Leaves keep what they hold (they accumulate, as in PyTorch); interior nodes start from 0 so
    they end with exactly this pass's gradient. ``order``: those interior nodes, in topological
    order, when the caller has them already.
    """
    grad = grad if type(grad) is float else _as_float(grad, "backward(grad=...)")
    if root._fn is None:
        root.grad += grad
        return []
    if order is None:
        order = topological_order(root, leaves=False)
    for node in order:
        node.grad = 0.0
    root.grad = grad
    return order



def backward(root: Value, grad: float = 1.0) -> None:
    """See `Value.backward`."""
    order = prepare(root, grad)
    step = chain_rule_step
    if modes.anomaly:
        for node in reversed(order):
            check_backward(node, step(node))
        return
    for node in reversed(order):
        step(node)
