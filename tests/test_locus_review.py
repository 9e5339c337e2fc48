"""Hostile review of the certified locus edge after P became (z - 1) R (stability.locus).

The truths here share no code with the package:

* ``_exact_edge``: the polynomials rebuilt from the given doubles (``m`` and the pmf) in
  50-digit arithmetic, *without* rounding ``1 + m``, ``m p_k`` or ``1 - m`` (so ``P(1) = 0``
  exactly, as in the mathematics); candidate crossings from a float scan of
  ``Im(P conj Q) / sin(theta)`` 64 times denser than the degree (and a geometric grid next to
  ``theta = 0``), each refined at 50 digits.  (tests/_truth.py works on the rounded
  coefficients instead; at ``m = 0.9999`` that problem's edge differs from this one by up to
  1.4e-10 for two-point pmfs, since ``P(1)`` of the rounded coefficients is about ``1e-16``
  and ``|P|`` at the edge only about ``1e-6``.)
* ``tests/_truth.schur_stable``: the Schur-Cohn test at 60 digits (no roots, no locus).
"""


import mpmath as mp
import numpy as np
import pytest

import stability as st
from stability import locus

from ._truth import pair_edge, schur_stable

DPS = 50


def _exact_pair(pmf, momentum, m):
    """``(P, Q)`` (highest power first) as mpf from the doubles ``pmf`` and ``m``, unrounded."""
    p = [mp.mpf(float(x)) for x in pmf]
    K = len(p) - 1
    m = mp.mpf(float(m))
    zero = mp.mpf(0)
    if momentum == "standard":
        n = max(K, 1)
        P = [zero] * (n + 2)
        P[0], P[1], P[2] = mp.mpf(1), -(1 + m), m
        Q = [zero] * (n + 2)
        for k in range(K + 1):
            Q[1 + k] = (1 - m) * p[k]
    else:  # shifted
        P = [zero] * (K + 3)
        P[0], P[1] = mp.mpf(1), mp.mpf(-1)
        for k in range(K + 1):
            P[1 + k] -= m * p[k]
            P[2 + k] += m * p[k]
        Q = [zero] * (K + 3)
        for k in range(K + 1):
            Q[1 + k] = (1 - m) * p[k]
    return P, Q


def _horner(c, z):
    """Horner's rule (highest power first) over the nonzero coefficients: a run of ``g``
    zeros is one multiplication by ``z**g`` instead of ``g`` by ``z`` (the same sum at the
    working precision; the pmfs here have a few masses among thousands of zeros)."""
    acc, gap = mp.mpc(0), 0
    for x in c:
        gap += 1
        if x != 0:
            acc = (acc * z**gap if acc != 0 else acc) + x
            gap = 0
    return acc * z**gap if gap and acc != 0 else acc


def _exact_edge(pmf, momentum, m, *, oversample=64, keep=1.5):
    """The smallest crossing of the unrounded problem: tests/_truth.py's scan and
    refinement (``pair_edge``) on the coefficients of :func:`_exact_pair`, at 50 digits."""
    with mp.workdps(DPS):
        P, Q = _exact_pair(pmf, momentum, m)
        return pair_edge([float(x) for x in P], [float(x) for x in Q], [x if x != 0 else None for x in P],
                         [x if x != 0 else None for x in Q], oversample=oversample, keep=keep)


def _two_point(K, w):
    p = np.zeros(K + 1)
    p[0], p[K] = w, 1.0 - w
    return p


# {0: w, K: 1 - w} with m = 0.9999: the implementation before P = (z - 1) R was off by
# 2e-10 .. 6.1e-10 on exactly these (its eps K / (1 - m)); now at most 1.8e-12 was measured.
@pytest.mark.parametrize("K,w,momentum", [(256, 0.5, "standard"), (256, 0.1, "standard"), (127, 0.5, "standard"),
                                          (200, 0.1, "standard"), (128, 0.001, "shifted"), (256, 0.001, "shifted"),
                                          (255, 0.5, "shifted")])
