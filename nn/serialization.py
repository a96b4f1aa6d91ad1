"""Save and load models as human-readable JSON -- architecture and weights, no pickle.

A file is one JSON object: ``"format"``, ``"version"``, the architecture's ``"type"`` (``"MLP"``;
files written before the field existed are MLPs), its configuration (for an MLP, `MLP.config`) and
its weights (for an MLP, per layer and neuron, ``w`` and ``b``). Floats are written with repr, so
they read back bit for bit. `ARCHITECTURES` maps each ``"type"`` to how it is written and read: a
new kind of model adds one entry.

Saving writes a temporary file in the target's directory, then `os.replace` puts it in place in one
step: a failure at any point leaves the previous file as it was. The file gets the permissions of
the file it replaces, or the user's default (0666 less the umask) for a new one. A read-only target
is refused (PermissionError), not replaced. A symlink is written through: the file it points to is
replaced and the link stays.

Loading treats the file as untrusted. The declared architecture is checked against the weight
lists the file holds (layer count, neurons per layer, inputs per neuron) before any model is built,
so a small file cannot declare a huge model; every field must have its exact type (``"nin": 2.0``
and ``"version": true`` are refused); a per-layer activation must agree with the configuration.
Any problem with the file is a ``ValueError: cannot load '<path>': <problem>`` and leaves ``into``
unchanged; a file that cannot be read at all is the OSError of `open`.
"""

from __future__ import annotations

import errno
import json
import math
import os
import reprlib
import secrets
import stat
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from . import architecture
from .init import ACTIVATIONS
from .layers import MLP, Layer
from .module import Module, finite_float

FORMAT = "autograd_lite.nn"
#: What files written before the "type" field said: they hold an MLP.
MLP_FORMAT = "autograd_lite.nn.MLP"
VERSION = 1
#: The largest file `load` reads (256 MiB): a 784-128-10 MLP takes 3 MB. A bigger file -- or an
#: endless one such as /dev/zero -- is refused before it fills the memory.
MAX_FILE_BYTES = 256 * 2**20


@dataclass(frozen=True)
class Architecture:
    """How one kind of model is written and read.

    ``write(model)``: the document's configuration and weights (JSON values). ``read(doc)``: from a
    document, (config, state): the keyword arguments that build the model (``cls(**config)``) and
    its `Module.state_dict`, both checked against each other before anything is built (a ValueError
    or TypeError naming the problem). ``cls`` is the model's class; ``model.config()`` must return
    what ``read`` returns as config (``load(..., into=model)`` compares them).
    """

    cls: type[Module]
    write: Callable[[Any], dict[str, Any]]
    read: Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, Any]]]


# -- MLP ---------------------------------------------------------------------------------------

def _layer_document(layer: Layer) -> dict[str, Any]:
    W, b = layer.weights()
    return {"activation": layer.activation, "neurons": [{"w": row, "b": b_j} for row, b_j in zip(W, b)]}


def _write_mlp(model: MLP) -> dict[str, Any]:
    return {**model.config(), "layers": [_layer_document(layer) for layer in model.layers]}


def _count(value: Any, what: str) -> int:
    """A positive int from the file (not a bool, not 2.0)."""
    if type(value) is not int or value < 1:
        raise ValueError(f"{what} must be a positive integer, got {reprlib.repr(value)}")
    return value


def _activation(value: Any, what: str) -> str:
    if type(value) is not str or value not in ACTIVATIONS:
        raise ValueError(f"{what} must be one of {', '.join(ACTIVATIONS)}, got {reprlib.repr(value)}")
    return value


