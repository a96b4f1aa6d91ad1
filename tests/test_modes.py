"""no_grad / enable_grad: nest, restore on exceptions, and affect only the thread that enters them."""

import threading

import pytest

from autograd_lite import Value, detect_anomaly, enable_grad, is_grad_enabled, no_grad


def test_no_grad_nests_and_restores():
    x = Value(1.0)
    with no_grad():
        with no_grad():
            assert not is_grad_enabled()
        assert not is_grad_enabled() and (x * 2).is_leaf
        with enable_grad():
            assert is_grad_enabled()
            y = x * 2
        assert (x * 2).is_leaf
    assert is_grad_enabled() and y.parents[0] is x and not (x * 2).is_leaf


def test_modes_restore_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad(), detect_anomaly():
            raise ZeroDivisionError
    assert is_grad_enabled()
    assert (Value(0.0).log()).data == float("-inf")  # anomaly detection is off again


def test_no_grad_result_is_a_constant_for_backward():
    x = Value(2.0)
    with no_grad():
        c = x * 3
    y = c * x
    y.backward()
    assert x.grad == 6.0 and c.grad == 2.0


def test_no_grad_is_thread_local():
    entered, done = threading.Event(), threading.Event()
    seen = {}

    def worker():
        with no_grad():
            entered.set()
            done.wait(5)
            seen["worker"] = (Value(1.0) * 2).is_leaf

    t = threading.Thread(target=worker)
    t.start()
    assert entered.wait(5)
    try:
        assert is_grad_enabled() and not (Value(1.0) * 2).is_leaf  # the other thread's no_grad is not ours
    finally:
        done.set()
        t.join(5)
    assert seen["worker"] is True


def test_a_new_thread_starts_with_defaults():
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        t.start()
        t.join(5)
    assert seen == [True]


def test_no_grad_as_a_decorator():
    @no_grad()
    def double(v):
        return v * 2

    assert double(Value(1.0)).is_leaf and is_grad_enabled()


def test_no_grad_in_one_asyncio_task_is_not_anothers():
    import asyncio

    async def main():
        entered, release = asyncio.Event(), asyncio.Event()
        seen = {}

        async def quiet():
            with no_grad():
                entered.set()
                await release.wait()
                seen["quiet"] = (Value(1.0) * 2).is_leaf

        async def recording():
            await entered.wait()  # the other task is inside its no_grad() now
            seen["recording"] = is_grad_enabled() and not (Value(1.0) * 2).is_leaf
            release.set()

        await asyncio.gather(quiet(), recording())
        return seen

    assert asyncio.run(main()) == {"quiet": True, "recording": True}
    assert is_grad_enabled()
