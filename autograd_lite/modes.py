"""Thread-local modes -- the engine's only mutable state -- and `no_grad()`.

Modes are entered with context managers (`no_grad()` here, `detect_anomaly()` in
`autograd_lite.anomaly`), nest, and affect only the thread that enters them, as in PyTorch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class _Modes(threading.local):
    # Class attributes are each thread's defaults. `plain` caches "recording and not checking" so
    # the hot path of every operation reads one attribute.
    grad_enabled = True
    anomaly = False
    plain = True

    def update(self) -> None:
        self.plain = self.grad_enabled and not self.anomaly


modes = _Modes()


@contextmanager
def no_grad() -> Iterator[None]:
    """Operations inside record no parents: their results are leaves (constants for backward)."""
    previous = modes.grad_enabled
    modes.grad_enabled = False
    modes.update()
    try:
        yield
    finally:
        modes.grad_enabled = previous
        modes.update()


@contextmanager
def enable_grad() -> Iterator[None]:
    """Record operations again inside a `no_grad()` block."""
    previous = modes.grad_enabled
    modes.grad_enabled = True
    modes.update()
    try:
        yield
    finally:
        modes.grad_enabled = previous
        modes.update()


def is_grad_enabled() -> bool:
    """Whether operations in this thread currently record their parents."""
    return modes.grad_enabled
