"""The certified edge with momentum close to 1 at long constant delays (stability.locus).

Summed directly, ``P = (z - 1) R`` cancels to ``|P| ~ (1 - m) theta`` at the edge's angle
``theta ~ 1/tau``: the edge lost ``eps tau / (1 - m)`` (1.4e-8 at ``tau = 1e5`` and 1e-6 at
``tau = 1e6`` with shifted momentum 0.9999), and at ``tau = 1e6`` with ``m >= 0.99`` no cell
near ``theta = 0`` could be certified (ArithmeticError after minutes).  ``P`` is now
evaluated as ``2i sin(theta/2) e^{i theta/2} R``, ``|alpha| >= 2 sin(theta/2) min|R| / |Q|``
discards the cells beyond the edge's angle, and the rounding model of the cosine
coefficients counts only the terms that carry an error.

Truths (40-digit mpmath, from the unit-circle conditions written out by hand, nothing from
the package):

* standard momentum, ``P = z^(tau-1) (z - 1)(z - m)``, ``Q = 1 - m``: ``arg P`` rises strictly
  from ``pi/2`` (``theta -> 0``), so the first crossing is the first ``theta`` with
  ``(tau - 1/2) theta + arg(e^{i theta} - m) = pi/2``, and ``|alpha| = 2 sin(theta/2)
  |e^{i theta} - m| / (1 - m)`` grows with ``theta``: that crossing is the edge;
* shifted momentum, ``P = (z - 1)(z^(tau+1) - m)``, ``Q = (1 - m) z``: ``Im(P conj Q) = 0`` iff
  ``cos((tau + 1/2) theta) = m cos(theta/2)``, two zeros per period bracketed around each
  peak of the cosine; ``|alpha| >= 2 sin(theta/2)``, so zeros are scanned until that bound
  exceeds the smallest positive ``alpha`` found.
"""

import math

import mpmath as mp
import numpy as np
import pytest

import stability as st
from stability import locus

DPS = 40
EPS = np.finfo(float).eps


def standard_edge(tau, m):
    with mp.workdps(DPS):
        m = mp.mpf(m)

        def phi(t):
            return (tau - mp.mpf(1) / 2) * t + mp.atan2(mp.sin(t), mp.cos(t) - m) - mp.pi / 2

        t = mp.findroot(phi, (mp.mpf(10) ** -40, mp.pi / (2 * tau - 1)), solver="anderson")
        return 2 * mp.sin(t / 2) * abs(mp.expj(t) - m) / (1 - m)


def shifted_edge(tau, m):
    with mp.workdps(DPS):
        m = mp.mpf(m)
        h = tau + mp.mpf(1) / 2

        def f(t):
            return mp.cos(h * t) - m * mp.cos(t / 2)

        def alpha(t):
            return -(mp.cos((tau + 1) * t) - mp.cos(tau * t) - m + m * mp.cos(t)) / (1 - m)

        # theta = pi (z = -1): alpha = 2 (1 + m) / (1 - m) for even tau, negative for odd
        best, k = (2 * (1 + m) / (1 - m) if tau % 2 == 0 else mp.inf), 0
        while True:
            peak = 2 * mp.pi * k / h
            start = max(peak - mp.pi / h, 0)
            if start >= mp.pi or 2 * mp.sin(start / 2) > best:  # no zero further out is lower
                return best
            for a, b in ([(peak, peak + mp.pi / h)] if k == 0 else [(peak - mp.pi / h, peak), (peak, peak + mp.pi / h)]):
                b = min(b, mp.pi)
                if a >= b or f(a) * f(b) > 0:
                    continue
                t = mp.findroot(f, (a, b), solver="anderson")
                v = alpha(t)
                if v > 0:
                    best = min(best, v)
            k += 1


