r"""The one way user text (labels, names, titles, formatted numbers) reaches DOT, SVG or HTML.

A label is shown as the text it is, never interpreted: whatever it holds, it cannot add markup, a
link or a script to a picture, nor break the DOT syntax or the XML of an SVG. Which function for what:

- `dot_text(*lines)`: a whole DOT label of a plain (non-record) node, cluster or graph, one line per
  argument. Pass the result straight to the `graphviz` package as ``label=``.
- `dot_record(*fields, braces=...)`: the label of a ``shape=record`` node, one field per argument.
- `dot_html_text(s)`: text inside an HTML-like DOT label (``label=<<TABLE>...</TABLE>>``), e.g. a cell.
- `html_text(s)`: text or a quoted attribute value in HTML or SVG written by hand (not through DOT).
- `visible(s)`: the shared first step of all the others, usable alone for plain text output.

What cannot be shown as itself is shown as Python writes it in a string literal: every character
``str.isprintable()`` rejects except the space -- control characters (a newline shows as ``\n``, a
tab as ``\t``, NUL as ``\x00``), format characters such as bidirectional overrides
(``\u202e``), lone surrogates (``\ud800``), noncharacters (``\ufffe``) and unassigned code points.
So a label never vanishes, never raises `UnicodeEncodeError` and never makes invalid XML. (A
backslash in a label is shown as itself, so the label ``\n`` and a newline look alike.)

In DOT, a label ``<...>`` is an HTML-like label; Graphviz decodes entities (``&amp;``) and reads
backslash escapes (``\n``, ``\N``, ``\G`` ...) in every label; records also read ``{ } | < >``
and collapse spaces. These functions disarm each of these, so `&amp;` shows as ``&amp;``.
Graphviz drops a record field's leading spaces even escaped, so they become no-break spaces.
Inside an HTML-like label Graphviz decodes entities and replaces ``\N`` and ``\G`` (but not ``\n``),
and reads a doubled backslash as one.
"""

from __future__ import annotations

import html
import json
import re

_INVISIBLE = re.compile(r"[^ \w]")  # candidates only; `visible` keeps the printable ones


def _python_escape(match: re.Match[str]) -> str:
    c = match.group()
    return c if c.isprintable() else repr(c)[1:-1]


def visible(s: str) -> str:
    r"""`s` with every character ``str.isprintable()`` rejects (but the space) written as Python
    writes it in a string literal (``\n``, ``\x00``, ``\ud800``, ``\ufffe``).

    >>> print(visible("a\nb\x00\ufffe"))
    a\nb\x00\ufffe
    """
    if not isinstance(s, str):
        raise TypeError(f"a label must be a str, got {s!r} of type {type(s).__name__}")
    return s if s.isprintable() else _INVISIBLE.sub(_python_escape, s)


def _dot_common(s: str) -> str:
    # A backslash is Graphviz's escape character, and `&name;` is an entity it decodes.
    return visible(s).replace("\\", "\\\\").replace("&", "&amp;")


def _nohtml(s: str) -> str:
    from graphviz import nohtml  # here: `import autograd_lite` does not import graphviz

    return nohtml(s)


def dot_text(*lines: str) -> str:
    r"""A DOT label showing `lines` (one text line each) literally; for the `graphviz` package's
    ``label=`` of a plain node, a cluster or a graph, never a record.

    >>> print(dot_text("<b>", "x\\", "&"))
    <b>\nx\\\n&amp;
    """
    return _nohtml("\\n".join(map(_dot_common, lines)))


_RECORD_SPECIALS = str.maketrans({c: "\\" + c for c in "{}|<>"})
_SPACE_RUN = re.compile("(?<= ) ")  # a record collapses runs of spaces unless escaped


def _record_field(s: str) -> str:
    text = _dot_common(s).translate(_RECORD_SPECIALS)
    stripped = text.lstrip(" ")
    return "\u00a0" * (len(text) - len(stripped)) + _SPACE_RUN.sub(r"\\ ", stripped)


def dot_record(*fields: str, braces: bool = False) -> str:
    r"""A ``shape=record`` label showing `fields` literally, one field each; ``braces=True`` wraps them
    in ``{ }`` (fields stacked when ``rankdir=LR``, side by side when ``TB``).

    >>> print(dot_record("a|b", "data  2"))
    a\|b | data \ 2
    """
    label = " | ".join(map(_record_field, fields))
    return _nohtml("{ " + label + " }" if braces else label)


def dot_html_text(s: str) -> str:
    r"""`s` as text inside an HTML-like DOT label (in a ``<TD>``): markup characters as entities, each
    backslash doubled (Graphviz reads ``\\`` as one backslash, and ``\N`` as the node's name).

    >>> print(dot_html_text("<b>&\\N"))
    &lt;b&gt;&amp;\\N
    """
    return html.escape(visible(s).replace("\\", "\\\\"), quote=True)


def html_text(s: str) -> str:
    """`s` for HTML or SVG written by hand: as text or inside a quoted attribute value.

    >>> html_text('<a href="x">&amp;')
    '&lt;a href=&quot;x&quot;&gt;&amp;amp;'
    """
    return html.escape(visible(s), quote=True)


def html_lines(text: str) -> str:
    """Several lines of text for an HTML ``<pre>``: each line as `html_text`, the line breaks kept."""
    return "\n".join(html_text(line) for line in text.split("\n"))


def script_json(data: object) -> str:
    """`data` as JSON that is safe inside an HTML ``<script>`` element: ``<``, ``>`` and ``&`` (so no
    ``</script>`` or ``<!--``) and U+2028/U+2029 are written as \\u escapes. Floats that JSON cannot
    hold (nan, inf) are refused: write them as strings."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    for c in "<>&\u2028\u2029":
        text = text.replace(c, f"\\u{ord(c):04x}")
    return text
