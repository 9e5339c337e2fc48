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

from ._truth import CLOSED_FORMS, HARD_CASES, brentq_edge, eq6, hard_case_rtol, locus_edge
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
    ref = brentq_edge(delay, scheme, m)  # threshold(..., method="brentq"), once a session
    if ref > fast * (1 + RTOL):
        # brentq's documented limit: its x1.25 scan can step over a short unstable window
        # (seen once under a random profile: a 37-point pmf, brentq 0.8247, locus 0.38541).
        # Then the certified edge must be confirmed by the roots on both sides of it.
        from stability import max_root_modulus

        assert max_root_modulus(delay, fast * (1 - 1e-7), momentum=scheme, m=m) < 1
        assert max_root_modulus(delay, fast * (1 + 1e-7), momentum=scheme, m=m) > 1
        return
    assert_allclose(fast, ref, rtol=RTOL)


@given(st.integers(97, 256), scheme_and_m())
@settings(max_examples=15)
def test_agrees_with_the_brentq_reference_for_long_constant_delays(tau, sm):
    scheme, m = sm
    assert_allclose(threshold(tau, momentum=scheme, m=m, method="locus"),
                    brentq_edge(tau, scheme, m), rtol=RTOL)


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


def _array_points():
    # every scheme, short and long delays, momentum up to 0.99 (cells bisected: standard
    # m = 0.99 at tau = 104 and 232), sparse pmfs (the batched path) and dense ones (the
    # general one), a zero of h on a grid point (Uniform(1, 6))
    pts = [(t, s, m) for t in (0, 1, 2, 5, 13, 64, 104, 232, 511, 1024)
           for s, m in (("none", 0.0), ("standard", 0.0), ("standard", 0.6), ("standard", 0.99),
                        ("shifted", 0.5), ("shifted", 0.9))]
    pts += [(d, s, m) for d in (Uniform(1, 5), Uniform(1, 6), Empirical([0.5, 0.25, 0.25]), Uniform(1, 40),
                                DiscreteGaussian(30, sigma=5.0))
            for s, m in (("none", 0.0), ("standard", 0.5), ("shifted", 0.9))]
    return pts


def test_threshold_array_is_a_loop_of_threshold_bit_for_bit():
    # threshold_array computes the sparse points together (stability.locus.locus_edges):
    # each number must be the one threshold() gives alone
    pts = _array_points()
    for scheme in ("none", "standard", "shifted"):
        sel = [(d, m) for d, s, m in pts if s == scheme]
        d = np.empty(len(sel), dtype=object)
        d[:] = [p[0] for p in sel]
        got = threshold_array(d, momentum=scheme, m=np.array([p[1] for p in sel]))
        assert_array_equal(got, [threshold(dd, momentum=scheme, m=mm) for dd, mm in sel])


def test_locus_edges_equal_locus_edge_records():
    from stability.locus import locus_edge as one, locus_edges
    from stability.polynomials import polynomial_pair

    pairs = [polynomial_pair(d, momentum=s, m=m) for d, s, m in _array_points()]
    many = locus_edges(pairs)
    assert sum(e is not None for e in many) >= len(pairs) - 20  # most go the batched way
    assert any(e is not None and e.bisected for e in many)
    for (P, Q), e in zip(pairs, many):
        if e is not None:
            assert e == one(P, Q)


def test_threshold_array_against_eq6_up_to_the_batched_limit():
    # the batched path serves degrees below 4096; eq. 6 is exact (measured error at most
    # 4.6e-13 over tau = 1001..4000 every 13th)
    taus = np.arange(0, 4094, 23)
    assert_allclose(threshold_array(taus), [eq6(int(t)) for t in taus], rtol=1e-12)


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


# ---------------------------------------------------------------------------------------
# Certified edges (issue: poles taken for crossings, two zeros of h in one grid cell,
# O(K^2) for dense pmfs).  The truth here is edge_from_roots: the crossing angles as the
# real roots of an exact (integer-arithmetic) polynomial in cos(theta) with z - 1 and
# z + 1 divided out, refined at 32 significant digits (decimal); it shares no code with stability.locus.

from stability import characteristic_polynomial, max_root_modulus  # noqa: E402
from stability.locus import RESIDUAL_TOL, locus_edge as certified_locus_edge  # noqa: E402
from stability.polynomials import polynomial_pair  # noqa: E402

from ._truth import edge_from_roots, schur_stable, tangential_touch  # noqa: E402


def _two_masses(K, w):
    pmf = np.zeros(K + 1)
    pmf[0], pmf[K] = w, 1.0 - w
    return Empirical(pmf)


def _crosses_at(delay, scheme, m, alpha, below=0):
    """rho < 1 just below alpha, > 1 just above, and < 1 on `below` points under it."""
    assert max_root_modulus(delay, alpha * (1 - 1e-7), momentum=scheme, m=m) < 1
    assert max_root_modulus(delay, alpha * (1 + 1e-7), momentum=scheme, m=m) > 1
    for a in np.linspace(0.0, alpha, below + 2)[1:-1]:
        assert max_root_modulus(delay, a, momentum=scheme, m=m) < 1, a


