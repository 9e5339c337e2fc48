"""Regression tests for the hostile-input probe of issue #15, one (or more) per numbered item.

Each test is named after what broke.  Truths are independent of the code under test:
closed forms, mpmath at high precision, or the plain arithmetic of the input.
"""

from __future__ import annotations

import math
import os
import signal
import subprocess
import sys
import textwrap
import time
import tracemalloc
from types import SimpleNamespace

import mpmath
import numpy as np
import pytest

import stability as st
from stability import pca, sharpness, simulation
from stability._validation import MAX_DELAY, MAX_MOMENTUM
from stability.cli import main

from ._truth import locus_edge

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EPS = np.finfo(float).eps


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, err, *needles, status=2):
    assert code == status
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in lines[0], (needle, lines[0])


def peak_bytes(call):
    """Peak Python/numpy allocation during ``call()`` (numpy reports to tracemalloc)."""
    tracemalloc.start()
    try:
        try:
            call()
        except (TypeError, ValueError) as exc:
            error = exc
        else:
            error = None
        return tracemalloc.get_traced_memory()[1], error
    finally:
        tracemalloc.stop()


# 1. Huge delays --------------------------------------------------------------------------

@pytest.mark.parametrize("call, needle", [
    (lambda: st.threshold(10**18), "1e+18"),
    (lambda: st.threshold(3 * 10**8), "300000000"),
    (lambda: st.threshold(10**100), "delay="),
    (lambda: st.Uniform(0, 10**12), "1000000000000"),
    (lambda: st.DiscreteGaussian(10**12), "1000000000000"),
    (lambda: st.DiscreteGaussian(10**9), "1000000000"),
    (lambda: st.polynomial_pair(10**18, momentum="shifted", m=0.5), "1e+18"),
    (lambda: st.as_pmf(MAX_DELAY + 1), str(MAX_DELAY + 1)),
    (lambda: st.scaled_learning_rate(0.1, 3, reference=10**18), "1e+18"),
    (lambda: st.threshold_array([10**15]), "1e+15"),
])
def test_huge_delay_is_refused_before_allocating(call, needle):
    peak, error = peak_bytes(call)
    assert isinstance(error, ValueError)
    assert needle in str(error) and str(MAX_DELAY) in str(error)  # the value and the limit
    assert peak < 2**20  # nothing of the delay's size was allocated


def test_huge_constant_delay_is_refused_before_allocating_in_the_cli(capsys):
    for argv in (["threshold", "--delay", 10**18], ["threshold", "--uniform", 0, 10**12],
                 ["threshold", "--gaussian", 10**12], ["lr", "--eta0", 1, "--delay", 3, "--reference-delay", 10**18]):
        code, out, err = cli(capsys, *argv)
        assert_one_line_error(code, err, str(MAX_DELAY))
        assert out == ""


def test_huge_delay_cli_stays_small_under_a_memory_limit():
    """The CLI in a fresh process capped at 1 GiB of address space: exit 2, one line."""
    code = textwrap.dedent("""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
        from stability.cli import main
        sys.exit(main(sys.argv[1:]))
    """)
    for argv in (["threshold", "--gaussian", "1000000000"], ["threshold", "--delay", "300000000"]):
        proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                              timeout=60, env=dict(os.environ, PYTHONPATH=ROOT, OPENBLAS_NUM_THREADS="1"))
        assert proc.returncode == 2, proc.stderr
        assert len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr


def test_largest_accepted_delay_is_accepted():
    # the limit itself passes validation (computing its edge is #10's locus, not tested here)
    assert st.as_pmf(MAX_DELAY).size == MAX_DELAY + 1
    assert st.Uniform(MAX_DELAY, MAX_DELAY).max_delay == MAX_DELAY
    assert st.polynomial_pair(MAX_DELAY)[0].size == MAX_DELAY + 2


# 2. edge_learning_rate / run_delayed_sgd parameters ------------------------------------

@pytest.mark.parametrize("rtol", [0.0, -1.0, 1e-300, float("nan"), float("inf"), 1.0])
def test_edge_learning_rate_rtol_that_never_converges_is_refused(rtol):
    with pytest.raises(ValueError, match="rtol"):
        simulation.edge_learning_rate(1.0, 2, rtol=rtol)


