"""Thread-local modes -- with the node counter (`autograd_lite.value.sequence`), the engine's only
state -- and `no_grad()`.

Modes are entered with context managers (`no_grad()` here, `detect_anomaly()` in
`autograd_lite.anomaly`), nest, and affect only the thread that enters them, as in PyTorch.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager


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
def mode(name: str, value: bool) -> Iterator[None]:
    """Set one of this thread's modes for the duration of a `with` block (restored on exit)."""
    previous = getattr(modes, name)
    setattr(modes, name, value)
    modes.update()
    try:
        yield
    finally:
        setattr(modes, name, previous)
        modes.update()


def no_grad() -> AbstractContextManager[None]:
    """Operations inside record no parents: their results are leaves (constants for backward).

    Usable as ``with no_grad():`` or as a decorator.
    """
    return mode("grad_enabled", False)


def enable_grad() -> AbstractContextManager[None]:
    """Record operations again inside a `no_grad()` block."""
    return mode("grad_enabled", True)


def is_grad_enabled() -> bool:
    """Whether operations in this thread currently record their parents."""
    return modes.grad_enabled
