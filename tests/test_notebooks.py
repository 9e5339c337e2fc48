"""Committed notebooks: stripped, python3 kernel, public API; and the test command runs them."""

import json
import os
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_there_are_notebooks():
    assert len(NOTEBOOKS) >= 4


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_committed_without_outputs_and_with_the_python3_kernel(path):
    nb = json.loads(path.read_text())
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell.get("outputs", []) == [], f"{path.name}: a code cell has outputs"
            assert cell.get("execution_count") is None, f"{path.name}: a code cell has an execution count"
    assert any(c["cell_type"] == "markdown" for c in nb["cells"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_public_api_only(path):
    source = "\n".join("".join(c["source"]) for c in json.loads(path.read_text())["cells"])
    assert "stability._" not in source and "from stability._" not in source


def test_the_test_command_collects_every_notebook_headless():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["pytest"]["ini_options"]
    assert "notebooks" in cfg["testpaths"] and "--nbmake" in cfg["addopts"]  # a glob, not a list
    assert os.environ.get("MPLBACKEND") == "Agg"  # set by the root conftest; kernels inherit it


def test_a_failing_notebook_fails_the_run(pytester):
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell("raise RuntimeError('boom')")]
    path = pytester.path / "bad.ipynb"
    nbformat.write(nb, path)
    # in this process (pytest and nbmake are loaded already); the notebook runs in a kernel
    r = pytester.runpytest_inprocess("-q", "--nbmake", "-p", "no:cacheprovider", str(path))
    assert r.ret == 1
    r.assert_outcomes(failed=1)
