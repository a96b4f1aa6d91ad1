"""demos/tour.ipynb runs from top to bottom in a real kernel (nbclient) and shows what the README's
tour shows: the steps as graph + text, the numbers, no warning."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient", reason="nbclient is not installed (pip install -e '.[test]')")
pytest.importorskip("ipykernel", reason="ipykernel is not installed (pip install -e '.[test]')")
import nbformat  # noqa: E402  (installed with nbclient)

TOUR = Path(__file__).resolve().parent.parent / "demos" / "tour.ipynb"


def outputs(cell) -> tuple[str, str, str]:
    """A code cell's plain text, HTML and stderr output, each joined."""
    text, rich, err = [], [], []
    for out in cell.outputs:
        if out.output_type == "stream":
            (err if out.name == "stderr" else text).append(out.text)
        elif out.output_type in ("execute_result", "display_data"):
            text.append(out.data.get("text/plain", ""))
            rich.append(out.data.get("text/html", "") + out.data.get("image/svg+xml", ""))
    return "".join(text), "".join(rich), "".join(err)


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    notebook = nbformat.read(TOUR, as_version=4)
    assert not any(cell.get("outputs") for cell in notebook.cells), "commit the notebook without outputs"
    # A kernel of this very interpreter (a "python3" kernel of the user's could be another Python).
    from ipykernel.kernelspec import write_kernel_spec

    jupyter = tmp_path_factory.mktemp("jupyter")
    write_kernel_spec(jupyter / "kernels" / "autograd-lite-tour")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("JUPYTER_PATH", str(jupyter))
        client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="autograd-lite-tour",
                                         resources={"metadata": {"path": str(tmp_path_factory.mktemp("tour"))}})
        client.execute()  # raises CellExecutionError, naming the cell, on any error
    return [outputs(cell) for cell in notebook.cells if cell.cell_type == "code"]


def test_the_tour_runs_and_shows_the_readme_numbers(tour):
    neuron, diagram, step1, step2, back, finished, mlp, deltas, network, moons, curve = tour
    assert neuron[0] == "(0.7071, -1.5, 1.0)"
    assert "<svg" in diagram[1] and "<svg" in network[1]
    assert "<svg" in step1[1] and html.escape("step 1 of 2: L = v1 + z = 4") in step1[1]
    assert "step 2 of 2: v1 = x * y = -6" in step2[0] and "<svg" in step2[1]
    assert back[0].startswith("undid step 2 of 2: v1 = x * y")
    assert finished[0].startswith("BackwardStepper: step 2 of 2 (last: v1), finished")
    assert mlp[0].startswith("step 3 of 9: z[2]_1 = ")
    assert deltas[0] == "[[-1.8005, 1.0702, 0.1465], [-2.6826]]"
    assert moons[0] == "1.0"


def test_no_warning_in_red(tour):
    for *_, err in tour:
        assert "warn" not in err.lower()
