"""Save and load an MLP as human-readable JSON -- architecture and weights, no pickle.

The file holds the architecture (`MLP.config`) and, per layer and neuron, ``w`` and ``b``. Floats
are written with repr, so they read back bit for bit. Writing goes to a temporary file in the same
directory, then `os.replace` puts it in place in one step: a failure at any point leaves the
previous file as it was. Loading checks everything (valid JSON, no NaN or Infinity, the right
architecture and shapes) before it touches a model, and raises a ValueError naming the problem.
"""

from __future__ import annotations

import json
import os
import tempfile
from typing import Any

from . import architecture
from .layers import MLP, Layer

FORMAT = "autograd_lite.nn.MLP"
VERSION = 1


def _layer_document(layer: Layer) -> dict[str, Any]:
    W, b = layer.weights()
    return {"activation": layer.activation, "neurons": [{"w": row, "b": b_j} for row, b_j in zip(W, b)]}


def _document(model: MLP) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "version": VERSION,
        **model.config(),
        "layers": [_layer_document(layer) for layer in model.layers],
    }


def save(model: MLP, path: str | os.PathLike) -> None:
    """Write `model` to `path` atomically (temp file in the same directory + os.replace)."""
    # A plain MLP keeps its own format; other networks are saved by "type" (nn.architecture).
    doc = _document(model) if isinstance(model, MLP) else architecture.document(model)
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            # allow_nan=False: a model with NaN or inf weights is refused, not written as invalid JSON.
            json.dump(doc, f, indent=1, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} where a number belongs")


def _state(doc: dict[str, Any]) -> dict[str, Any]:
    """The file's weights as a state dict (names as `MLP.named_parameters`), shapes checked on load."""
    layers = doc.get("layers")
    if not isinstance(layers, list):
        raise ValueError("no 'layers' list")
    state = {}
    for l, layer in enumerate(layers):
        neurons = layer.get("neurons") if isinstance(layer, dict) else None
        if not isinstance(neurons, list):
            raise ValueError(f"layer {l} has no 'neurons' list")
        for j, n in enumerate(neurons):
            if not isinstance(n, dict) or not isinstance(n.get("w"), list) or "b" not in n:
                raise ValueError(f"layer {l} neuron {j} needs a 'w' list and a 'b'")
            for k, w in enumerate(n["w"]):
                state[f"layers.{l}.neurons.{j}.w.{k}"] = w
            state[f"layers.{l}.neurons.{j}.b"] = n["b"]
    return state


def load(path: str | os.PathLike, into: MLP | None = None) -> MLP:
    """The MLP saved at `path`; with ``into``, its weights are loaded into that model instead.

    Raises ValueError (naming the file and the problem) for a file that is not valid JSON, holds
    NaN/Infinity, is not a saved MLP, or -- with ``into`` -- describes another architecture; then
    ``into`` is left unchanged.
    """
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f, parse_constant=_reject_constant)
        if isinstance(doc, dict) and doc.get("format") == architecture.FORMAT:
            return architecture.from_document(doc, into)
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise ValueError(f"not a saved nn.MLP (no \"format\": \"{FORMAT}\")")
        if doc.get("version") != VERSION:
            raise ValueError(f"unsupported version {doc.get('version')!r} (this library reads {VERSION})")
        config = {key: doc.get(key) for key in ("nin", "sizes", "activation", "output_activation")}
        state = _state(doc)
        if into is not None:
            if config != into.config():
                raise ValueError(f"it holds an MLP {config}, the model is {into.config()}")
            model = into
        else:
            model = MLP(**config)
        model.load_state_dict(state)
    except json.JSONDecodeError as e:
        raise ValueError(f"cannot load {os.fspath(path)!r}: not valid JSON ({e})") from e
    except (ValueError, TypeError) as e:
        raise ValueError(f"cannot load {os.fspath(path)!r}: {e}") from e
    return model