def test_pole_of_alpha_is_not_a_crossing():
    # regression: Q(e^{i theta}) = 0 on the circle made h change sign through a pole and the
    # old refinement returned Re(-P conj Q)/|Q|^2 = 0.2511 there; the edge is 2
    d = Empirical([0.5] + [0.0] * 12 + [0.5])
    r = threshold_result(d)
    assert_allclose(r.alpha, 2.0, rtol=1e-13)
    assert r.certified and r.residual <= 1e-13 and r.margin > 0 and (r.alpha_margin is None or r.alpha_margin > 0)
    assert_allclose(r.alpha, edge_from_roots(d), rtol=1e-13)
    _crosses_at(d, "none", 0.0, r.alpha, below=40)


@pytest.mark.parametrize("K", [13, 64, 127])
def test_poles_are_rejected_by_the_residual(K):
    # at a pole the relative residual |P + alpha Q| / (|P| + |alpha Q|) is about 1: the
    # certified method never returns a candidate above RESIDUAL_TOL
    d = Empirical([0.5] + [0.0] * (K - 1) + [0.5])
    P, Q = polynomial_pair(d)
    e = certified_locus_edge(P, Q)
    assert e.residual <= RESIDUAL_TOL
    assert_allclose(e.alpha, edge_from_roots(d), rtol=1e-12)


@pytest.mark.parametrize("scheme, m", [("shifted", 0.3), ("shifted", 0.5), ("standard", 0.5)])
def test_two_zeros_in_one_grid_cell_two_point_masses(scheme, m):
    # regression: {0: 1/2, K: 1/2} with these momenta was wrong by up to 6% for dozens of
    # K <= 128 (two zeros of h inside one grid cell, no sign change seen)
    for K in range(2, 129, 2 if scheme == "shifted" and m == 0.5 else 3):
        d = _two_masses(K, 0.5)
        assert_allclose(threshold(d, momentum=scheme, m=m), edge_from_roots(d, scheme, m), rtol=RTOL,
                        err_msg=f"K={K}")


@pytest.mark.parametrize("w", [0.1, 0.3, 0.7, 0.95])
@pytest.mark.parametrize("scheme, m", [("none", 0.0), ("standard", 0.6), ("standard", 0.99),
                                       ("shifted", 0.5), ("shifted", 0.9), ("shifted", 0.99)])
def test_two_point_masses_family_against_truth(w, scheme, m):
    for K in range(2, 129, 9):
        d = _two_masses(K, w)
        assert_allclose(threshold(d, momentum=scheme, m=m), edge_from_roots(d, scheme, m), rtol=RTOL,
                        err_msg=f"K={K}")


@pytest.mark.parametrize("K, w, scheme, m", [(41, 0.5, "shifted", 0.3), (100, 0.5, "shifted", 0.5),
                                             (77, 0.5, "standard", 0.5), (128, 0.3, "shifted", 0.99),
                                             (128, 0.7, "standard", 0.99), (13, 0.5, "none", 0.0)])
def test_two_point_masses_roots_on_both_sides(K, w, scheme, m):
    d = _two_masses(K, w)
    alpha = threshold(d, momentum=scheme, m=m)
    _crosses_at(d, scheme, m, alpha, below=60)
    # and the Schur-Cohn recursion (a third method, no roots at all) agrees
    assert schur_stable(characteristic_polynomial(d, alpha * (1 - 1e-7), momentum=scheme, m=m))
    assert not schur_stable(characteristic_polynomial(d, alpha * (1 + 1e-7), momentum=scheme, m=m))


@pytest.mark.parametrize("support, weights, truth_ratio", [
    ([0, 26, 34, 44, 57], [0.46, 0.26, 0.23, 0.03, 0.02], 1.0),
    ([0, 48, 72, 86, 107], [0.41, 0.12, 0.24, 0.02, 0.21], 2.316),
])
def test_five_point_pmf_standard_momentum_0_6(support, weights, truth_ratio):
    # regression: the uncertified grid returned about 2.3x the edge for the second pmf
    w = np.zeros(support[-1] + 1)
    w[support] = weights
    d = Empirical(w / w.sum())
    alpha = threshold(d, momentum="standard", m=0.6)
    assert_allclose(alpha, edge_from_roots(d, "standard", 0.6), rtol=RTOL)
    _crosses_at(d, "standard", 0.6, alpha, below=40)


