"""The fast boundary-locus method: against the brentq reference, closed forms, hard
cases, and the sweep helpers."""

import math
import multiprocessing
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from stability import DiscreteGaussian, Empirical, Uniform, sweep, threshold, threshold_result, threshold_array

from ._truth import CLOSED_FORMS, HARD_CASES, eq6, hard_case_rtol, locus_edge
from .strategies import delays, scheme_and_m

RTOL = 1e-10


@given(delays(max_tau=96), scheme_and_m())
@settings(max_examples=120)
@example(256, ("shifted", 0.99))
@example(256, ("standard", 0.99))
@example(200, ("none", 0.0))
@example(Uniform(0, 256), ("shifted", 0.9))
@example(DiscreteGaussian(100, sigma=20.0), ("standard", 0.5))
def test_agrees_with_the_brentq_reference(delay, sm):
    scheme, m = sm
    fast = threshold(delay, momentum=scheme, m=m, method="locus")
    ref = threshold(delay, momentum=scheme, m=m, method="brentq")
    assert_allclose(fast, ref, rtol=RTOL)


@given(st.integers(97, 256), scheme_and_m())
@settings(max_examples=15)
def test_agrees_with_the_brentq_reference_for_long_constant_delays(tau, sm):
    scheme, m = sm
    assert_allclose(threshold(tau, momentum=scheme, m=m, method="locus"),
                    threshold(tau, momentum=scheme, m=m, method="brentq"), rtol=RTOL)


@pytest.mark.parametrize("case", sorted(CLOSED_FORMS))
def test_closed_forms(case):
    delay, scheme, m, exact = CLOSED_FORMS[case]
    assert_allclose(threshold(delay, momentum=scheme, m=m, method="locus"), exact, rtol=RTOL)


@pytest.mark.parametrize("tau", [300, 1024, 4097, 12345, 65536, 100_000])
def test_eq6_for_long_delays(tau):
    assert_allclose(threshold(tau, method="locus"), eq6(tau), rtol=RTOL)


def test_long_delays_beyond_the_reference_are_refused_by_it_but_not_by_locus():
    with pytest.raises(ValueError, match="above 2050"):
        threshold(5000, method="brentq")
    assert threshold(5000) == pytest.approx(eq6(5000), rel=RTOL)


@pytest.mark.parametrize("name", sorted(HARD_CASES))
def test_hard_cases_against_40_digit_truth(name):
    delay, scheme, m = HARD_CASES[name]
    truth = locus_edge(delay, scheme, m)
    assert_allclose(threshold(delay, momentum=scheme, m=m, method="locus"), truth, rtol=hard_case_rtol(m))


def test_random_sparse_pmfs_with_momentum_near_one_against_truth():
    rng = np.random.default_rng(2026)
    for _ in range(6):
        K = int(rng.integers(2, 129))
        w = rng.random(K + 1) ** 4
        w[rng.random(K + 1) < 0.6] = 0.0
        w[-1] += 0.05
        d = Empirical(w, normalize=True)
        for scheme, m in [("shifted", 0.99), ("standard", 0.99), ("none", 0.0)]:
            assert_allclose(threshold(d, momentum=scheme, m=m, method="locus"), locus_edge(d, scheme, m),
                            rtol=RTOL)


def test_result_record_says_which_method_ran():
    r = threshold_result(32)
    assert r.method == "locus" and r.bracket is None and r.function_calls == 0
    assert r.iterations >= 33 and r.residual < 1e-12
    # the root on the circle at the edge (eq. 6: theta = pi / (2 tau + 1))
    assert_allclose(r.angle, math.pi / 65, rtol=1e-12)
    assert threshold_result(32, method="brentq").method == "brentq"
    with pytest.raises(ValueError, match="unknown method 'newton'"):
        threshold(3, method="newton")


def test_threshold_array_broadcasts():
    taus = np.arange(0, 20)
    ms = np.array([0.0, 0.5, 0.9])
    grid = threshold_array(taus[None, :], momentum="shifted", m=ms[:, None])
    assert grid.shape == (3, 20)
    for i, m in enumerate(ms):
        for t in (0, 7, 19):
            assert grid[i, t] == threshold(t, momentum="shifted", m=m)
    dists = [Uniform(1, b) for b in (1, 5, 9)]
    assert_array_equal(threshold_array(dists), [threshold(d) for d in dists])


def _configs():
    return [(t, s, m) for t in (0, 3, 40, 1000) for s, m in (("none", 0.0), ("standard", 0.6), ("shifted", 0.9))]


def test_sweep_with_a_process_pool_is_identical_to_serial():
    serial = sweep(_configs())
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as ex:
        parallel = sweep(_configs(), executor=ex, chunksize=2)
    assert_array_equal(parallel, serial)
    with ThreadPoolExecutor(max_workers=2) as ex:
        assert_array_equal(sweep(_configs(), executor=ex), serial)
    assert_array_equal(serial, [threshold(d, momentum=s, m=m) for d, s, m in _configs()])


def test_sweep_bad_configs():
    with pytest.raises(TypeError, match=r"\(delay, momentum, m\) tuple"):
        sweep([5])
    with pytest.raises(ValueError, match="unknown method"):
        sweep([(5, "none", 0.0)], method="fast")
    with pytest.raises(ValueError, match="unknown momentum 'x'"):
        sweep([(5, "x", 0.0)])


@pytest.mark.parametrize("delay, scheme, m", [(Uniform(0, 1), "none", 0.0), (Uniform(0, 3), "shifted", 0.5),
                                              (Uniform(2, 5), "standard", 0.7)])
def test_q_vanishing_at_z_minus_one(delay, scheme, m):
    # regression: D(-1) = 0 made alpha(pi) = 0/0 (a RuntimeWarning, now an error in the suite)
    assert_allclose(threshold(delay, momentum=scheme, m=m), threshold(delay, momentum=scheme, m=m, method="brentq"),
                    rtol=RTOL)


@given(delays(max_tau=64), st.sampled_from(["standard", "shifted"]), st.floats(0.99, 0.999))
@settings(max_examples=40)
@example(64, "shifted", 0.999)
@example(1, "shifted", 0.999)
def test_momentum_near_one_never_misses_the_first_crossing(delay, scheme, m):
    # roots start at modulus m**(1/(K+1)), almost on the circle; the 40-digit truth
    # samples 8x more densely with an independent implementation
    assert_allclose(threshold(delay, momentum=scheme, m=m), locus_edge(delay, scheme, m), rtol=1e-9)