def test_edge_learning_rate_too_few_steps_is_refused():
    with pytest.raises(ValueError, match="steps must be >= 16, got 1"):
        simulation.edge_learning_rate(1.0, 2, steps=1)


def test_one_step_run_reports_a_finite_growth_rate():
    # delay 0, eta = 0.5, a = 1: x_1 = 0.5 x_0, so the log-growth over the one step is log(0.5)
    res = simulation.run_delayed_sgd([1.0], [0.5, 1.0, 3.0], 0, steps=1)
    assert res.growth_rate[0] == pytest.approx(math.log(0.5))
    assert res.growth_rate[1] == -np.inf  # x_1 = 0 exactly: at the minimum (documented)
    assert res.growth_rate[2] == pytest.approx(math.log(2.0))


def test_chunk_zero_is_refused_not_a_zero_division():
    with pytest.raises(ValueError, match="chunk must be a positive integer, got 0"):
        simulation.run_delayed_sgd([1.0], [0.1], st.Uniform(0, 2), chunk=0, rng=1)


@pytest.mark.parametrize("a", [1e-300, 1e300, 1e-200, 1e200])
def test_extreme_sharpness_gives_the_scaled_edge_not_zero_or_inf(a):
    # the noise-free dynamics depend on a * eta only: the edge in eta is alpha*/a, eq. 6
    res = simulation.edge_learning_rate(a, 1, steps=2000)
    assert res.eta * a == pytest.approx(2 * math.sin(math.pi / 6), rel=0.01)


def test_sharpness_whose_edge_overflows_is_an_overflow_error():
    with pytest.raises(OverflowError, match="5e-324"):
        simulation.edge_learning_rate(5e-324, 0, steps=100)


# 3. largest_good_delay --------------------------------------------------------------------

def test_largest_good_delay_factor_below_one_is_refused_not_the_last_delay():
    with pytest.raises(ValueError, match="factor must be >= 1.0, got 0.5"):
        pca.largest_good_delay([0, 1, 2], [[1, 1], [2, 2], [3, 3]], factor=0.5)


def test_largest_good_delay_nan_error_is_refused():
    with pytest.raises(ValueError, match="nan"):
        pca.largest_good_delay([0, 1, 2], [[np.nan, 1], [2, 2], [3, 3]])


def test_largest_good_delay_n_boot_zero_is_refused_not_an_index_error():
    with pytest.raises(ValueError, match="n_boot must be a positive integer, got 0"):
        pca.largest_good_delay([0, 1, 2], [[1, 1], [2, 2], [3, 3]], n_boot=0)


def test_largest_good_delay_still_answers():
    # mean errors 1, 1.5, 3: delay 1 is within factor 2 of delay 0, delay 2 is not
    value, lo, hi = pca.largest_good_delay([0, 1, 2], [[1, 1], [1.5, 1.5], [3, 3]], n_boot=5)
    assert (value, lo, hi) == (1, 1, 1)


# 4. momentum close to 1 ------------------------------------------------------------------

@pytest.mark.parametrize("m", [1 - 1e-16, 1 - 1e-12, 0.99991, np.nextafter(MAX_MOMENTUM, 1)])
def test_momentum_too_close_to_one_is_refused_naming_m_and_the_limit(m):
    for scheme in ("standard", "shifted"):
        with pytest.raises(ValueError) as info:
            st.threshold(5, momentum=scheme, m=m)
        assert repr(float(m)) in str(info.value) and repr(MAX_MOMENTUM) in str(info.value)


@pytest.mark.parametrize("scheme", ["standard", "shifted"])
@pytest.mark.parametrize("delay", [1, 5, 32])
@pytest.mark.parametrize("m", [0.99, 0.999, MAX_MOMENTUM])
@pytest.mark.parametrize("method", ["locus", "brentq"])
def test_momentum_near_one_meets_the_documented_accuracy(scheme, delay, m, method):
    """threshold's docstring: relative error about eps (K+1)/(1-m) (at most twice that
    measured), and 1e-10 for m <= 0.99; truth: the 40-digit boundary locus."""
    truth = locus_edge(delay, scheme, m)
    bound = max(1e-10 if m <= 0.99 else 0.0, 2 * EPS * (delay + 1) / (1 - m))
    assert st.threshold(delay, momentum=scheme, m=m, method=method) == pytest.approx(truth, rel=bound, abs=0)


