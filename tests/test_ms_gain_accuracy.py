"""The mean-square gain without cancellation, the edge at S = 1 on the mean edge, and the
size cap of the mean-square criterion (stability.moments, issue 11).

Independent truths: the dense second-moment map in mpmath at 40 digits (tests/_ms_truth.py:
a root of det(L - I) on symmetric matrices, with certificates that the spectral radius is
below 1 just below it and above 1 just above it; cross-checked against the literal dense
products and mpmath.eig under "the truth itself"), and ``1 - |D|^2`` evaluated in mpmath.
"""

import math

import mpmath
import numpy as np
import pytest

import stability as st
from stability import moments as mo

from ._ms_truth import mp_edge, radius_side, spectral_radius, sym_lifted, sym_lifted_dense
from ._ms_truth import mp_gain as mp_gain_astrom

SCHEMES = [("none", 0.0), ("standard", 0.5), ("shifted", 0.5), ("standard", 0.9), ("shifted", 0.9)]
EPS = [1e-6, 1e-8, 1e-10, 1e-12]


def nearly_constant(e, shape):
    """Mass 1 - e at one delay and e at another: delays (1, 2), (0, 2) or (1, 3)."""
    return st.Empirical({"1,2": [0.0, 1.0 - e, e], "0,2": [1.0 - e, 0.0, e], "1,3": [0.0, 1.0 - e, 0.0, e]}[shape])


@pytest.mark.parametrize("shape", ["1,2", "0,2", "1,3"])
@pytest.mark.parametrize("e", EPS)
@pytest.mark.parametrize("momentum,m", SCHEMES)
def test_nearly_constant_delay_lost_digits_to_cancellation(e, shape, momentum, m):
    # ||h||^2 - ||D h||^2 cancelled about 1/e: the edge was good to ~1e-8 only, sometimes
    # above the true edge (Empirical([0, 1 - 1e-10, 1e-10]), standard m = 0.5: 1e-8 off)
    delay = nearly_constant(e, shape)
    truth = mp_edge(delay, momentum, m, start=mo.kronecker_edge(delay, momentum=momentum, m=m, scan_ratio=1.05))
    res = mo.mean_square_edge_result(delay, momentum=momentum, m=m)
    err = float((mpmath.mpf(res.alpha) - truth) / truth)
    assert abs(err) <= 1e-10
    assert err <= 1e-12  # and never above the edge by more than rounding
    assert res.alpha <= st.threshold(delay, momentum=momentum, m=m)


@pytest.mark.parametrize("momentum,m", [("none", 0.0), ("standard", 0.9)])
def test_nearly_constant_delay_on_a_larger_support(momentum, m):
    # one split row and the rest by subtraction (weight e): 1 - e at delay 2, e over 0..5
    e = 1e-9
    pmf = np.full(6, e / 5)
    pmf[2] = 1.0 - e
    delay = st.Empirical(pmf, normalize=True)
    truth = mp_edge(delay, momentum, m, start=mo.kronecker_edge(delay, momentum=momentum, m=m, scan_ratio=1.05))
    alpha = mo.mean_square_edge(delay, momentum=momentum, m=m)
    assert abs(float((mpmath.mpf(alpha) - truth) / truth)) <= 1e-10


def test_gain_equal_to_one_at_the_mean_edge_gave_an_edge_below_it():
    # mass at delays 0 and 4: the mean root leaves through z = -1, where |D| = 1, so S is
    # finite there and tends to 1 exactly; the subtraction's rounding (growing like the
    # pole of ||h||^2) made S reach 1 at 1.2e-9 to 6e-9 below the mean edge, 2.
    delay = st.Empirical([0.9, 0.0, 0.0, 0.0, 0.1])
    with mpmath.workdps(40):
        pmf = [mpmath.mpf(0.9), 0, 0, 0, mpmath.mpf(0.1)]
        pmf = [p / mpmath.fsum(pmf) for p in pmf]
        # the mean edge of the normalised pmf is exactly 2 (c(-1) = -2 + alpha); the dense
        # map is stable just below it and not just above: the mean-square edge is 2
        assert spectral_radius(pmf, 2 * (1 - mpmath.mpf(1e-12))) < 1 < spectral_radius(pmf, 2 * (1 + mpmath.mpf(1e-12)))
    alpha = mo.mean_square_edge(delay)
    assert 2 * (1 - 1e-12) <= alpha <= 2 * (1 + 1e-15)
    # and the gain stays below 1 right up to the edge (no spurious crossing)
    P, Q = st.polynomial_pair(delay)
    S, stable = mo._gain_exact_pq(P, Q, "none", 0.0, 2 * (1 - np.geomspace(1e-3, 1e-13, 11)))
    assert stable.all() and (S < 1).all()


