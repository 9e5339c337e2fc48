"""The edge of stability against closed forms, a 40-digit boundary-locus computation
and its defining property; the learning-rate rule."""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import stability
from stability import (
    Empirical,
    Uniform,
    max_root_modulus,
    scaled_learning_rate,
    scaled_learning_rate_approx,
    threshold,
    threshold_result,
)

from ._truth import CLOSED_FORMS, HARD_CASES, brentq_edge, eq6, locus_edge
from .strategies import delays, scheme_and_m

RTOL = 1e-10  # the accuracy threshold() promises


def _edge(delay, method, momentum="none", m=0.0):
    """threshold(delay, ..., method=method); the brentq edges once a session (several
    tests here and in test_locus ask for the same expensive ones)."""
    if method == "brentq":
        return brentq_edge(delay, momentum, m)
    return threshold(delay, momentum=momentum, m=m, method=method)


@pytest.mark.parametrize("method", ["brentq", "locus"])
@pytest.mark.parametrize("case", sorted(CLOSED_FORMS))
def test_closed_form_catalogue(case, method):
    delay, scheme, m, exact = CLOSED_FORMS[case]
    assert_allclose(_edge(delay, method, scheme, m), exact, rtol=RTOL)


@pytest.mark.parametrize("method", ["brentq", "locus"])
@pytest.mark.parametrize("tau", range(0, 65))
def test_plain_sgd_matches_eq6_every_tau_up_to_64(tau, method):
    assert_allclose(threshold(tau, method=method), eq6(tau), rtol=RTOL)


@given(st.integers(65, 256))
@settings(max_examples=12)
@example(256)
@example(255)
def test_plain_sgd_matches_eq6_up_to_256(tau):
    assert_allclose(_edge(tau, "brentq"), eq6(tau), rtol=RTOL)
    assert_allclose(threshold(tau, method="locus"), eq6(tau), rtol=RTOL)


def test_plain_sgd_edge_decreases_strictly_with_tau():
    edges = np.array([threshold(t) for t in range(0, 101)])
    assert np.all(np.diff(edges) < 0)


@given(delays(max_tau=64), scheme_and_m())
@settings(max_examples=80)
@example(256, ("shifted", 0.99))
@example(64, ("shifted", 0.99))
@example(0, ("standard", 0.99))
def test_edge_is_where_rho_crosses_one(delay, sm):
    scheme, m = sm
    alpha = threshold(delay, momentum=scheme, m=m)  # the default (locus) method
    assert max_root_modulus(delay, alpha * (1 - 1e-7), momentum=scheme, m=m) < 1
    assert max_root_modulus(delay, alpha * (1 + 1e-7), momentum=scheme, m=m) > 1


@given(delays(max_tau=48), scheme_and_m(), st.sampled_from(["brentq", "locus"]))
@settings(max_examples=60)
def test_agrees_with_40_digit_boundary_locus(delay, sm, method):
    scheme, m = sm
    assert_allclose(threshold(delay, momentum=scheme, m=m, method=method), locus_edge(delay, scheme, m),
                    rtol=RTOL)


@pytest.mark.parametrize("method", ["brentq", "locus"])
@pytest.mark.parametrize("name", sorted(n for n, c in HARD_CASES.items() if c[2] <= 0.99))
def test_hard_cases_against_boundary_locus(name, method):
    delay, scheme, m = HARD_CASES[name]
    assert_allclose(_edge(delay, method, scheme, m), locus_edge(delay, scheme, m), rtol=RTOL)


def test_sparse_empirical_pmf_support_128_against_boundary_locus():
    rng = np.random.default_rng(12345)
    for scheme, m in [("none", 0.0), ("standard", 0.9), ("shifted", 0.99)]:
        w = rng.random(129) ** 3
        w[rng.random(129) < 0.5] = 0.0
        w[-1] += 0.1
        d = Empirical(w, normalize=True)
        truth = locus_edge(d, scheme, m)
        for method in ("brentq", "locus"):
            assert_allclose(threshold(d, momentum=scheme, m=m, method=method), truth, rtol=RTOL)


