"""The certified march for the first crossing of the mean-square edge (stability._ms_certify).

Each bound the march relies on is checked against exact values where it must hold (a check
that could fail if the derivation were wrong), and the march is handed wrong candidates on
inputs whose gain S(alpha) is not monotone, to show that it finds the first crossing itself.
"""

import math

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as hst
from numpy.testing import assert_allclose

import stability as st
import stability._ms_certify as mc
import stability.moments as mo
from stability._validation import compiled_kernel


def bimodal(p, gap):
    """Mass ``p`` at delay 0 and ``1 - p`` at delay ``gap``."""
    return st.Empirical(np.r_[p, np.zeros(gap - 1), 1.0 - p])


def exact_gain(delay, momentum, m, alphas):
    P, Q = st.polynomial_pair(delay, momentum=momentum, m=m)
    with np.errstate(over="ignore", invalid="ignore"):
        return mo._gain_exact_pq(P, Q, momentum, m, np.asarray(alphas, dtype=float))


def problem(delay, momentum, m):
    pmf = np.asarray(st.delays.as_pmf(delay), dtype=float)
    P, Q = st.polynomial_pair(delay, momentum=momentum, m=m)
    return mc._Problem(pmf, momentum, m, P, Q)


CONFIGS = [(st.Uniform(1, 8), "none", 0.0), (st.Uniform(1, 8), "standard", 0.9),
           (st.Uniform(1, 8), "shifted", 0.9), (bimodal(0.95, 31), "standard", 0.95),
           (bimodal(0.95, 31), "shifted", 0.95), (st.Empirical([0.2, 0.3, 0.5]), "shifted", 0.99)]


# ----------------------------------------------------------------------------- primitives

@pytest.mark.parametrize("r", [0.0, 0.5, 0.9, 0.999, -0.99])
@pytest.mark.parametrize("n", [1, 7, 300])
def test_min_abs_is_a_lower_bound_of_a_closed_form_minimum(n, r):
    # |z^n - r| on the unit circle has minimum 1 - |r|
    a = np.zeros(n + 1)
    a[0], a[-1] = 1.0, -r
    lower = mc._min_abs(a)
    assert 0.5 * (1 - abs(r)) <= lower <= 1 - abs(r)


@pytest.mark.parametrize("c0", [1.5, 1.01, 1.0001])
@pytest.mark.parametrize("j", [1, 5, 200])
def test_cos_min_is_a_lower_bound_of_a_closed_form_minimum(j, c0):
    g = np.zeros(j + 1)
    g[0], g[j] = c0, 1.0
    lower = mc._cos_min(g)
    assert 0.5 * (c0 - 1) <= lower <= c0 - 1
    g[0] = 0.999  # the minimum is negative: never certified positive
    assert mc._cos_min(g) == -math.inf


def test_division_by_one_minus_cos_against_direct_evaluation():
    rng = np.random.default_rng(0)
    a = rng.normal(size=40)
    a[0] -= a.sum()  # f(0) = 0
    g = mc._divide_one_minus_cos(a)
    theta = np.linspace(0.01, 2 * np.pi - 0.01, 777)
    f = np.cos(np.outer(theta, np.arange(a.size))) @ a
    q = np.cos(np.outer(theta, np.arange(g.size))) @ g
    assert_allclose(q * (1 - np.cos(theta)), f, atol=1e-11)


def test_cosine_coefficients_of_products_against_direct_evaluation():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=9), rng.normal(size=9)
    theta = np.linspace(0, 2 * np.pi, 101)
    z = np.exp(1j * theta)
    X, Y = np.polyval(x, z), np.polyval(y, z)
    cos = np.cos(np.outer(theta, np.arange(9)))
    assert_allclose(cos @ mc._cos_coefficients_abs2(x), np.abs(X) ** 2, atol=1e-12)
    assert_allclose(cos @ mc._cos_coefficients_re(x, y), (X * np.conj(Y)).real, atol=1e-12)


