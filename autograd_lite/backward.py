"""Reverse mode: the order of a backward pass and the chain rule, one node at a time.

A backward pass from a root L visits every node L depends on after all of its consumers, and at each
node applies the chain rule to its operands:

    dL/dx_i += (d node / d x_i) * dL/dnode        for each operand x_i of the node

`chain_rule_step` is that line, the only place where gradients flow; `backward()` and the stepper
(`autograd_lite.stepper`) both call it, so they agree bit for bit. The operation table
(`autograd_lite.ops`) supplies each operand's share ``(d node / d x_i) * dL/dnode``.

This module reads nodes only through their attributes (``operation``, the operand slots ``_a`` and
``_b``, ``_data``, ``_grad``) and imports nothing above it: `autograd_lite.value` builds on it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import floatmath
from .anomaly import check_backward
from .modes import modes

if TYPE_CHECKING:
    from .value import Value


def operands(node: Value) -> tuple[Value, ...]:
    """The node's operands, in order (``()`` for a leaf); `Value.parents` for nodes of any class."""
    operation = node.operation
    if operation is None:
        return ()
    if operation.arity == 2:
        return (node._a, node._b)
    if operation.arity == 1:
        return (node._a,)
    return node._a


def general_chain_rule(node: Value) -> tuple[float, ...]:
    """The chain rule at one node, as it reads: ``x_i.grad += share_i`` for each operand x_i, with
    ``share_i = (d node / d x_i) * node.grad`` from the operation table. Returns the shares.

    Operations of one or two operands run this same rule unrolled, generated from the table by
    `autograd_lite.specialise` (``operation.chain_rule``): no call through ``backward``, 2-3x faster.
    """
    operands_ = operands(node)
    shares = node.operation.backward(floatmath, node._grad, node._data, *[x._data for x in operands_])
    for operand, share in zip(operands_, shares):
        operand._grad += share
    return shares


def chain_rule_step(node: Value) -> tuple[float, ...]:
    """The chain-rule step at an interior node (its operation's ``chain_rule``: the general rule, or
    its unrolled form). `backward()` and the stepper both take this step; it returns the shares."""
    return node.operation.chain_rule(node)


def local_gradients(node: Value) -> tuple[float, ...]:
    """d node / d x_i for each operand x_i (empty for a leaf): the shares for a gradient of 1."""
    if node.operation is None:
        return ()
    return node.operation.backward(floatmath, 1.0, node._data, *[p._data for p in operands(node)])


def topological_order(root: Value, *, leaves: bool = True) -> list[Value]:
    """Every node `root` depends on, each after all of its operands (leaves first, `root` last).

    Depth-first with an explicit stack, so a chain of any depth works, in time linear in the number
    of nodes. A node is pushed back with a ``None`` above it while its operands are visited; popping
    that ``None`` means they all are in the order, and the node follows them. A leaf has no operands:
    it is emitted when first met (``leaves=False`` leaves them out: backward needs no step there).
    """
    if not hasattr(root, "operation"):
        raise TypeError(f"topological_order() takes a Value, got {type(root).__name__}")
    if root.operation is None:
        return [root] if leaves else []
    order: list[Value] = []
    visited = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(None)
            arity = node.operation.arity  # the operands, read as `operands` does, without a call
            for operand in (node._a, node._b) if arity == 2 else (node._a,) if arity == 1 else node._a:
                if operand.operation is not None:
                    if operand not in visited:
                        stack.append(operand)
                elif leaves and operand not in visited:
                    visited.add(operand)
                    order.append(operand)
    return order


def start_backward_pass(root: Value, grad: float, interior: list[Value] | None = None) -> list[Value]:
    """Begin a backward pass from `root`: zero the grads of the interior nodes (so each ends with
    exactly this pass's gradient), seed ``root.grad = grad``, and return the interior nodes in
    topological order (`interior`, when the caller has them already). Leaves keep what they hold:
    they accumulate across passes, as in PyTorch."""
    if root.operation is None:
        root._grad += grad
        return []
    if interior is None:
        interior = topological_order(root, leaves=False)
    for node in interior:
        node._grad = 0.0
    root._grad = grad
    return interior


def backward(root: Value, grad: float = 1.0) -> None:
    """See `Value.backward`: the chain rule at every interior node, from the root down."""
    order = start_backward_pass(root, grad)
    if modes.anomaly:
        for node in reversed(order):
            check_backward(node, chain_rule_step(node))
        return
    for node in reversed(order):
        node.operation.chain_rule(node)  # chain_rule_step, without one call per node