def _sparse_horner(coeffs, z):
    """``sum_j c_j z^j`` for ``coeffs = [(j, c_j), ...]`` in decreasing ``j``: Horner's rule
    over the nonzero terms (a gap of ``g`` powers is one multiplication by ``z**g``), at the
    current mpmath precision."""
    acc, prev = mp.mpc(0), None
    for j, c in coeffs:
        acc = (acc * z ** (prev - j) if prev is not None else acc) + c
        prev = j
    return acc * z**prev if prev else acc


@pytest.mark.parametrize("tau", [1, 2, 5, 1000, 20000, 100000])
@pytest.mark.parametrize("m", [0.9, 0.99, 0.999, 0.9999])
@pytest.mark.parametrize("momentum,truth", [("standard", standard_edge), ("shifted", shifted_edge)])
def test_edge_with_momentum_near_one_lost_eps_tau_over_one_minus_m(tau, m, momentum, truth):
    got = st.threshold(tau, momentum=momentum, m=m)
    exact = truth(tau, m)
    # before: up to 1.4e-8 (shifted, tau = 1e5, m = 0.9999); measured now: at most 1.1e-12
    assert abs(float(mp.mpf(got) / exact - 1)) <= 1e-11


@pytest.mark.parametrize("m", [0.9999])
def test_shifted_momentum_at_tau_1e6_was_not_certifiable(m):
    # ArithmeticError ("intervals near theta = 0 still uncertified") after about two
    # minutes: the coefficient error model grew like n^2 and exceeded |f| near theta = 0
    r = st.threshold_result(1_000_000, momentum="shifted", m=m)
    assert r.certified
    assert abs(float(mp.mpf(r.alpha) / shifted_edge(1_000_000, m) - 1)) <= 1e-11


def test_the_truths_agree_with_numpy_roots_at_short_delays():
    # the hand-written unit-circle conditions are those of the package's polynomials
    for tau in (1, 3, 8):
        for m in (0.5, 0.9):
            assert abs(float(standard_edge(tau, m)) / st.threshold(tau, momentum="standard", m=m,
                                                                   method="brentq") - 1) < 1e-9
            assert abs(float(shifted_edge(tau, m)) / st.threshold(tau, momentum="shifted", m=m,
                                                                  method="brentq") - 1) < 1e-9


def _pmf_cases():
    rng = np.random.default_rng(7)
    out = [(st.Empirical([0.5, 0.0, 0.0, 0.5]), "shifted", 0.99), (st.Uniform(1, 40), "standard", 0.9999),
           (st.Empirical(np.r_[0.3, np.zeros(500), 0.7]), "none", 0.0)]
    for _ in range(4):
        K = int(rng.integers(2, 60))
        scheme = str(rng.choice(["none", "standard", "shifted"]))
        out.append((st.Empirical(rng.random(K + 1) ** 4, normalize=True), scheme,
                    0.0 if scheme == "none" else float(rng.choice([0.5, 0.99]))))
    return out


@pytest.mark.parametrize("delay,momentum,m", _pmf_cases(), ids=lambda v: repr(v)[:40])
def test_quotient_lower_bound_of_abs_p_holds_on_the_circle(delay, momentum, m):
    # |P(e^{it})| >= 2 sin(t/2) min|R| - |P(1)| on every interval [t, .]: checked at 201
    # angles (and 30 near 0) against |P| summed in 40-digit mpmath from the same doubles
    P, _ = st.polynomial_pair(delay, momentum=momentum, m=m)
    p = np.asarray(P, dtype=float)[::-1].copy()
    quo = locus._Quotient(p)
    t = np.concatenate([np.geomspace(1e-9, 1e-2, 30), np.linspace(0.0, math.pi, 201)])
    low = quo.lower(t)
    idx = np.flatnonzero(p)
    with mp.workdps(DPS):
        coeffs = [(int(j), mp.mpf(float(p[j]))) for j in idx[::-1]]
        for ti, lo in zip(t, low):
            z = mp.expj(mp.mpf(float(ti)))
            exact = abs(_sparse_horner(coeffs, z))
            assert lo <= exact, (ti, lo, exact)
    # and the bound is not vacuous: min|R| >= 1 - m for the three schemes
    assert quo.floor >= (1.0 - m) * (1 - 1e-6)


