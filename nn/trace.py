"""`Trace`: one forward pass of an MLP with its z and a nodes kept, to read the deltas off.

After ``loss.backward()`` the gradient stored on each pre-activation node is the documents' error
signal, delta^l_j = dL/dz^l_j, so the deltas of every layer are read, not recomputed.
"""

from __future__ import annotations

from dataclasses import dataclass

from autograd_lite import Value


@dataclass
class Trace:
    """``inputs`` = a^(0); ``z[l-1]`` and ``a[l-1]`` = the nodes of layer l = 1..L, one per neuron.

    For a linear layer a^l is z^l: the same nodes.
    """

    inputs: list[Value]
    z: list[list[Value]]
    a: list[list[Value]]

    @property
    def output(self) -> Value | list[Value]:
        """a^L, as the model returns it: one Value when the last layer has one neuron."""
        last = self.a[-1]
        return last[0] if len(last) == 1 else last

    def deltas(self) -> list[list[float]]:
        """delta^l_j = dL/dz^l_j = z^l_j.grad for every layer (after backward)."""
        return [[z.grad for z in layer] for layer in self.z]