def test_shifted_momentum_raises_the_edge_and_standard_lowers_it():
    # paper Sec. 2.2.2 and Fig. 4 / Fig. 10, at tau = 16
    base = threshold(16)
    ms = [0.0, 0.5, 0.9, 0.99]
    shifted = [threshold(16, momentum="shifted", m=m) for m in ms]
    standard = [threshold(16, momentum="standard", m=m) for m in ms]
    assert shifted[0] == pytest.approx(base, rel=1e-12) and standard[0] == pytest.approx(base, rel=1e-12)
    assert np.all(np.diff(shifted) > 0) and np.all(np.diff(standard) < 0)


def test_result_record():
    r = threshold_result(32, method="brentq")
    lo, hi = r.bracket
    assert lo < r.alpha < hi and hi / lo == pytest.approx(stability.thresholds.SCAN_RATIO)
    assert max_root_modulus(32, lo) < 1 <= max_root_modulus(32, hi)
    assert abs(r.residual) < 1e-13 and r.iterations > 0 and r.function_calls > r.iterations
    assert r.method == "brentq" and r.inverse == pytest.approx(1 / r.alpha)
    with pytest.raises(AttributeError):
        r.alpha = 1.0  # frozen


# --- learning-rate rule ------------------------------------------------------------------

@pytest.mark.parametrize("tau", [1, 8, 32, 100])
def test_scaled_lr_is_the_ratio_of_eq6_values(tau):
    assert_allclose(scaled_learning_rate(0.8, tau), 0.8 * eq6(tau) / 2.0, rtol=2 * RTOL)


def test_scaled_lr_keeps_the_same_sharpness_at_the_edge():
    eta0 = 0.1
    a = threshold(0, momentum="standard", m=0.9) / eta0  # sharpness at the edge for eta0
    eta = scaled_learning_rate(eta0, Uniform(1, 16), momentum="standard", m=0.9, criterion="mean")
    assert max_root_modulus(Uniform(1, 16), a * eta * (1 - 1e-7), momentum="standard", m=0.9) < 1
    assert max_root_modulus(Uniform(1, 16), a * eta * (1 + 1e-7), momentum="standard", m=0.9) > 1


def test_scaled_lr_with_a_different_reference_configuration():
    # from plain SGD at tau = 8 to shifted momentum m = 0.9 at tau = 8
    eta = scaled_learning_rate(1.0, 8, momentum="shifted", m=0.9, reference=8, reference_momentum="none")
    assert_allclose(eta, threshold(8, momentum="shifted", m=0.9) / eq6(8), rtol=2 * RTOL)
    # explicit reference_m
    eta = scaled_learning_rate(1.0, 4, momentum="standard", m=0.5, reference_momentum="standard", reference_m=0.9)
    assert_allclose(eta, threshold(4, momentum="standard", m=0.5) / threshold(0, momentum="standard", m=0.9),
                    rtol=2 * RTOL)