@pytest.mark.parametrize("pmf", [[0.0, 1 - 1e-9, 1e-9], [0.2, 0.5, 0.0, 0.3], [0.1] * 10,
                                 [1e-3, 0.0, 0.99, 5e-3, 0.0, 4e-3]], ids=repr)
def test_stick_breaking_rows_sum_to_one_minus_abs_D_squared(pmf):
    # sum_r w_r |V_r(z)|^2 = 1 - |D(z)|^2 on the circle, for every number J of split rows;
    # the right-hand side in mpmath at 40 digits (no cancellation there)
    p = np.asarray(st.Empirical(pmf, normalize=True).pmf)
    thetas = np.linspace(0.01, math.pi, 7)
    with mpmath.workdps(40):
        mp_p = [mpmath.mpf(float(x)) for x in p]
        total = mpmath.fsum(mp_p)
        exact = []
        for t in thetas:
            D = mpmath.fsum(x * mpmath.expj(-k * mpmath.mpf(t)) for k, x in enumerate(mp_p)) / total
            exact.append(float(1 - abs(D) ** 2))
    for J in range(np.count_nonzero(p)):
        rows, w, _ = mo._stick_rows(p, J)
        z = np.exp(1j * thetas)
        V = np.array([np.polyval(r[::-1], 1 / z) for r in rows])  # sum_j v_j z^-j
        got = w @ np.abs(V) ** 2
        # with no rest rows (J = support - 1) every term is non-negative: relative accuracy
        rtol = 1e-13 if J == np.count_nonzero(p) - 1 else 1e-13 / min(exact)
        np.testing.assert_allclose(got, exact, rtol=rtol, atol=0)


# ------------------------------------------------------------------- the truth itself

SMALL = [0.2, 0.5, 0.0, 0.3]


@pytest.mark.parametrize("momentum,m", SCHEMES[:3])
def test_truth_lifted_map_entry_by_entry_equals_the_dense_products(momentum, m):
    # tests/_ms_truth.py builds L from the structure of A(k); the literal
    # sum_k p_k A(k) X A(k)^T over the basis must give the same matrix
    with mpmath.workdps(40):
        pmf = [mpmath.mpf(x) for x in SMALL]
        for alpha in (mpmath.mpf("0.37"), mpmath.mpf("1.9")):
            L, dense = sym_lifted(pmf, alpha, momentum, m), sym_lifted_dense(pmf, alpha, momentum, m)
            assert (L.rows, L.cols) == (dense.rows, dense.cols)
            assert max(abs(L[i, j] - dense[i, j]) for i in range(L.rows) for j in range(L.cols)) <= 1e-38


def test_truth_certificates_agree_with_the_eigenvalues():
    # radius_side (Stein equations) against max |eig| of L by mpmath.eig, on both sides of 1
    with mpmath.workdps(40):
        pmf = [mpmath.mpf(x) for x in SMALL]
        sides = []
        for alpha in (0.3, 0.6, 0.9, 1.5):
            L = sym_lifted(pmf, mpmath.mpf(alpha))
            rho = max(abs(v) for v in mpmath.eig(L, left=False, right=False))
            side = radius_side(L, 4, shift=mpmath.mpf(1e-20))
            assert abs(rho - 1) > 1e-6 and side == (1 if rho > 1 else -1), (alpha, rho, side)
            sides.append(side)
        assert sides.count(-1) >= 2 and sides.count(1) >= 2