def test_two_point_pmf_with_mass_at_0_and_momentum_0_9999_within_1e_10_of_the_unrounded_problem(K, w, momentum):
    pmf = _two_point(K, w)
    got = st.threshold(st.Empirical(pmf), momentum=momentum, m=0.9999)
    exact = _exact_edge(pmf, momentum, 0.9999)
    assert abs(float(mp.mpf(got) / exact - 1)) <= 1e-10


def test_two_point_pmf_edge_is_never_above_the_unrounded_edge_beyond_rounding():
    # "never an edge above the true one": over a spread of two-point pmfs at every m
    for K, w in ((64, 0.9), (100, 0.3), (63, 0.3)):
        for momentum in ("standard", "shifted"):
            for m in (0.5, 0.99, 0.9999):
                pmf = _two_point(K, w)
                got = st.threshold(st.Empirical(pmf), momentum=momentum, m=m)
                assert mp.mpf(got) <= _exact_edge(pmf, momentum, m) * (1 + mp.mpf(1e-12))


def test_threshold_array_mixing_delays_and_momenta_equals_a_loop_of_threshold_bit_for_bit():
    # both sides of the vectorised path's limit (degree 4096), momenta up to the limit
    taus = np.array([0, 1, 2, 5, 64, 255, 4094, 4095, 4096])
    ms = np.array([0.0, 0.5, 0.99, 0.9999])
    for momentum in ("standard", "shifted"):
        grid = st.threshold_array(taus[None, :], momentum=momentum, m=ms[:, None])
        loop = [[st.threshold(int(t), momentum=momentum, m=float(m)) for t in taus] for m in ms]
        assert np.array_equal(grid, loop)
    rng = np.random.default_rng(14)
    taus, ms = rng.integers(0, 300, 24), rng.choice([0.0, 0.3, 0.9, 0.999, 0.9999], 24)
    got = st.threshold_array(taus, momentum="shifted", m=ms)
    assert np.array_equal(got, [st.threshold(int(t), momentum="shifted", m=float(m)) for t, m in zip(taus, ms)])


def test_quotient_lower_bound_is_valid_and_tight_next_to_theta_0():
    # P = (z - 1)(z^n - W(z)) with W a dense random convex combination of total 1 - 1e-4:
    # min |R| = 1e-4 is reached at z = 1, so 2 sin(t/2) min|R| is tight as t -> 0; the
    # bound must hold against |P| of the same doubles summed at 50 digits, and be sharp
    rng = np.random.default_rng(9)
    n = 1500
    w = rng.random(n)
    w *= (1 - 1e-4) / w.sum()
    r = np.r_[-w, 1.0]  # R, lowest power first
    p = np.r_[0.0, r] - np.r_[r, 0.0]  # (z - 1) R, rounded
    quo = locus._Quotient(p)
    assert quo.floor >= 1e-4 * (1 - 1e-6)
    ts = np.array([1e-11, 1e-9, 0.1e-4 / n, 1e-3, 1.0])
    low = quo.lower(ts)
    with mp.workdps(DPS):
        ratios = []
        for t, lo in zip(ts, low):
            zz = mp.expj(mp.mpf(float(t)))
            acc = mp.mpc(0)
            for c in p[::-1]:
                acc = acc * zz + mp.mpf(float(c))
            ratios.append(abs(acc) / mp.mpf(lo))
    assert min(ratios) >= 1  # valid
    assert min(ratios[:3]) <= 1.01  # and not vacuous where it matters


@pytest.mark.parametrize("n", [5, 12, 30])
@pytest.mark.parametrize("shape", ["dense-R", "dense-R-constant-Q", "P(1)=0.1", "P(1)=1e-12"])
def test_locus_edge_called_directly_where_r_is_denser_than_p_or_p1_is_not_0(n, shape):
    # P = z^n - z/2 - 1/2: R = P/(z - 1) = z^(n-1) + ... + z + 1/2 is dense (the general
    # evaluation of P); P(1) = 0.1 and 1e-12 are beyond rounding (kept, not taken as 0)
    P = np.zeros(n + 1)
    P[0], P[-2], P[-1] = 1.0, -0.5, -0.5
    Q = np.zeros(n + 1)
    Q[1] = 1.0
    if shape == "dense-R-constant-Q":
        Q = np.zeros(n + 1)
        Q[-1] = 1.0
    elif shape == "P(1)=0.1":
        P[-2] = -0.4
    elif shape == "P(1)=1e-12":
        P[-1] = -0.5 + 1e-12
    alpha = locus.locus_edge(P, Q).alpha
    # Schur-Cohn at 60 digits: stable just below (and at 40 points below: no earlier window
    # wider than the spacing), unstable just above
    for a in np.linspace(0.0, 1.0, 41)[1:] * alpha * (1 - 1e-9):
        assert schur_stable(P + a * Q)
    assert not schur_stable(P + alpha * (1 + 1e-9) * Q)


