"""Finding and running a `dot` program to turn DOT text into SVG or PNG.

Two programs read DOT: Graphviz's own ``dot`` (a system package), and ``graphviz-pure`` (a
``dot``-compatible command installed from PyPI with autograd_lite, so rendering works after a plain
``pip install``). The system ``dot`` is preferred when present.

The `graphviz` Python package only runs a binary named by its module constant
``graphviz.backend.DOT_BINARY``; pointing it elsewhere would mean changing global state for every
user of that package in the process, so the program is run here with `subprocess` instead.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig

#: The programs tried, in order of preference.
PROGRAMS = ("dot", "graphviz-pure")

#: Seconds a rendering may take before it is stopped (`run_dot`'s ``timeout``): a drawing of 10^4
#: nodes takes minutes, so a very large graph needs more, or ``timeout=None``.
TIMEOUT = 120.0

#: Dots per inch of raster formats (PNG, ...) unless told: twice the 96 Graphviz assumes for a
#: screen, so that 9-point text is 24 pixels high and sharp on a high-density display.
RASTER_DPI = 192
RASTER_FORMATS = frozenset({"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"})


class RenderError(RuntimeError):
    """No dot program was found, or the one run failed (its message is included)."""


def _script_dirs() -> list[str]:
    # `.venv/bin/python script.py` runs without the venv's bin on PATH, where pip put graphviz-pure.
    dirs = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    return [d for d in dict.fromkeys(dirs) if d]


def find_program(name: str | None = None) -> str | None:
    """The path of dot program `name` ("dot", "graphviz-pure" or a path), or of the first of
    `PROGRAMS` found when `name` is None; None when there is none."""
    if name is not None and os.sep in name:
        return name if os.access(name, os.X_OK) else None
    for candidate in (name,) if name is not None else PROGRAMS:
        found = shutil.which(candidate)
        for directory in _script_dirs():
            found = found or shutil.which(candidate, path=directory)
        if found:
            return found
    return None


def run_dot(source: str, fmt: str, program: str | None = None, *, dpi: float | None = None,
            timeout: float | None = TIMEOUT) -> bytes:
    """Render DOT `source` to format `fmt` ("svg", "png", ...) with `program` (see `find_program`).

    ``dpi``: resolution of a raster format (default `RASTER_DPI`); vector formats ignore it.
    ``timeout``: seconds before the program is stopped (`RenderError`); None waits for ever.
    """
    if dpi is not None and not (isinstance(dpi, (int, float)) and 0 < dpi <= 2400):
        raise ValueError(f"render(dpi=...) must be a number of dots per inch in (0, 2400], got {dpi!r}")
    if timeout is not None and not (isinstance(timeout, (int, float)) and timeout > 0):
        raise ValueError(f"render(timeout=...) must be a positive number of seconds or None, got {timeout!r}")
    path = find_program(program)
    if path is None:
        wanted = f"the dot program {program!r}" if program else "a dot program (" + " or ".join(PROGRAMS) + ")"
        raise RenderError(f"cannot render: {wanted} was not found. Install Graphviz (which provides `dot`) "
                          "or `pip install graphviz-pure`; the DOT text itself is in diagram.source")
    args = [path, f"-T{fmt}"]
    if fmt.lower() in RASTER_FORMATS:
        args.append(f"-Gdpi={RASTER_DPI if dpi is None else dpi:g}")
    try:
        done = subprocess.run(args, input=source.encode("utf-8"), capture_output=True, check=False, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        raise RenderError(f"{path} -T{fmt} did not finish within timeout={timeout:g} seconds (a large graph can "
                          "take minutes): pass a larger timeout=, or timeout=None to wait for ever, to the "
                          "diagram's render(), svg() or pipe()") from e
    except OSError as e:
        raise RenderError(f"running {path} failed: {e}") from e
    if done.returncode != 0 or not done.stdout:
        message = done.stderr.decode("utf-8", "replace").strip() or f"exit status {done.returncode}"
        raise RenderError(f"{path} -T{fmt} failed: {message}")
    return done.stdout