def test_truth_edge_is_the_root_of_the_dense_determinant():
    # mp_edge (structured L, secant with a stopping rule) against mpmath.findroot on
    # det(L - I) with L the literal dense products, started from a point 1e-7 away
    delay = st.Empirical(SMALL)
    edge = mp_edge(delay, "standard", 0.5)
    with mpmath.workdps(40):
        pmf = [mpmath.mpf(x) for x in SMALL]

        def f(a):
            L = sym_lifted_dense(pmf, a, "standard", 0.5)
            return mpmath.det(L - mpmath.eye(L.rows))

        other = mpmath.findroot(f, (edge * (1 + mpmath.mpf(1e-7)), edge * (1 + mpmath.mpf(2e-7))),
                                solver="secant", tol=mpmath.mpf(10) ** -60, verify=False)
        assert abs(other / edge - 1) <= 1e-30


def mp_gain(delay, alpha, momentum, m, N):
    """S(alpha) by the N-point and the N/2-point trapezoid rules in mpmath at 40 digits,
    straight from the definition (1/2pi) int |F/c|^2 (1 - |D|^2) (the rule converges like
    r^N); the N/2-point rule uses the even nodes of the N-point one.  The coefficients are
    real, so the integrand is even in theta: node N - j has the value of node j, computed
    once (``1/z`` is ``conj(z)`` on the circle, its powers by products)."""
    with mpmath.workdps(40):
        p = [mpmath.mpf(float(x)) for x in delay.pmf]
        total = mpmath.fsum(p)
        p = [x / total for x in p]
        a, m = mpmath.mpf(alpha), mpmath.mpf(m)
        b = 1 - m if momentum != "none" else mpmath.mpf(1)
        half = []
        for j in range(N // 2 + 1):
            z = mpmath.expj(2 * mpmath.pi * j / N)
            zi = mpmath.conj(z)
            powers = [mpmath.mpf(1)]
            for _ in range(len(p) - 1):
                powers.append(powers[-1] * zi)
            D = mpmath.fsum(x * w for x, w in zip(p, powers))
            if momentum == "shifted":
                F = (m - a * b) - m * zi
                c = z - 1 - D * F
            else:
                F = -a * b
                c = (z - 1 if momentum == "none" else z - (1 + m) + m * zi) - D * F
            half.append(abs(F / c) ** 2 * (1 - abs(D) ** 2))
        acc = [half[min(j, N - j)] for j in range(N)]
        return mpmath.fsum(acc) / N, mpmath.fsum(acc[::2]) / (N // 2)


@pytest.mark.parametrize("e", EPS)
@pytest.mark.parametrize("momentum,m", SCHEMES[:3])
def test_mean_square_gain_of_a_nearly_constant_delay_lost_digits(e, momentum, m):
    # the trapezoid's weight 1 - |D|^2 was rounded to a few eps absolute: S ~ e ||h||^2
    # came out with a relative error of about eps / e (1e-4 at e = 1e-12)
    delay = nearly_constant(e, "1,2")
    alpha = 0.5 * st.threshold(delay, momentum=momentum, m=m)
    truth, half = mp_gain(delay, alpha, momentum, m, 1024)
    assert abs(truth / half - 1) < 1e-20  # the rule converged (512 points against 1024)
    assert abs(mo.mean_square_gain(delay, alpha, momentum=momentum, m=m) / truth - 1) <= 1e-11


def _spike(K, masses):
    pmf = np.zeros(K + 1)
    for k, w in masses.items():
        pmf[k] = w
    return st.Empirical(pmf)


# From degree 2048 on the scan asks for the mean edge first (its batches end there, the
# jump at it is recognised without brentq); from 256 on it screens points by the bound
# ||h||^2 >= S.
LARGE = [(st.Empirical(0.99 ** np.arange(301), normalize=True), "none", 0.0),
         (st.Empirical(0.99 ** np.arange(301), normalize=True), "standard", 0.6),
         (st.Empirical(0.99 ** np.arange(301), normalize=True), "shifted", 0.9),
         (_spike(300, {299: 1 - 1e-13, 300: 1e-13}), "none", 0.0),       # edge = mean edge (1e-13)
         (_spike(300, {299: 1 - 1e-13, 300: 1e-13}), "shifted", 0.5),
         (_spike(256, {0: 0.9, 256: 0.1}), "none", 0.0)]


_TRAPEZOID = {}


def trapezoid_edge(delay, momentum, m):
    """``method="trapezoid"`` once per input: both ``eager`` cases compare with the same
    reference (the trapezoid march does not scan, so ``_EAGER_MEAN_DEGREE`` does not enter)."""
    key = (np.asarray(delay.pmf).tobytes(), momentum, m)
    if key not in _TRAPEZOID:
        _TRAPEZOID[key] = mo.mean_square_edge_result(delay, momentum=momentum, m=m, method="trapezoid")
    return _TRAPEZOID[key]


@pytest.mark.parametrize("delay,momentum,m", LARGE, ids=["geo-none", "geo-std", "geo-sh", "near-const-none",
                                                         "near-const-sh", "spike-256"])
@pytest.mark.parametrize("eager", [True, False], ids=["mean-edge-first", "as-at-degree-300"])
def test_scan_with_mean_edge_first_equals_trapezoid_march_at_support_300(delay, momentum, m, eager, monkeypatch):
    if eager:  # the path taken from degree 2048 on, at a size the certified march can check
        monkeypatch.setattr(mo, "_EAGER_MEAN_DEGREE", 0)
    a = mo.mean_square_edge_result(delay, momentum=momentum, m=m)
    # the trapezoid march: an independent second method (the certified march starts from
    # the scan's candidate, and at degree 300 its step budget costs seconds here)
    b = trapezoid_edge(delay, momentum, m)
    assert abs(a.alpha / b.alpha - 1) <= 1e-10
    assert a.limited_by == b.limited_by
    assert a.alpha <= st.threshold(delay, momentum=momentum, m=m)


@pytest.mark.parametrize("momentum,m", [("none", 0.0), ("shifted", 0.9)])
def test_narrow_delay_at_a_large_mean_lost_digits_to_cancellation(momentum, m):
    # the crossing frequency is about 1/K, where 1 - |D|^2 ~ Var(tau) theta^2 is tiny:
    # ||h||^2 / S ~ (mean / sigma)^2, and the subtraction put the edge of this Gaussian
    # 1.4e-10 (plain) and 5.4e-9 (shifted) off.  Truth: S at 40 digits on both sides.
    delay = st.DiscreteGaussian(200, sigma=0.5)
    res = mo.mean_square_edge_result(delay, momentum=momentum, m=m)
    assert res.limited_by == "gain"
    assert mp_gain_astrom(delay, res.alpha * (1 - 1e-10), momentum, m) < 1 < \
        mp_gain_astrom(delay, res.alpha * (1 + 1e-10), momentum, m)


# ---------------------------------------------------------------------------- size cap

def _beyond_cap():
    pmf = np.zeros(mo.MS_MAX_DELAY + 2)
    pmf[[0, -1]] = 0.5
    return st.Empirical(pmf)


@pytest.mark.parametrize("call", [
    lambda d: mo.mean_square_edge(d),
    lambda d: mo.mean_square_gain(d, 1e-6),
    lambda d: st.threshold(d, criterion="mean-square"),
], ids=["edge", "gain", "threshold"])
def test_mean_square_criterion_beyond_its_size_cap_is_refused(call):
    # support 65535 ran for minutes (O(K^2) per evaluation, no cap): now a ValueError
    # naming the support and the cap
    with pytest.raises(ValueError, match=f"{mo.MS_MAX_DELAY}.*{mo.MS_MAX_DELAY + 1}"):
        call(_beyond_cap())


def test_constant_delay_beyond_the_cap_needs_no_gain():
    # a constant delay's mean-square edge is the mean edge: no cap applies
    tau = mo.MS_MAX_DELAY + 10
    assert st.threshold(tau, criterion="mean-square") == st.threshold(tau)


@pytest.mark.parametrize("cmd", [["threshold", "--criterion", "mean-square"], ["lr", "--eta0", "1"]])
def test_cli_mean_square_beyond_the_cap_exits_2_with_one_line(tmp_path, capsys, cmd):
    from stability.cli import main

    path = tmp_path / "pmf.txt"
    path.write_text(" ".join(repr(float(x)) for x in _beyond_cap().pmf))
    assert main([*cmd, "--pmf", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(mo.MS_MAX_DELAY) in err[0] and "Traceback" not in err[0]
