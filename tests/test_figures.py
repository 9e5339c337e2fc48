"""``stability figures``: every file, identical bytes twice, committed CSVs in sync."""

import csv
import os
from pathlib import Path

import numpy as np
import pytest
from numpy.testing import assert_allclose

from stability import figures
from stability.cli import main

REPO_FIGURES = Path(__file__).resolve().parent.parent / "figures"


@pytest.fixture(scope="module")
def two_runs(figure_runs):
    return figure_runs


def read_csv(path):
    with open(path, newline="") as fh:
        rows = list(csv.reader(fh))
    return rows[0], rows[1:]


def _all_numbers(col):
    try:
        [float(x) for x in col]
    except ValueError:
        return False
    return True


def numeric(rows):
    """Split CSV rows into numeric columns (as floats) and text columns (as strings)."""
    cols = list(zip(*rows))
    nums, texts = [], []
    for c in cols:
        try:
            nums.append([float(x) for x in c])
        except ValueError:
            texts.append(list(c))
    return np.array(nums, dtype=float), texts


def test_every_expected_file_is_written(two_runs):
    a, _ = two_runs
    expected = {f"{n}.{ext}" for n in figures.FIGURES for ext in ("png", "svg", "pdf", "csv")}
    assert {p.name for p in a.iterdir()} == expected  # and no temporary files left behind


def test_second_run_gives_identical_bytes(two_runs):
    a, b = two_runs
    for p in a.iterdir():
        assert p.read_bytes() == (b / p.name).read_bytes(), p.name


def test_csv_has_header_and_full_precision(two_runs):
    a, _ = two_runs
    header, values = read_csv(a / "fig6.csv")
    assert header == ["tau", "alpha", "inverse_alpha", "eq7_inverse_alpha", "gap"]
    text = (a / "fig6.csv").read_text()
    # round-trip precision: the printed alpha parses back to the exact float computed
    assert float(text.splitlines()[33].split(",")[1]) == figures.compute("fig6").column("alpha")[32]


@pytest.mark.parametrize("name", sorted(figures.FIGURES))
def test_committed_csv_matches_a_fresh_computation(two_runs, name):
    a, _ = two_runs
    committed = REPO_FIGURES / f"{name}.csv"
    assert committed.exists(), f"figures/{name}.csv is missing: run `stability figures`"
    assert (REPO_FIGURES / f"{name}.png").exists()
    h1, r1 = read_csv(committed)
    h2, r2 = read_csv(a / f"{name}.csv")
    assert h1 == h2 and len(r1) == len(r2)
    (n1, t1), (n2, t2) = numeric(r1), numeric(r2)
    assert t1 == t2
    numeric_names = [h for h, col in zip(h1, zip(*r1)) if _all_numbers(col)]
    for name_, c1, c2 in zip(numeric_names, n1, n2):
        # the promised accuracy is relative 1e-10 on each edge; a column that is a
        # difference of two O(tau) numbers ("gap") inherits it as an absolute error
        atol = 1e-10 * 70 if "gap" in name_ else 0.0
        assert_allclose(c1, c2, rtol=1e-10, atol=atol, err_msg=name_)  # NaN (not simulated) matches NaN


@pytest.mark.parametrize("argv, match", [
    (["figures", "--only", "fig99"], "unknown figure 'fig99'"),
    (["figures", "--only", "fig6", "nope"], "unknown figure 'nope'"),
    (["figures", "--format", "gif"], "unknown figure format 'gif'"),
])
def test_bad_arguments_exit_2_with_one_line(capsys, tmp_path, argv, match):
    code = main(argv + ["--out", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 2 and match in err and err.count("\n") == 1
    assert not (tmp_path / "x").exists()  # nothing written


def test_unwritable_out_exits_2(capsys, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    code = main(["figures", "--out", str(blocker / "sub"), "--only", "fig6"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot write to output directory" in err and err.count("\n") == 1
    if os.geteuid() != 0:  # root ignores permission bits
        ro = tmp_path / "ro"
        ro.mkdir(mode=0o500)
        assert main(["figures", "--out", str(ro), "--only", "fig6"]) == 2


def test_only_selects(tmp_path):
    assert main(["figures", "--out", str(tmp_path), "--only", "fig7", "--no-progress"]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig7.csv", "fig7.png"]
