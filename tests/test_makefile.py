"""`make` alone lists the targets (and does nothing else)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
def test_make_alone_lists_the_targets():
    done = subprocess.run(["make", "-s", "--dry-run"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "pip" not in done.stdout  # nothing would be installed
    done = subprocess.run(["make", "-s"], cwd=ROOT, capture_output=True, text=True, timeout=60)
    listed = [line.split()[0] for line in done.stdout.splitlines()[1:]]
    assert done.returncode == 0 and listed == ["help", "demo", "test", "bench", "notebook", "clean"]
    assert "demo-output/" in done.stdout