def test_eq8_approximation():
    # pi eta0 / (4 (tau + 0.5)), close to the exact rule for large tau
    assert scaled_learning_rate_approx(0.8, 32) == pytest.approx(math.pi * 0.8 / 130, rel=1e-15)
    for tau in (4, 32, 256):
        exact = scaled_learning_rate(0.8, tau)
        bound = math.pi**2 / (24 * (2 * tau + 1) ** 2) * 1.5
        assert abs(scaled_learning_rate_approx(0.8, tau) / exact - 1) < bound


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(delay=-1), ValueError, r"delay must be >= 0, got -1"),
    (dict(delay=True), TypeError, r"boolean True"),
    (dict(delay=2.0), TypeError, r"got 2.0 of type float"),
    (dict(delay="3"), TypeError, r"got '3' of type str"),
    (dict(delay=3, momentum="nesterov"), ValueError, r"unknown momentum 'nesterov'"),
    (dict(delay=3, momentum=None), TypeError, r"momentum must be one of"),
    (dict(delay=3, momentum="standard", m=1.0), ValueError, r"m must be < 1.0, got 1.0"),
    (dict(delay=3, momentum="standard", m=-0.1), ValueError, r"m must be >= 0.0, got -0.1"),
    (dict(delay=3, momentum="standard", m=float("nan")), ValueError, r"m must be finite, got nan"),
    (dict(delay=3, momentum="none", m=0.5), ValueError, r"m=0.5 was given with momentum='none'"),
    (dict(delay=10**6, method="brentq"), ValueError, r"degree 1000001, above 2050"),
    (dict(delay=10**7), ValueError, r"delay=10000000 is above 1048576, the largest delay supported"),
])
def test_bad_inputs_raise_naming_the_value(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        threshold(**kwargs)


@pytest.mark.parametrize("alpha, exc, match", [
    (float("nan"), ValueError, r"alpha must be finite, got nan"),
    (float("inf"), ValueError, r"alpha must be finite, got inf"),
    ("0.1", TypeError, r"alpha must be a real number"),
    (None, TypeError, r"alpha must be a real number"),
])
def test_bad_alpha(alpha, exc, match):
    with pytest.raises(exc, match=match):
        max_root_modulus(3, alpha)


@pytest.mark.parametrize("eta0", [0.0, -1.0, float("nan")])
def test_bad_eta0(eta0):
    with pytest.raises(ValueError, match="eta0"):
        scaled_learning_rate(eta0, 3)
    with pytest.raises(ValueError, match="eta0"):
        scaled_learning_rate_approx(eta0, 3)


def test_brentq_scan_on_unpolished_eigenvalues_confirms_its_bracket_polished(monkeypatch):
    # the scan reads rho from the eigenvalues before the polish; the bracket's ends are
    # recomputed from the polished roots, and a contradiction reruns the scan polished.
    # Here the unpolished eigenvalues are made 3% too small (the polish gets the true ones
    # back): the unpolished scan steps past the edge, the check must catch it, and the
    # edge must not move
    import stability.thresholds as th

    clean = threshold_result(40, momentum="shifted", m=0.5, method="brentq")
    real_eig, real_polish = th.eigenvalue_roots, th.polished_roots
    monkeypatch.setattr(th, "eigenvalue_roots", lambda c: (lambda c, monic, r: (c, monic, r * 0.97))(*real_eig(c)))
    monkeypatch.setattr(th, "polished_roots", lambda c, monic, r: real_polish(c, monic, r / 0.97))
    r = threshold_result(40, momentum="shifted", m=0.5, method="brentq")
    assert r.function_calls > clean.function_calls  # the polished rerun of the scan happened
    assert r.bracket == clean.bracket
    assert_allclose(r.alpha, clean.alpha, rtol=1e-13)
    assert_allclose(r.alpha, locus_edge(40, "shifted", 0.5), rtol=RTOL)


def test_brentq_scan_rho_before_the_polish_is_within_2e_12_of_after():
    # what the unpolished scan relies on (measured: at most 1.4e-12 over 176 edges of every
    # scheme and delay type up to degree 258), at the scan's points below the edge
    from stability.polynomials import polynomial_pair
    from stability.roots import eigenvalue_roots, polished_roots

    for delay, scheme, m in [(256, "shifted", 0.99), (128, "standard", 0.99), (Uniform(0, 128), "none", 0.0),
                             (100, "shifted", 0.9)]:
        P, Q = polynomial_pair(delay, momentum=scheme, m=m)
        edge = threshold(delay, momentum=scheme, m=m)
        for alpha in edge * 1.25 ** -np.arange(1, 13, 3):
            c, monic, r = eigenvalue_roots(P + alpha * Q)
            assert abs(np.max(np.abs(r)) - np.max(np.abs(polished_roots(c, monic, r)))) < 2e-12