def _numpy_product_uses_fma():
    """Whether numpy's complex product is ``(fma(ar, br, -ai bi), fma(ar, bi, ai br))`` here
    (x86-64 with AVX2/AVX512): the exact product rounded once, by fractions."""
    from fractions import Fraction as F

    rng = np.random.default_rng(5)
    a = rng.normal(size=64) + 1j * rng.normal(size=64)
    b = rng.normal(size=64) + 1j * rng.normal(size=64)
    fma = [complex(float(F(x.real) * F(y.real) - F(float(x.imag * y.imag))),
                   float(F(x.real) * F(y.imag) + F(float(x.imag * y.real)))) for x, y in zip(a, b)]
    return bool(np.array_equal(a * b, np.array(fma)))


def test_compiled_complex_step_recursion_equals_the_numpy_loop():
    # the compiled loop writes numpy's complex operations out in real arithmetic (products
    # with FMA): bit for bit where numpy's product uses FMA, else within a few eps
    pytest.importorskip("numba")
    rng = np.random.default_rng(3)
    same = _numpy_product_uses_fma()
    for _ in range(120):
        n, r = int(rng.integers(1, 70)), int(rng.integers(1, 6))
        A = np.r_[1.0, rng.normal(size=n) * 0.9 / n] + 1j * rng.choice([0.0, 1e-30, 0.1]) * rng.normal(size=n + 1)
        B = rng.normal(size=(r, n + 1)) + 1j * rng.choice([0.0, 1e-30, 1.0]) * rng.normal(size=(r, n + 1))
        got, ref = mc._astrom_complex(A, B), mc._astrom_complex_numpy(A, B)
        assert compiled_kernel("astrom_complex", "auto") is not None  # the compiled loop ran
        if same:
            np.testing.assert_array_equal(got, ref)
        else:
            np.testing.assert_allclose(got, ref, rtol=1e-12)


# ------------------------------------------------------------------- the bounds themselves

@pytest.mark.parametrize("delay,momentum,m", CONFIGS, ids=repr)
def test_step_bound_dominates_the_exact_gain_on_the_whole_step(delay, momentum, m):
    # B(s) >= S(alpha_1 + s) on [0, delta] is the inequality every step relies on
    prob = problem(delay, momentum, m)
    edge = mo.mean_square_edge(delay, momentum=momentum, m=m, method="scan")
    for frac in (0.05, 0.3, 0.7, 0.95, 0.999):
        a1 = frac * edge
        cmin = mc._min_abs(prob.P + a1 * prob.Q)
        S1, dS, J, allow, _ = prob.derivatives(a1, mo._astrom, cmin)
        assert_allclose(S1, exact_gain(delay, momentum, m, [a1])[0][0], rtol=1e-9)
        mu = 1.0 / cmin
        delta = mc._step(S1, dS, J, allow, prob.b, mu, math.inf)
        bound = mc._bound(S1, dS, J, allow, prob.b, mu)
        s = np.linspace(0.0, delta, 60)
        S, stable = exact_gain(delay, momentum, m, a1 + s)
        assert stable.all()
        assert np.all(S <= np.array([bound(x) for x in s]) * (1 + 1e-12))
        assert np.all(S < 1.0)
        # the complex-step derivative against centred differences of the exact gain
        # (Richardson: error O(h^4), rounding about 1e-13 / h)
        h = 1e-4 * a1
        Sp, _ = exact_gain(delay, momentum, m, [a1 - 2 * h, a1 - h, a1 + h, a1 + 2 * h])
        fd = (8 * (Sp[2] - Sp[1]) - (Sp[3] - Sp[0])) / (12 * h)
        assert abs(dS - fd) <= 1e-7 * abs(fd) + 1e-8 + allow[1]


@pytest.mark.parametrize("delay,momentum,m", CONFIGS, ids=repr)
def test_start_interval_bound_holds_down_to_tiny_rates(delay, momentum, m):
    prob = problem(delay, momentum, m)
    edge = mo.mean_square_edge(delay, momentum=momentum, m=m, method="scan")

    def gain(a):
        S, stable = exact_gain(delay, momentum, m, [a])
        return float(S[0]), bool(stable[0])

    alpha0, S0 = mc._start(prob, 0.5 * edge, mo._astrom, gain)
    G2, Gscale, _ = prob.weighted_G(alpha0, mo._astrom)
    bound = (math.sqrt(S0) + alpha0 * prob.b * prob.nu * math.sqrt(G2)) ** 2
    assert bound < 1.0
    alphas = alpha0 * np.geomspace(1e-9, 1.0, 400)
    S, stable = exact_gain(delay, momentum, m, alphas)
    assert stable.all() and np.all(S <= bound * (1 + 1e-12))
    # the side condition |N_0| <= nu |c(alpha)| on a dense theta x alpha grid
    theta = np.linspace(1e-6, 2 * np.pi - 1e-6, 4001)
    z = np.exp(1j * theta)
    N0 = np.abs(np.polyval(prob.N, z))
    for a in alphas[::20]:
        c = np.abs(np.polyval(prob.P + a * prob.Q, z))
        assert np.all(N0 <= prob.nu * c * (1 + 1e-12))


