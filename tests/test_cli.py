import json
import subprocess
import sys

import pytest

from stability.cli import main


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_threshold_delay_32_prints_the_promised_digits(capsys):
    code, out, err = run(capsys, "threshold", "--delay", "32")
    assert code == 0 and err == ""
    first = out.splitlines()[0]
    assert first == "0.04832749047"  # 10 significant digits of 0.0483274904722646 (eq. 6)
    assert "0.0483274904722646".startswith(first[:-1])


def test_threshold_json(capsys):
    code, out, _ = run(capsys, "threshold", "--delay", "32", "--momentum", "shifted", "--m", "0.9", "--json")
    data = json.loads(out)
    assert code == 0 and data["momentum"] == "shifted" and data["m"] == 0.9
    assert data["relative_accuracy"] == 1e-10 and 0 < data["alpha"] < 1


def test_threshold_distributions(capsys, tmp_path):
    for argv in (["--uniform", "1", "8"], ["--gaussian", "4", "--sigma", "2"]):
        code, out, _ = run(capsys, "threshold", *argv)
        assert code == 0 and float(out.splitlines()[0]) > 0
    f = tmp_path / "pmf.txt"
    f.write_text("# staleness histogram\n0.1, 0.2\n0.7\n")
    code, out, _ = run(capsys, "threshold", "--pmf", str(f), "--json")
    assert code == 0 and json.loads(out)["mean_delay"] == pytest.approx(1.6)
    f.write_text("3 5 2\n")
    code, out, _ = run(capsys, "threshold", "--pmf", str(f), "--normalize")
    assert code == 0


def test_lr(capsys):
    code, out, _ = run(capsys, "lr", "--eta0", "0.8", "--delay", "32")
    assert code == 0 and out.splitlines()[0] == "0.01933099619"
    assert "eq. 8 approximation" in out
    code, out, _ = run(capsys, "lr", "--eta0", "0.8", "--delay", "32", "--json",
                       "--momentum", "standard", "--m", "0.9", "--reference-momentum", "none")
    data = json.loads(out)
    assert code == 0 and data["eq8_approximation"] is None and data["reference_m"] == 0.0


@pytest.mark.parametrize("argv, match", [
    (["threshold", "--delay", "-3"], "delay must be >= 0, got -3"),
    (["threshold", "--delay", "3.5"], "invalid int value: '3.5'"),
    (["threshold", "--delay", "3", "--momentum", "standard", "--m", "1.5"], "m must be < 1.0, got 1.5"),
    (["threshold", "--delay", "3", "--momentum", "nesterov"], "invalid choice: 'nesterov'"),
    (["threshold", "--delay", "3", "--m", "0.5"], "m=0.5 was given with momentum='none'"),
    (["threshold", "--uniform", "5", "2"], "low=5, high=2"),
    (["threshold", "--gaussian", "0"], "mu >= 1, got mu=0"),
    (["threshold", "--gaussian", "3", "--sigma", "-1"], "sigma=-1.0"),
    (["threshold", "--pmf", "/no/such/file"], "cannot read pmf file"),
    (["threshold", "--delay", "10000000"], "degree 10000001"),
    (["threshold", "--delay", "5000", "--method", "brentq"], "degree 5001, above 2050"),
    (["threshold"], "one of the arguments"),
    (["threshold", "--delay", "3", "--uniform", "1", "2"], "not allowed with argument"),
    (["lr", "--delay", "3"], "--eta0"),
    (["lr", "--eta0", "-1", "--delay", "3"], "eta0 must be > 0, got -1.0"),
    # the message used to name "m" for a bad --reference-m
    (["lr", "--eta0", "0.1", "--delay", "3", "--momentum", "standard", "--reference-m", "2"],
     "reference_m must be < 1.0, got 2.0"),
    (["lr", "--eta0", "0.1", "--delay", "3", "--reference-momentum", "none", "--reference-m", "0.5"],
     "reference_m=0.5 was given with reference_momentum='none'"),
    (["frobnicate"], "invalid choice"),
    ([], "required: command"),
])
def test_bad_input_exits_2_with_one_line(capsys, argv, match):
    code, out, err = run(capsys, *argv)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("stability: error: ") and match in err


def test_bad_pmf_file(capsys, tmp_path):
    f = tmp_path / "p.txt"
    for text, match in [("0.5 abc", "'abc', which is not a number"), ("0.5 0.4", "sum to 0.9"),
                        ("0.5 -0.5 1", "negative weight -0.5"), ("", "is empty")]:
        f.write_text(text)
        code, _, err = run(capsys, "threshold", "--pmf", str(f))
        assert code == 2 and match in err and err.count("\n") == 1


def test_python_dash_m_and_console_script_agree():
    a = subprocess.run([sys.executable, "-m", "stability", "threshold", "--delay", "5"],
                       capture_output=True, text=True, check=True).stdout
    b = subprocess.run([sys.executable, "-m", "stability", "threshold", "--delay", "-1"],
                       capture_output=True, text=True)
    assert a.splitlines()[0] == "0.2846296765"
    assert b.returncode == 2 and "Traceback" not in b.stderr and b.stderr.count("\n") == 1


def test_printed_accuracy_is_not_1e10_above_m_099(capsys):
    # Regression: the CLI printed "relative accuracy 1e-10" for every m, while threshold's
    # docstring promises only 2 eps (K + 1) / (1 - m) for 0.99 < m <= 0.9999.
    code, out, _ = run(capsys, "threshold", "--delay", "1000", "--momentum", "standard", "--m", "0.9999", "--json")
    assert code == 0
    bound = 2 * 2.0**-52 * 1001 / (1 - 0.9999)
    assert json.loads(out)["relative_accuracy"] == pytest.approx(bound, rel=1e-12)
    code, out, _ = run(capsys, "threshold", "--delay", "1000", "--momentum", "standard", "--m", "0.99", "--json")
    assert json.loads(out)["relative_accuracy"] == 1e-10
