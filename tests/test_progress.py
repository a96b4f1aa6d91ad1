"""nn.fit's progress bar in a notebook without ipywidgets: no warning (tqdm falls back to text)."""

from __future__ import annotations

import sys
import types
import warnings

import nn


def test_fit_in_a_notebook_without_ipywidgets_warns_nothing(monkeypatch):
    # What tqdm.autonotebook looks at to decide it runs in Jupyter: an IPython kernel's shell.
    shell = type("ZMQInteractiveShell", (), {})()
    monkeypatch.setitem(sys.modules, "ipykernel.zmqshell", types.ModuleType("ipykernel.zmqshell"))
    ipython = types.ModuleType("IPython")
    ipython.get_ipython = lambda: shell
    monkeypatch.setitem(sys.modules, "IPython", ipython)
    for missing in ("ipywidgets", "IPython.html", "IPython.html.widgets", "IPython.display"):
        monkeypatch.setitem(sys.modules, missing, None)  # as if not installed
    for cached in ("tqdm.auto", "tqdm.autonotebook", "tqdm.notebook"):
        monkeypatch.delitem(sys.modules, cached, raising=False)  # fit imports them afresh, as a new kernel does
    model = nn.MLP(2, [2, 1], seed=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        history = nn.fit(model, [[0.0, 1.0], [1.0, 0.0]], [1.0, -1.0], epochs=2, progress=True)
    assert len(history.loss) == 2
    assert [str(w.message) for w in caught] == []