# 5. DiscreteGaussian with a huge sigma; Empirical near the overflow threshold --------------

@pytest.mark.parametrize("sigma", [1e12, 1e17, 1e100, 1e300])
def test_discrete_gaussian_huge_sigma_gives_the_flat_pmf_not_nan(sigma):
    g = st.DiscreteGaussian(3, sigma=sigma)
    np.testing.assert_allclose(g.pmf[1:], np.full(6, 1 / 6), rtol=1e-14)
    assert st.threshold(g) == pytest.approx(st.threshold(st.Uniform(1, 6)), rel=1e-10)


@pytest.mark.parametrize("mu, sigma", [(3, 1e12), (3, 1e6), (20, 6.0), (100, 1000.0), (5, 0.3), (60, 1.0)])
def test_discrete_gaussian_raw_weights_match_400_digit_truth(mu, sigma):
    g = st.DiscreteGaussian(mu, sigma=sigma, normalize=False)
    with mpmath.workdps(400):
        truth = [float(mpmath.ncdf(k + mpmath.mpf(0.5), mu, sigma) - mpmath.ncdf(k - mpmath.mpf(0.5), mu, sigma))
                 for k in range(1, g.pmf.size)]
    np.testing.assert_allclose(g.pmf[1:], truth, rtol=2e-13)


def test_discrete_gaussian_sigma_beyond_the_limit_is_refused():
    with pytest.raises(ValueError, match="sigma=1e[+]305"):
        st.DiscreteGaussian(3, sigma=1e305)


def test_empirical_weights_near_overflow_normalize_without_overflow_error():
    assert st.Empirical([1e308, 1e308], normalize=True).pmf.tolist() == [0.5, 0.5]
    with pytest.raises(ValueError, match="sum to inf"):
        st.Empirical([1e308, 1e308])


def test_empirical_pmf_longer_than_the_limit_is_refused_by_length():
    with pytest.raises(ValueError, match=str(MAX_DELAY + 2)):
        st.Empirical(range(MAX_DELAY + 2), normalize=True)


# 6. figures: an output path that is a directory; SIGTERM ----------------------------------

def test_figures_output_path_that_is_a_directory_is_a_one_line_error(capsys, tmp_path):
    (tmp_path / "fig6.csv").mkdir()
    code, _, err = cli(capsys, "figures", "--out", tmp_path, "--only", "fig6", "--no-progress")
    assert_one_line_error(code, err, "fig6.csv", "directory")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig6.csv"]


def test_sigterm_during_figures_leaves_no_temporary_files(tmp_path):
    """SIGTERM while a figure file is being written: the temporary file is removed and the
    exit status is 143.  The figure writer is slowed down so that the signal lands while a
    ``.tmp-*`` file exists (checked before the signal is sent)."""
    script = textwrap.dedent("""
        import sys, time
        from stability import plotting
        from stability.cli import main
        real = plotting.save
        def slow_save(fig, fh, fmt):
            real(fig, fh, fmt)
            fh.flush()
            open(sys.argv[2], "w").close()  # the image is in the temporary file: signal now
            time.sleep(60)
        plotting.save = slow_save
        sys.exit(main(["figures", "--out", sys.argv[1], "--only", "fig6", "--no-progress"]))
    """)
    # The test waits for a marker written after matplotlib has rendered: a signal that landed
    # inside matplotlib's first use of mathtext (it builds a pyparsing grammar) once made
    # pyparsing print an unrelated "Exception ignored" line at exit.
    ready = tmp_path.parent / (tmp_path.name + "-ready")
    proc = subprocess.Popen([sys.executable, "-c", script, str(tmp_path), str(ready)], stderr=subprocess.PIPE,
                            text=True, env=dict(os.environ, PYTHONPATH=ROOT, OPENBLAS_NUM_THREADS="1"))
    try:
        deadline = time.monotonic() + 60
        while not (ready.exists() and any(p.name.startswith(".tmp-") for p in tmp_path.iterdir())):
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143
    assert err.strip() == "stability: terminated"
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith(".tmp-")]
    assert (tmp_path / "fig6.csv").exists()  # written before the signal, whole


# 7. --pmf files ----------------------------------------------------------------------------

def test_pmf_file_with_a_utf8_bom_is_accepted(capsys, tmp_path):
    f = tmp_path / "bom.txt"
    f.write_bytes(b"\xef\xbb\xbf0.25 0.75\n")
    code, out, _ = cli(capsys, "threshold", "--pmf", f, "--json")
    assert code == 0 and '"mean_delay": 0.75' in out