def _read_mlp(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(config, state) of an MLP document. Every declared size is compared with the lists the file
    holds before anything is built, so the model is never larger than the file."""
    nin = _count(doc.get("nin"), "'nin'")
    sizes = doc.get("sizes")
    if type(sizes) is not list or not sizes:
        raise ValueError(f"'sizes' must be a non-empty list of layer widths, got {reprlib.repr(sizes)}")
    sizes = [_count(n, f"'sizes'[{l}]") for l, n in enumerate(sizes)]
    config = {"nin": nin, "sizes": sizes, "activation": _activation(doc.get("activation"), "'activation'"),
              "output_activation": _activation(doc.get("output_activation"), "'output_activation'")}
    layers = doc.get("layers")
    if type(layers) is not list or len(layers) != len(sizes):
        held = f"{len(layers)} layers" if type(layers) is list else f"{type(layers).__name__} for 'layers'"
        raise ValueError(f"'sizes' declares {len(sizes)} layers, the file holds {held}")
    fan_in = nin
    state = {}
    for l, (layer, width) in enumerate(zip(layers, sizes)):
        where = f"layer {l + 1}"  # the documents' 1-based layer number, as in the labels w[l]_jk
        if type(layer) is not dict or type(layer.get("neurons")) is not list:
            raise ValueError(f"{where} has no 'neurons' list")
        expected = config["activation"] if l < len(sizes) - 1 else config["output_activation"]
        if layer.get("activation") != expected:
            raise ValueError(f"{where} says activation {reprlib.repr(layer.get('activation'))}, the configuration "
                             f"{expected!r}")
        neurons = layer["neurons"]
        if len(neurons) != width:
            raise ValueError(f"'sizes' declares {reprlib.repr(width)} neurons in {where}, "
                             f"the file holds {len(neurons)}")
        for j, n in enumerate(neurons):
            if type(n) is not dict or type(n.get("w")) is not list or "b" not in n:
                raise ValueError(f"{where} neuron {j + 1} needs a 'w' list and a 'b'")
            if len(n["w"]) != fan_in:
                raise ValueError(f"{where} neuron {j + 1} has {len(n['w'])} weights, "
                                 f"its layer takes {reprlib.repr(fan_in)} inputs")
            name = f"layers.{l}.neurons.{j}"
            for k, w in enumerate(n["w"]):
                state[f"{name}.w.{k}"] = finite_float(w, f"{where} neuron {j + 1} weight {k + 1}")
            state[f"{name}.b"] = finite_float(n["b"], f"{where} neuron {j + 1} bias")
        fan_in = width
    return config, state


#: The architectures by the document's "type".
ARCHITECTURES: dict[str, Architecture] = {"MLP": Architecture(MLP, _write_mlp, _read_mlp)}


def _document(model: Any) -> dict[str, Any]:
    """The JSON document of `model`: by an entry of ARCHITECTURES, or for any other network of nn's
    modules (Sequential, Residual, RNN, convolutions) by `nn.architecture`."""
    for name, arch in ARCHITECTURES.items():
        if isinstance(model, arch.cls):
            return {"format": FORMAT, "version": VERSION, "type": name, **arch.write(model)}
    if not isinstance(model, Module):
        raise TypeError(f"save() writes an nn model (a Module), got {type(model).__name__}")
    return architecture.document(model)


# -- saving ------------------------------------------------------------------------------------

def _check_finite(model: Module, path: str) -> None:
    """json would refuse NaN and inf without saying where: name the parameter."""
    for name, p in model.named_parameters():
        if not math.isfinite(p.data):
            label = f" ({p.label})" if p.label else ""
            raise ValueError(f"cannot save {path!r}: parameter {name}{label} is {p.data!r}; "
                             "only finite weights can be saved")


def _path(path: str | os.PathLike) -> str:
    if isinstance(path, bytes) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"save() takes a file path (str or os.PathLike), got {path!r}")
    name = os.fspath(path)
    if not name:
        raise ValueError("save() needs a file path, got ''")
    return name


def _target(name: str) -> tuple[str, os.stat_result | None]:
    """The file to replace (a symlink's target: the link stays) and its stat, if it exists."""
    target = os.path.realpath(name)
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target, None
    if stat.S_ISDIR(st.st_mode):
        raise IsADirectoryError(errno.EISDIR, "cannot save: it is a directory", name)
    # The mode bits, not only access(): root may write anywhere, but a file made read-only stays so.
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise PermissionError(errno.EACCES, "cannot save: the file is read-only (it is not replaced)", name)
    return target, st


def _create_temporary(target: str) -> tuple[int, str]:
    """A new file beside `target` (O_EXCL) with mode 0666 less the umask: the kernel applies the
    umask, so no process-wide os.umask() call is needed to learn it."""
    directory, base = os.path.split(target)
    while True:
        tmp = os.path.join(directory, f".{base}.{secrets.token_hex(6)}.tmp")
        try:
            return os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666), tmp
        except FileExistsError:
            continue


def save(model: Module, path: str | os.PathLike) -> None:
    """Write `model` to `path` atomically (temp file in the same directory + os.replace).

    A ValueError for a model with a NaN or infinite parameter (named) or an empty path, a
    PermissionError for a read-only `path`; any OSError names `path`, not the temporary file.
    """
    name = _path(path)
    _check_finite(model, name)
    doc = _document(model)
    tmp = None
    try:
        target, st = _target(name)
        fd, tmp = _create_temporary(target)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            if st is not None:  # replacing a file: keep its permissions
                os.fchmod(f.fileno(), stat.S_IMODE(st.st_mode))
            json.dump(doc, f, indent=1, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException as e:
        if tmp is not None and os.path.lexists(tmp):
            os.unlink(tmp)
        if isinstance(e, OSError) and e.errno is not None and e.filename != name:
            raise OSError(e.errno, f"cannot save: {e.strerror}", name) from e
        raise


# -- loading -----------------------------------------------------------------------------------

def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} where a number belongs")


def _read(path: str | os.PathLike) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        # A regular file says its size; a device or a pipe is read up to the limit.
        too_big = os.fstat(f.fileno()).st_size > MAX_FILE_BYTES
        text = "" if too_big else f.read(MAX_FILE_BYTES + 1)
        if too_big or len(text) > MAX_FILE_BYTES:
            raise ValueError(f"more than {MAX_FILE_BYTES:,} characters, the most a model file may hold "
                             "(nn.serialization.MAX_FILE_BYTES)")
        try:
            doc = json.loads(text, parse_constant=_reject_constant)
        except json.JSONDecodeError as e:
            raise ValueError(f"not valid JSON ({e})") from e
        except RecursionError:
            raise ValueError("JSON nested too deeply") from None
    if type(doc) is not dict:
        raise ValueError(f"not a saved model (a JSON {type(doc).__name__}, not an object)")
    return doc


def load(path: str | os.PathLike, into: Module | None = None) -> Module:
    """The model saved at `path`; with ``into``, its weights are loaded into that model instead.

    Raises ``ValueError("cannot load '<path>': <problem>")`` for a file that is not valid JSON,
    holds NaN/Infinity, is not a saved model, contradicts itself (declared sizes or activations
    against the weights it holds), or -- with ``into`` -- describes another architecture, or when
    ``into`` is not a model of the file's type; then ``into`` is left unchanged.
    """
    try:
        doc = _read(path)
        if doc.get("format") == architecture.FORMAT:  # a network of several modules (nn.architecture)
            return architecture.from_document(doc, into)
        fmt = doc.get("format")
        kind = doc.get("type", "MLP") if fmt == MLP_FORMAT else doc.get("type")
        if fmt not in (FORMAT, MLP_FORMAT):
            raise ValueError(f"not a saved model (no \"format\": \"{FORMAT}\")")
        version = doc.get("version")
        if type(version) is not int or version != VERSION:
            raise ValueError(f"unsupported version {reprlib.repr(version)} (this library reads {VERSION})")
        if kind not in ARCHITECTURES or (fmt == MLP_FORMAT and kind != "MLP"):
            raise ValueError(f"unknown model type {reprlib.repr(kind)} (this library reads {', '.join(ARCHITECTURES)})")
        arch = ARCHITECTURES[kind]
        if into is not None and not isinstance(into, arch.cls):
            raise TypeError(f"it holds an {kind}, into= is {type(into).__name__}")
        config, state = arch.read(doc)
        if into is None:
            model = arch.cls(**config)
        elif config != into.config():
            raise ValueError(f"it holds an {kind} {config}, the model is {into.config()}")
        else:
            model = into
        model.load_state_dict(state)
    except (ValueError, TypeError) as e:
        raise ValueError(f"cannot load {os.fspath(path)!r}: {e}") from e
    return model
