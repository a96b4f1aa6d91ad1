"""docs/backprop.md names real things: every test it cites exists, every nn function it names is
there, and the README links it where the notation first appears."""

import ast
import importlib
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "backprop.md").read_text()


def functions_in(path):
    return {node.name for node in ast.walk(ast.parse((ROOT / path).read_text())) if isinstance(node, ast.FunctionDef)}


def cited_tests():
    """(file, test) for every `tests/x.py::test_name` and every `::test_name` after it (same file)."""
    cited, current = [], None
    for path, name in re.findall(r"`(tests/\w+\.py)?::(\w+)`", DOC):
        current = path or current
        cited.append((current, name))
    return cited


def test_every_cited_test_exists():
    cited = cited_tests()
    assert len(cited) >= 15
    for path, name in cited:
        assert name in functions_in(path), f"docs/backprop.md cites {path}::{name}, which does not exist"


@pytest.mark.parametrize("dotted", sorted(set(re.findall(r"`(nn\.[\w.]+)", DOC))))
def test_every_nn_name_exists(dotted):
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        for attr in parts[split:]:
            assert hasattr(obj, attr), f"docs/backprop.md names {dotted}, which does not exist"
            obj = getattr(obj, attr)
        return
    pytest.fail(f"no module for {dotted}")


def test_the_doc_names_its_sources_and_the_clash_and_the_readme_links_it():
    for seed in ("000_8a61eb93c77693f3.txt", "001_4faf6df90fe7d11e.txt", "002_26db9fbf0f1e4d2f.txt"):
        assert seed in DOC
    assert "notation clash" in DOC and "**h**" in DOC and "**C**" in DOC
    readme = (ROOT / "README.md").read_text()
    first = readme.index("notation")
    assert "](docs/backprop.md)" in readme[first:first + 300]