@pytest.mark.parametrize("content, needle", [
    (b"\x00\x01\x02binary", "binary"),
    (b"0.5 \xff 0.5", "not UTF-8"),
    (bytes(range(256)), "binary"),
    (b"0.5 0.5 x", "not a number"),
    (b"", "empty"),
    (b"nan 1", "non-finite"),
    (b"-1 2", "negative"),
    (b"0.2 0.2", "sum"),
])
def test_bad_pmf_file_error_names_the_file(capsys, tmp_path, content, needle):
    f = tmp_path / "weights.txt"
    f.write_bytes(content)
    code, out, err = cli(capsys, "threshold", "--pmf", f)
    assert_one_line_error(code, err, str(f), needle)
    assert out == ""


def test_pmf_file_that_is_a_directory_is_named(capsys, tmp_path):
    code, _, err = cli(capsys, "threshold", "--pmf", tmp_path)
    assert_one_line_error(code, err, str(tmp_path), "directory")


# 8. options that would be ignored ----------------------------------------------------------

@pytest.mark.parametrize("argv, needle", [
    (["lr", "--eta0", "1", "--delay", "3", "--method", "brentq"], "--method"),
    (["threshold", "--delay", "3", "--sigma", "2"], "--sigma"),
    (["threshold", "--uniform", "1", "3", "--sigma", "2"], "--sigma"),
    (["threshold", "--delay", "3", "--normalize"], "--normalize"),
    (["threshold", "--gaussian", "3", "--normalize"], "--normalize"),
    (["lr", "--eta0", "1", "--delay", "3", "--sigma", "2"], "--sigma"),
])
def test_option_that_would_be_ignored_is_an_error(capsys, argv, needle):
    code, out, err = cli(capsys, *argv)
    assert_one_line_error(code, err, needle)
    assert out == ""


# 9. overflow and underflow of the learning-rate rule ---------------------------------------

def test_scaled_learning_rate_overflow_is_an_overflow_error_not_inf():
    with pytest.raises(OverflowError, match="1e[+]308"):
        st.scaled_learning_rate(1e308, 0, momentum="standard", m=0.9, reference_momentum="none")


def test_scaled_learning_rate_underflow_is_an_overflow_error_not_zero():
    with pytest.raises(OverflowError, match="5e-324"):
        st.scaled_learning_rate(5e-324, 32)
    with pytest.raises(OverflowError):
        st.scaled_learning_rate_approx(5e-324, 32)


def test_scaled_learning_rate_overflow_in_the_cli_is_one_line_not_inf(capsys):
    code, out, err = cli(capsys, "lr", "--eta0", "1e308", "--delay", "0", "--momentum", "standard",
                         "--m", "0.9", "--reference-momentum", "none")
    assert_one_line_error(code, err, "overflows", status=1)
    assert out == ""


# 10. zero Hessian; non-finite results -----------------------------------------------------

@pytest.mark.parametrize("dim", [1, 2, 3, 10])
@pytest.mark.parametrize("method", ["lanczos", "power"])
def test_zero_hessian_sharpness_is_zero_not_an_arpack_error(dim, method):
    res = sharpness.sharpness(lambda v: np.zeros_like(v), dim, method=method)
    assert res.value == 0.0 and res.residual == 0.0 and res.converged
    with pytest.raises(ValueError, match="top Hessian eigenvalue is 0.0"):
        sharpness.recommended_learning_rate(lambda v: np.zeros_like(v), dim, 3, method=method)


def test_threshold_array_and_sweep_never_return_a_non_finite_edge(monkeypatch):
    from stability import thresholds

    monkeypatch.setattr(thresholds, "threshold", lambda *a, **k: math.inf)
    # threshold_array computes the locus edges of its points together, and calls
    # threshold() for those the batch leaves: both ways are guarded
    monkeypatch.setattr(thresholds, "locus_edges", lambda pairs: [None] * len(pairs))
    with pytest.raises(ArithmeticError, match="inf"):
        thresholds.threshold_array([1, 2])
    monkeypatch.setattr(thresholds, "locus_edges", lambda pairs: [SimpleNamespace(alpha=math.inf)] * len(pairs))
    with pytest.raises(ArithmeticError, match="inf"):
        thresholds.threshold_array([1, 2])
    with pytest.raises(ArithmeticError, match="inf"):
        thresholds.sweep([(1, "none", 0.0)])