@st.composite
def hard_pmfs(draw, max_support=256):
    """Pmfs built to be hard: point masses, gaps, geometric tails, tiny far weights."""
    K = draw(st.integers(2, max_support))
    kind = draw(st.sampled_from(["masses", "masses+tiny-far", "geometric", "geometric+gap", "two-blocks"]))
    w = np.zeros(K + 1)
    if kind.startswith("masses"):
        k = draw(st.integers(2, 5))
        pos = draw(st.lists(st.integers(0, K), min_size=k, max_size=k))
        for p in pos:
            w[p] += draw(st.floats(0.05, 1.0))
        w[K] += draw(st.floats(0.05, 1.0))
        if kind.endswith("tiny-far"):
            w[K] = draw(st.sampled_from([1e-6, 1e-9, 1e-12])) * w.sum()
    elif kind.startswith("geometric"):
        r = draw(st.floats(0.5, 0.99))
        k0 = draw(st.integers(0, K // 2))
        w[k0:] = r ** np.arange(K + 1 - k0)
        if kind.endswith("gap"):
            a = draw(st.integers(k0, K))
            w[a : a + draw(st.integers(1, max(1, K // 3)))] = 0.0
            w[K] = max(w[K], 1e-3)
    else:
        a = draw(st.integers(0, K // 2))
        w[a : a + draw(st.integers(1, 8))] = 1.0
        w[K - draw(st.integers(0, min(7, K))) : K + 1] = draw(st.floats(0.01, 1.0))
    return Empirical(w / w.sum())


@given(hard_pmfs(), scheme_and_m())
@settings(max_examples=30, deadline=None)
@example(_two_masses(13, 0.5), ("none", 0.0))
@example(_two_masses(100, 0.5), ("shifted", 0.5))
@example(_two_masses(256, 0.5), ("shifted", 0.99))
@example(Empirical([0.5, 0.25, 0.25]), ("none", 0.0))
def test_hard_pmfs_against_the_root_truth(delay, sm):
    scheme, m = sm
    r = threshold_result(delay, momentum=scheme, m=m)
    assert r.certified and r.residual <= RESIDUAL_TOL
    truth = edge_from_roots(delay, scheme, m)
    # the promise is 1e-10; where a root pair only touches the circle at the edge the
    # touching angle is defined to sqrt(eps) in double precision (stated in the docstring)
    rtol = 1e-8 if tangential_touch(delay, scheme, m, alpha=truth) else RTOL
    assert_allclose(r.alpha, truth, rtol=rtol)


def test_tangential_touch_at_the_edge():
    # found by hypothesis: z^3 + (a/2 - 1) z^2 + (a/4)(z + 1) has the pair +-i touching the
    # circle at a = 4 (|z| - 1 ~ -(4 - a)^2 / 64) while -1 crosses there: the double zero
    # of g at pi/2 is located to sqrt(eps), which costs about 3e-9 in alpha
    d = Empirical([0.5, 0.25, 0.25])
    assert tangential_touch(d, alpha=4.0)
    assert_allclose(threshold(d), 4.0, rtol=1e-8)
    assert not tangential_touch(Empirical([0.5] + [0.0] * 12 + [0.5]), alpha=2.0)


def test_dense_pmfs_take_n_log_n():
    # regression: every off-grid evaluation was a dense sum (O(K^2): Uniform(1, 8192) took
    # 22 s).  Not a timing test: only a handful of the thousands of sign changes of h are
    # refined or bisected (the others are discarded by the certified |alpha| bound).
    rng = np.random.default_rng(7)
    for d in (Uniform(1, 8192), DiscreteGaussian(3000, sigma=800.0), Empirical(rng.random(20_001), normalize=True)):
        r = threshold_result(d)
        assert r.certified and r.refined < 100 and r.residual <= 1e-10 and (r.alpha_margin is None or r.alpha_margin > 0)
    # the same bookkeeping at a size the reference can check
    d = Uniform(1, 200)
    r = threshold_result(d)
    assert r.refined < 60
    assert_allclose(r.alpha, threshold(d, method="brentq"), rtol=RTOL)


def test_uncertifiable_configuration_raises_rather_than_guess(monkeypatch):
    # force every bisection to fail (as a tangential double zero would) and check that the
    # result is an ArithmeticError naming the configuration, never a number
    import stability.locus as locus

    monkeypatch.setattr(locus, "_classify", _never_certified(locus._classify))
    with pytest.raises(ArithmeticError, match=r"delay=7, momentum='shifted', m=0.5.*cannot be certified"):
        threshold(7, momentum="shifted", m=0.5)


def _never_certified(classify):
    def wrapped(iv, N, H, fp, pre=None):
        cert, *rest = classify(iv, N, H, fp, pre)
        return (np.zeros_like(cert), *rest)
    return wrapped


@pytest.mark.parametrize("b", [2, 6, 14, 30])
def test_zero_of_h_exactly_on_a_grid_point(b):
    # regression: for Uniform(1, 6) the crossing is at theta = pi/8, a grid point; the grid
    # value there is rounding noise, and its sign put the zero at the end of its bracket,
    # where the Newton iteration did not look: 9.68 was returned for the edge 0.494
    d = Uniform(1, b)
    assert_allclose(threshold(d), edge_from_roots(d), rtol=RTOL)
    assert_allclose(threshold(d), threshold(d, method="brentq"), rtol=RTOL)