# ------------------------------------------------------------ the march against wrong hints

EXCURSIONS = [(bimodal(0.95, 31), "standard", 0.95), (bimodal(0.95, 31), "shifted", 0.95),
              (bimodal(0.9730045038965528, 17), "standard", 0.95),
              (bimodal(0.910992616625274, 10), "shifted", 0.95)]


def later_crossing(delay, momentum, m, first):
    """The next crossing of S = 1 after the excursion that starts at ``first`` (fine grid of
    the exact gain, then bisection): an independent construction of a wrong candidate."""
    mean_edge = st.threshold(delay, momentum=momentum, m=m)
    alphas = np.linspace(first, mean_edge, 20001)[1:-1]
    S, stable = exact_gain(delay, momentum, m, alphas)
    bad = ~stable | (S >= 1.0)
    i = int(np.argmax(~bad))  # first good point after the excursion
    j = i + int(np.argmax(bad[i:]))  # next bad point
    lo, hi = alphas[j - 1], alphas[j]
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        Sm, sm = exact_gain(delay, momentum, m, [mid])
        if not sm[0] or Sm[0] >= 1.0:
            hi = mid
        else:
            lo = mid
    return hi


@pytest.mark.parametrize("delay,momentum,m", EXCURSIONS, ids=repr)
@pytest.mark.parametrize("hint", ["later crossing", "mean edge"])
def test_march_finds_the_first_crossing_below_a_wrong_candidate(delay, momentum, m, hint):
    pmf = np.asarray(st.delays.as_pmf(delay), dtype=float)
    first = mo.mean_square_edge(delay, momentum=momentum, m=m, method="scan")
    mean_edge = st.threshold(delay, momentum=momentum, m=m)
    if hint == "mean edge":
        wrong = mo.MeanSquareResult(mean_edge, "mean", (mean_edge, mean_edge), 0, 0)
    else:
        later = later_crossing(delay, momentum, m, first)
        assert later > 1.05 * first  # the hint really is wrong
        wrong = mo.MeanSquareResult(later, "gain", (later, later), 0, 0)
    res = mo._march_edge(delay, pmf, momentum, m, wrong, lambda: mean_edge)
    assert res.certified and res.limited_by == "gain"
    assert_allclose(res.alpha, first, rtol=1e-9)
    assert res.bracket[0] <= first * (1 + 1e-12) and res.bracket[1] - res.bracket[0] <= 1e-8 * first


@pytest.mark.parametrize("delay,momentum,m", [
    (st.Uniform(1, 2), "none", 0.0), (st.Uniform(1, 4), "standard", 0.9),
    (st.Empirical([0.05, 0.05, 0.1, 0.1, 0.7]), "shifted", 0.9),
    (bimodal(0.9436690361546639, 5), "shifted", 0.99), (bimodal(0.9, 3), "standard", 0.99),
    (st.Empirical([0.9, 0.0, 0.0, 0.1]), "standard", 0.95)], ids=repr)
def test_certified_bracket_contains_the_dense_kronecker_edge(delay, momentum, m):
    from ._ms_truth import kronecker_edge as kronecker_truth

    truth = kronecker_truth(delay, momentum, m)
    res = mo.mean_square_edge_result(delay, momentum=momentum, m=m, method="certified")
    lo, hi = res.bracket
    assert lo <= truth * (1 + 1e-10) and truth <= hi * (1 + 1e-10)
    assert hi - lo <= 1e-8 * truth