def test_async_msgd_zero_or_non_finite_start_is_refused():
    for v0 in ([0.0, 0.0], [np.inf, 1.0], [np.nan, 0.0]):
        with pytest.raises(ValueError, match="v0"):
            pca.async_msgd([2.0, 1.0], 5e-4, [0.5], [1], runs=2, steps=10, window=5, v0=v0)


def test_async_msgd_history_too_large_is_refused_before_allocating():
    peak, error = peak_bytes(lambda: pca.async_msgd([2.0, 1.0], 5e-4, [0.5], [10**6], runs=10**4, steps=10,
                                                    window=5))
    assert isinstance(error, ValueError) and "MiB" in str(error)
    assert peak < 2**20


# 11. --version, echo of m, lr --help, examples ---------------------------------------------

def test_version_option(capsys):
    code, out, _ = cli(capsys, "--version")
    assert code == 0 and out.strip() == f"stability {st.__version__}"


def test_m_is_echoed_with_all_its_digits(capsys):
    code, out, _ = cli(capsys, "threshold", "--delay", "3", "--momentum", "standard", "--m", "0.99989999")
    assert code == 0 and "m = 0.99989999," in out


def test_lr_help_states_the_true_default_of_reference_m(capsys):
    code, out, _ = cli(capsys, "lr", "--help")
    assert code == 0
    flat = " ".join(out.split())
    assert "default: the target's --m when the reference optimizer is the target's, else 0" in flat
    # and that is what the code does: standard momentum against a plain reference uses m = 0
    ref = st.thresholds.reference_configuration("standard", 0.9, "none", None)
    assert ref == ("none", 0.0)


@pytest.mark.parametrize("argv", [["--help"], ["threshold", "--help"], ["lr", "--help"], ["figures", "--help"]])
def test_help_has_examples(capsys, argv):
    code, out, _ = cli(capsys, *argv)
    assert code == 0 and "examples:" in out and "stability " in out.split("examples:")[1]


# 12. README statements match the output ----------------------------------------------------

def _readme():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as fh:
        return " ".join(fh.read().split())


def test_readme_fig10_slopes_match_the_plotted_numbers():
    from stability import figures

    d = figures.read_csv(os.path.join(ROOT, "figures", "fig10.csv"))
    m, tau, inv = d.column("m"), d.column("tau"), d.column("inverse_alpha")
    text = _readme()
    for mm, full, late in ((0.0, "0.6362", "0.6366"), (0.6, "0.6444", "0.6379"), (0.9, "0.699", "0.661")):
        s = m == mm
        assert f"{np.polyfit(tau[s], inv[s], 1)[0]:.{len(full) - 2}f}" == full
        s2 = s & (tau >= 32)
        assert f"{np.polyfit(tau[s2], inv[s2], 1)[0]:.{len(late) - 2}f}" == late
        assert full in text and late in text
    assert "least squares over the plotted `tau = 0..64`" in text and "over `tau = 32..64` only" in text


def test_readme_quadratic_check_says_b8_is_past_the_edge():
    from stability import figures

    d = figures.read_csv(os.path.join(ROOT, "figures", "quadratic_check.csv"))
    ratios = {label: theory / sim for label, theory, sim in
              zip(d.column("delay"), d.column("inverse_alpha"), d.column("inverse_alpha_simulated"))
              if label.startswith("U1-")}
    # simulated edge / predicted edge: below 1 loses stability before the edge
    assert f"{(ratios['U1-8'] - 1) * 100:.2f}" == "0.22"
    text = _readme()
    assert "at `b = 8` it stays stable 0.22% *past* it" in text
    for b, pct in (("2", "2.8"), ("16", "0.8"), ("32", "1.2"), ("64", "0.7")):
        assert f"{(1 - ratios['U1-' + b]) * 100:.1f}" == pct
        assert f"{pct}% at `b = {b}`" in text


def test_fig6_caption_names_the_method_that_draws_it():
    from stability import figures

    data = figures.fig6()
    assert st.threshold_result(3).method == "locus"  # what threshold_array's default runs
    assert "boundary locus" in data.caption and "brentq" not in data.caption