def test_p_through_the_quotient_keeps_its_relative_accuracy_as_theta_goes_to_0():
    P, Q = st.polynomial_pair(100_000, momentum="shifted", m=0.9999)
    p = np.asarray(P, dtype=float)[::-1].copy()
    quo = locus._Quotient(p)
    t = np.array([1e-9, 1e-7, 1.4e-7, 1e-5, 0.3])
    vp, dp = quo.values_at(t, 0)
    idx = np.flatnonzero(p)
    with mp.workdps(DPS):
        for ti, v, d in zip(t, vp, dp):
            tt = mp.mpf(float(ti))
            ev = mp.fsum(mp.mpf(float(p[j])) * mp.expj(int(j) * tt) for j in idx)
            ed = mp.fsum(1j * int(j) * mp.mpf(float(p[j])) * mp.expj(int(j) * tt) for j in idx)
            # R = z^(tau+1) - m itself cancels to |R| >= 1 - m: a few eps / (1 - m) relative
            # (summed directly, P's terms of size 1 cancel to |P| ~ 1e-4 t: eps / (1e-4 t))
            assert abs(complex(v) - ev) <= 4 * EPS / (1 - 0.9999) * abs(ev)
            assert abs(complex(d) - ed) <= 1e-12 * abs(ed)


@pytest.mark.parametrize("tau,momentum,m", [(3000, "shifted", 0.999), (2500, "standard", 0.9999), (1000, "none", 0.0),
                                            (st.Empirical(0.9 ** np.arange(121), normalize=True), "shifted", 0.999)],
                         ids=["3000", "2500", "1000", "geometric-120"])
def test_coefficient_error_model_bounds_the_actual_error(tau, momentum, m):
    # sum_i |e_i - c_i| <= coef_err, with e_i from exact rational arithmetic on the same doubles
    from fractions import Fraction

    P, Q = st.polynomial_pair(tau, momentum=momentum, m=m)
    p, q = np.asarray(P, float)[::-1].copy(), np.asarray(Q, float)[::-1].copy()
    pp, qq = locus._Poly(p), locus._Poly(q)
    hh = locus._H(pp, qq, p, q)
    n = p.size - 1
    r = {}
    for i in pp.idx:
        for j in qq.idx:
            r[int(i) - int(j)] = r.get(int(i) - int(j), Fraction(0)) + Fraction(float(p[i])) * Fraction(float(q[j]))
    zero = Fraction(0)
    err, running = zero, zero
    for i in range(n - 1, -1, -1):  # e_i = 2 sum_{d > i} b_d, b_d = r_d - r_{-d}
        running += r.get(i + 1, zero) - r.get(-(i + 1), zero)
        err += abs(2 * running - Fraction(float(hh.c[i])))
    assert float(err) <= hh.coef_err
    assert hh.coef_err < 1e-6  # small enough to certify near theta = 0 (it grew like n^2)


@pytest.mark.parametrize("momentum,truth", [("standard", standard_edge), ("shifted", shifted_edge)])
def test_batched_polish_read_the_derivative_as_p_of_1(momentum, truth):
    # the vectorised polish named its P(1) argument like the derivative it unpacks in its
    # loop: from the second step on it read that array, and threshold_array over
    # tau = 0..64 at m = 0.999, 0.9999 raised IndexError (the claims report too)
    taus = np.arange(65)
    ms = np.array([0.999, 0.9999])
    grid = st.threshold_array(taus[None, :], momentum=momentum, m=ms[:, None])
    for i, m in enumerate(ms):
        assert np.array_equal(grid[i], [st.threshold(int(t), momentum=momentum, m=float(m)) for t in taus])
        for t in (1, 17, 64):
            assert abs(float(mp.mpf(grid[i, t]) / truth(t, float(m)) - 1)) <= 1e-11
