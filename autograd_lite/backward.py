"""Reverse mode: the order of a backward pass and the chain rule, one node at a time.

A backward pass from a root L visits every node L depends on after all of its consumers, and at each
node applies the chain rule to its operands:

    dL/dx_i += (d node / d x_i) * dL/dnode        for each operand x_i of the node

`chain_rule_step` is that line, the only place where gradients flow; `backward()` and the stepper
(`autograd_lite.stepper`) both call it, so they agree bit for bit. The operation table
(`autograd_lite.ops`) supplies each operand's share ``(d node / d x_i) * dL/dnode``.

This module reads nodes only through their attributes (``operation``, ``parents``, the operand slots
``_a`` and ``_b``, ``_data``, ``_grad``, the creation number ``_sequence``) and imports nothing
above it: `autograd_lite.value` builds on it. A number mixed into an operation (the 0.5 in
``y * 0.5``) is kept in its slot as a float until something asks for the node's ``parents``, which
makes it a constant leaf.
"""

from __future__ import annotations

from operator import attrgetter
from typing import TYPE_CHECKING

from . import floatmath
from .anomaly import check_backward
from .modes import anomaly

if TYPE_CHECKING:
    from .value import Value


def general_chain_rule(node: Value) -> tuple[float, ...]:
    """The chain rule at one node, as it reads: ``x_i.grad += share_i`` for each operand x_i, with
    ``share_i = (d node / d x_i) * node.grad`` from the operation table. Returns the shares.

    Operations of one or two operands run this same rule unrolled, generated from the table by
    `autograd_lite.specialise` (``operation.chain_rule``): no call through ``backward``, 2-3x faster.
    """
    operands = node.parents
    shares = node.operation.backward(floatmath, node._grad, node._data, *[x._data for x in operands])
    for operand, share in zip(operands, shares):
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
    return node.operation.backward(floatmath, 1.0, node._data, *[p._data for p in node.parents])


def backward_order(root: Value) -> list[Value]:
    """The interior nodes `root` depends on, in the order a backward pass visits them: `root` first,
    and every node before its operands (so before its operands, all of its consumers).

    Each node an operation makes is numbered when it is made (``_sequence``, see
    `autograd_lite.value.sequence`), after its operands: newest first puts every node before
    its operands. It is PyTorch's order too (its engine runs the ready node with the largest
    ``sequence_nr``), so gradients reaching a node from several consumers add up in PyTorch's order.

    The walk that finds the nodes is breadth-first over a list that grows while it is read, with the
    set of nodes already met; a folded number (a float in an operand slot) and a leaf are not
    interior, and are passed over. Python's sort does the ordering, in C, and is close to linear on
    the nearly sorted list a breadth-first walk gives. The walk reads the operand slots directly --
    ``_a`` and ``_b`` (None for one operand), or all the operands as a tuple in ``_a`` -- rather
    than through ``parents``: 1.4x faster on a chain.
    """
    if root.operation is None:
        return []
    nodes = [root]
    met = {root}
    add = met.add
    push = nodes.append
    for node in nodes:
        a = node._a
        if type(a) is tuple:
            for x in a:
                if x.operation is not None and x not in met:
                    add(x)
                    push(x)
            continue
        if type(a) is not float and a.operation is not None and a not in met:
            add(a)
            push(a)
        b = node._b
        if b is not None and type(b) is not float and b.operation is not None and b not in met:
            add(b)
            push(b)
    nodes.sort(key=_sequence, reverse=True)
    return nodes


_sequence = attrgetter("_sequence")


def topological_order(root: Value, *, leaves: bool = True) -> list[Value]:
    """Every node `root` depends on, each after all of its operands: the backward order reversed,
    with each leaf just before the first node that uses it (``leaves=False`` leaves them out).

    Iterative, so a chain of any depth works, in time linear in the number of nodes (but for the sort).
    """
    if not hasattr(root, "operation"):
        raise TypeError(f"topological_order() takes a Value, got {type(root).__name__}")
    interior = backward_order(root)[::-1]
    if not leaves:
        return interior
    if not interior:
        return [root]
    order: list[Value] = []
    met = set()
    for node in interior:
        for x in node.parents:  # numbers folded into the node too: `parents` makes them constant leaves
            if x.operation is None and x not in met:
                met.add(x)
                order.append(x)
        order.append(node)
    return order


def start_backward_pass(root: Value, grad: float, order: list[Value] | None = None) -> list[Value]:
    """Begin a backward pass from `root`: zero the grads of the interior nodes (so each ends with
    exactly this pass's gradient), seed ``root.grad = grad``, and return the interior nodes in
    `backward_order` (`order`, when the caller has it already). Leaves keep what they hold: they
    accumulate across passes, as in PyTorch."""
    if root.operation is None:
        root._grad += grad
        return []
    if order is None:
        order = backward_order(root)
    for node in order:
        node._grad = 0.0
    root._grad = grad
    return order


def backward(root: Value, grad: float = 1.0) -> None:
    """See `Value.backward`: the chain rule at every interior node, from the root down."""
    order = start_backward_pass(root, grad)
    if anomaly():
        for node in order:
            check_backward(node, chain_rule_step(node))
        return
    for node in order:
        node.operation.chain_rule(node)  # chain_rule_step, without one call per node