def _clusters(K, where, weights):
    p = np.zeros(K + 1)
    p[list(where)] = weights
    return p


ADJACENT = [(_clusters(2000, [1517, 1518, 1999, 2000], [.7, .1, .1, .1]), "shifted", 0.9999),
            (_clusters(4001, [4000, 4001], [.999, .001]), "shifted", 0.9),
            (_clusters(5000, [3000, 3001, 4999, 5000], [.7, .1, .1, .1]), "shifted", 0.9999),
            (_clusters(10001, [10000, 10001], [.999, .001]), "shifted", 0.9999)]


@pytest.mark.parametrize("pmf,momentum,m", ADJACENT, ids=["K2000", "K4001", "K5000", "K10001"])
def test_neighbouring_delays_left_rounding_residues_that_made_r_dense(pmf, momentum, m):
    # the m p_k products of neighbouring delays did not cancel exactly in the running sum:
    # residues of 1e-17 across every gap made R = P/(z - 1) dense, so P was summed directly
    # again (3e-9 at K = 5000, 2.2e-8 at K = 10001, m = 0.9999) or a dense R was evaluated
    # 20-30x slower than before (K = 2000, 4001)
    P, _ = st.polynomial_pair(st.Empirical(pmf), momentum=momentum, m=m)
    p = np.asarray(P, dtype=float)[::-1].copy()
    assert np.count_nonzero(locus._quotient_coefficients(p)[0]) <= np.count_nonzero(p)
    r = st.threshold_result(st.Empirical(pmf), momentum=momentum, m=m)
    # 50-digit Newton on Im(P conj Q) of the unrounded problem from the returned angle
    with mp.workdps(DPS):
        Pm, Qm = _exact_pair(pmf, momentum, m)

        def gim(t):
            zz = mp.expj(t)
            return mp.im(_horner(Pm, zz) * mp.conj(_horner(Qm, zz)))

        t = mp.findroot(gim, mp.mpf(r.angle))
        exact = mp.re(-_horner(Pm, mp.expj(t)) / _horner(Qm, mp.expj(t)))
    assert abs(float(mp.mpf(r.alpha) / exact - 1)) <= 1e-11
    if pmf.size < 2500:  # the whole edge, not only the crossing at that angle
        assert abs(float(mp.mpf(r.alpha) / _exact_edge(pmf, momentum, m) - 1)) <= 1e-11


@pytest.mark.parametrize("ratio,K,m", [(0.5, 256, 0.9999), (0.9, 256, 0.999), (0.9, 200, 0.999)])
def test_geometric_pmf_with_its_edge_at_z_minus_1_could_not_be_certified(ratio, K, m):
    # ArithmeticError ("intervals near theta = 3.1 still uncertified"): |f| ~ |f'(pi)| (pi -
    # theta) with |f'(pi)| / N about 1e-11, below the modelled rounding of the cosine
    # coefficients (1e-11, a uniform per-entry bound summed over n terms; the actual error
    # is 1e-17), and |alpha| peaks at theta = pi, so no cell there could be discarded either.
    # Now the correlation is summed directly with a per-lag bound.
    pmf = ratio ** np.arange(K + 1)
    pmf /= pmf.sum()
    got = st.threshold(st.Empirical(pmf), momentum="shifted", m=m)
    assert abs(got / _exact_edge(st.Empirical(pmf).pmf, "shifted", m) - 1) <= 1e-11