@settings(max_examples=25, deadline=None)
@given(p0=hst.floats(0.5, 0.995), gap=hst.integers(2, 40), third=hst.floats(0.0, 0.3),
       scheme=hst.sampled_from([("none", 0.0), ("standard", 0.9), ("standard", 0.99),
                                ("shifted", 0.95), ("shifted", 0.99)]))
@example(p0=0.95, gap=31, third=0.0, scheme=("standard", 0.95))
def test_certified_edge_never_above_the_scan_and_no_bad_point_below_it(p0, gap, third, scheme):
    momentum, m = scheme
    pmf = np.zeros(gap + 1)
    pmf[0], pmf[gap] = p0, 1.0 - p0
    pmf[gap // 2] += third * (1.0 - p0)
    delay = st.Empirical(pmf, normalize=True)
    scan = mo.mean_square_edge_result(delay, momentum=momentum, m=m, method="scan")
    res = mo.mean_square_edge_result(delay, momentum=momentum, m=m, method="certified")
    assert res.alpha <= scan.alpha * (1 + 1e-12)
    alphas = res.bracket[0] * np.geomspace(1e-4, 1.0, 3000)
    S, stable = exact_gain(delay, momentum, m, alphas)
    assert stable.all() and np.all(S < 1.0)
    S_hi, st_hi = exact_gain(delay, momentum, m, [res.bracket[1] * (1 + 1e-9)])
    assert (not st_hi[0]) or S_hi[0] >= 1.0 - 1e-9


# ------------------------------------------------------- regressions from a hostile review

@pytest.mark.parametrize("delay,momentum,m", [
    (st.Empirical([1e-9, 0.0, 1.0 - 1e-9]), "standard", 0.9999),
    (st.Empirical([0.0038187191161769465, 0.9961812808838231]), "standard", 0.9999)], ids=repr)
def test_bracket_holds_the_40_digit_edge_where_the_gain_is_noisy(delay, momentum, m):
    # the bracket's upper end used to be brentq's root on the float gain, up to 9e-7 below
    # the true edge at m = 0.9999; it is now a point where S >= 1 beyond the rounding
    # allowance (or the certified mean edge)
    from ._ms_truth import mp_edge

    res = mo.mean_square_edge_result(delay, momentum=momentum, m=m)
    truth = float(mp_edge(delay, momentum, m, start=res.alpha))
    assert res.bracket[0] <= truth <= res.bracket[1]
    lo, hi = res.bracket
    assert res.certified == (hi - lo <= mo.CERTIFIED_WIDTH * hi)


@pytest.mark.parametrize("delay,momentum,m", [
    (st.Empirical([1 - 1e-12, 1e-12]), "standard", 0.99),      # a negative S from cancellation
    (st.Empirical([1 - 1e-10, 1e-10]), "standard", 0.9999),    # made the start's sqrt fail
    (st.Empirical([1 - 1e-4, 1e-4]), "standard", 0.9999),      # 20000 steps were not enough
    (st.Uniform(0, 64), "shifted", 0.9999)], ids=repr)         # no start interval certifiable
def test_default_never_raises_on_valid_input_near_m_one(delay, momentum, m):
    res = mo.mean_square_edge_result(delay, momentum=momentum, m=m)
    scan = mo.mean_square_edge_result(delay, momentum=momentum, m=m, method="scan")
    assert res.alpha == scan.alpha and res.bracket[0] <= res.alpha <= res.bracket[1]
    alphas = res.bracket[0] * np.geomspace(1e-3, 1.0, 200)
    S, stable = exact_gain(delay, momentum, m, alphas)
    assert stable.all() and np.all(S < 1.0)


def _spikes(masses, K):
    pmf = np.zeros(K + 1)
    for k, w in masses.items():
        pmf[k] = w
    return st.Empirical(pmf)


def test_a_probes_false_alarm_next_to_the_mean_edge_does_not_raise():
    # the float gain read S >= 1 at both ends of a probe's cell next to the mean edge (the
    # 40-digit S is 0.002 and 0.01 there); brentq then raised "f(a) and f(b) must have
    # different signs".  The edge is the mean edge, as the scan says.
    delay = _spikes({6: 1.618877347607692e-08, 50: 0.9999999838112266}, 50)
    res = mo.mean_square_edge_result(delay, momentum="standard", m=0.99)
    assert res.limited_by == "mean" and res.alpha == st.threshold(delay, momentum="standard", m=0.99)
    assert res.certified and res.bracket[0] <= res.alpha <= res.bracket[1]


def _gain_truth_edge(delay, momentum, m, mean_edge):
    """The edge next to the mean edge from the 40-digit gain (tests/_ms_truth.py): the
    point where ``S = 1`` by bisection on ``[mean_edge (1 - 1e-6), mean_edge (1 - 1e-15)]``
    (``S`` rises to its pole at the mean edge there), or the mean edge if ``S < 1`` up to
    the upper end.  A mean-unstable point (the 40-digit recursion refuses it) counts as bad."""
    import mpmath

    from ._ms_truth import mp_gain

    def bad(a):
        try:
            return mp_gain(delay, a, momentum, m) >= 1
        except AssertionError:  # mean unstable at 40 digits
            return True

    lo, hi = mpmath.mpf(mean_edge) * (1 - mpmath.mpf(1e-6)), mpmath.mpf(mean_edge) * (1 - mpmath.mpf(1e-15))
    assert not bad(lo)
    if not bad(hi):
        return mean_edge
    while hi - lo > 1e-14 * hi:
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if bad(mid) else (mid, hi)
    return float(hi)


@pytest.mark.parametrize("k,K,e,m", [(2, 21, 1.1116797127851827e-07, 0.9980899994051113),
                                     (3, 15, 8.856407208384806e-09, 0.9971953037284702)])
def test_a_probes_root_on_the_noisy_float_gain_is_not_the_edge(k, K, e, m):
    # mass e at delay k, the rest at K, standard momentum: within 1e-7 of the mean edge the
    # float gain is noise (it reads 690 and 14000 just above the roots, where the 40-digit S
    # is about 0.002), a probe's brentq root on it became the march's candidate, and it was
    # returned as a certified gain edge 4.1e-8 and 6.3e-9 below the 40-digit edge (a random
    # search of such pmfs found 75, up to 3.6e-7 low).  The root is now refused (min |c| is
    # not certifiable there), and the march aims at the mean edge itself where the scan
    # says "mean" (its alpha was a root 4.2e-10 and 1.5e-10 below the mean edge, brentq on
    # the same noise): the edge is the mean edge, 8.7e-11 and 7.9e-12 above the truth.
    delay = _spikes({k: e, K: 1.0 - e}, K)
    res = mo.mean_square_edge_result(delay, momentum="standard", m=m)
    mean_edge = st.threshold(delay, momentum="standard", m=m)
    truth = _gain_truth_edge(delay, "standard", m, mean_edge)
    assert res.bracket[0] <= truth <= res.bracket[1]
    assert res.limited_by == "mean" and res.certified and res.alpha == mean_edge
    assert abs(res.alpha - truth) <= 1e-10 * truth


def test_a_march_that_runs_out_of_steps_does_not_vouch_for_alpha():
    # a review found, by mpmath, a first crossing near 3713.5 where alpha (the scan's) is
    # 3846.9: the march stopped at its budget near 355.  The bracket holds the edge; alpha
    # is not certified.
    delay = _spikes({0: 0.9999538088216119, 37: 4.61905516569256e-05, 56: 6.267311540860933e-10}, 56)
    res = mo.mean_square_edge_result(delay, momentum="shifted", m=0.999)
    assert not res.certified
    assert res.bracket[0] < 3713.4 and res.bracket[1] >= res.alpha


# ------------------------------------------- S' without cancellation on nearly constant delays

def nearly_constant(e, shape):
    """Mass 1 - e at one delay and e at another: delays (1, 2), (0, 2) or (1, 3)."""
    return st.Empirical({"1,2": [0.0, 1.0 - e, e], "0,2": [1.0 - e, 0.0, e], "1,3": [0.0, 1.0 - e, 0.0, e]}[shape])


@pytest.mark.parametrize("shape", ["1,2", "0,2", "1,3"])
@pytest.mark.parametrize("e", [1e-6, 1e-12])
@pytest.mark.parametrize("momentum,m", [("none", 0.0), ("standard", 0.9), ("shifted", 0.9),
                                        ("standard", 0.99), ("shifted", 0.99)])
def test_derivative_through_the_stick_rows_within_its_allowance_of_a_40_digit_truth(e, shape, momentum, m):
    # the plain form ||h||^2 - ||D h||^2 cancels about 1/e: its derivative's allowance was
    # 4e3 |S'| (2.4e12 against S' = -6e8, e = 1e-10) and the march's steps shrank to 1e-13 of
    # alpha.  Through the stick rows the error must stay within the allowance (measured: at
    # most 0.21 of it) and the allowance must be small against |S'|.
    from ._ms_truth import mp_gain_derivative

    delay = nearly_constant(e, shape)
    prob = problem(delay, momentum, m)
    edge = mo.mean_square_edge(delay, momentum=momentum, m=m, method="scan")
    for frac in (0.05, 0.7, 0.999, 0.99999):
        a = frac * edge
        cmin = mc._min_abs(prob.P + a * prob.Q)
        S, dS, _, allow, _ = prob.derivatives(a, mo._astrom, cmin)
        truth = float(mp_gain_derivative(delay, a, momentum, m))
        assert abs(dS - truth) <= 0.5 * allow[1]
        assert allow[1] <= 1e-5 * abs(truth)


def test_a_nearly_constant_delay_no_longer_uses_the_whole_step_budget():
    # Empirical([0, 1 - 1e-10, 1e-10]) without momentum: the plain form's allowance on S'
    # held every step near 4e-13 of alpha, and the march ended at MAX_STEPS = 1500
    delay = nearly_constant(1e-10, "1,2")
    res = mo.mean_square_edge_result(delay)
    assert res.certified
    assert res.evaluations < mc.MAX_STEPS // 3


# ------------------------------------------- the step bound's k without cancellation either

@pytest.mark.parametrize("shape", ["1,2", "1,3"])
@pytest.mark.parametrize("momentum,m", [("none", 0.0), ("standard", 0.9), ("shifted", 0.9), ("shifted", 0.99)])
def test_step_bound_norm_through_the_stick_rows_within_its_allowance_and_above_the_exact_k(shape, momentum, m):
    # ||N_0 G_1||_w^2 = ||N_0 G_1||^2 - ||D N_0 G_1||^2 cancelled about 1/e: its allowance
    # made the bound on k^2 up to 1e7 times too large next to the mean edge, and the march
    # ended at MAX_STEPS.  Through the stick rows its error must stay within the allowance
    # (measured: at most 0.098 of it), the allowance must be small against the norm, and the
    # bound on k^2 must stay above the exact ||K_1||_w^2 = b^2 ||N_0 G_1^2||_w^2 (it is about
    # twice it next to the edge)
    from ._ms_truth import mp_step_norms

    delay = nearly_constant(1e-10, shape)
    prob = problem(delay, momentum, m)
    edge = mo.mean_square_edge(delay, momentum=momentum, m=m, method="scan")
    for frac in (0.05, 0.999, 0.99999):
        a = frac * edge
        A = prob.P + a * prob.Q
        cmin = mc._min_abs(A)
        Nw, allow = prob._weighted_N(A, float(np.sum(np.abs(A))) / cmin, mo._astrom)
        truth_N, truth_K = (float(x) for x in mp_step_norms(delay, a, momentum, m))
        assert abs(Nw - truth_N) <= 0.5 * allow
        assert allow <= 1e-5 * truth_N
        k2 = prob.derivatives(a, mo._astrom, cmin)[2]
        assert k2 == (prob.b**2) * (Nw + allow) / cmin**2
        assert k2 >= prob.b**2 * truth_K
        if frac == 0.99999:
            assert k2 <= 4.0 * prob.b**2 * truth_K


def test_a_nearly_constant_delay_with_momentum_no_longer_ends_at_the_step_budget():
    # Empirical([0, 1 - 1e-10, 1e-10]), shifted momentum 0.9: the plain form's allowance on
    # ||N_0 G_1||_w^2 held the steps near 5e-12 of alpha next to the mean edge, and the
    # march ended at MAX_STEPS = 1500 (1573 evaluations of S)
    delay = nearly_constant(1e-10, "1,2")
    res = mo.mean_square_edge_result(delay, momentum="shifted", m=0.9)
    assert res.certified
    assert res.evaluations < mc.MAX_STEPS // 5
