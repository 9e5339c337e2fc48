"""The batched per-pair numbers of the locus fast path against the one-pair classes.

``locus._Prepared`` builds, for a whole batch at once, the numbers that ``_Poly``, ``_H``
and ``_Quotient`` compute for one pair (terms, cosine coefficients of ``f``, their error
bound, ``R = P / (z - 1)``, ``P(1)``).  They must be the same bits: these tests compute
each pair alone with those classes and compare, on batches mixing degrees, schemes and
pmfs, through both summation routes of ``_Prepared.h_rows`` (dense as ``_H``, and over the
non-zero ``b_d`` only).
"""

import numpy as np
import pytest

from stability import locus as L
from stability.delays import DiscreteGaussian, Empirical, Uniform
from stability.polynomials import polynomial_pair


def _pairs():
    rng = np.random.default_rng(5)
    out = []
    for tau in (1, 2, 7, 64, 65, 300):
        for mom, m in (("none", 0.0), ("standard", 0.9), ("shifted", 0.9999)):
            out.append(polynomial_pair(tau, momentum=mom, m=m))
    for _ in range(12):
        K = int(rng.integers(1, 40))
        w = rng.random(K + 1) * (rng.random(K + 1) < 0.4) * 10.0 ** rng.uniform(-6, 0, K + 1)
        w[int(rng.integers(0, K + 1))] += 0.2
        for mom, m in (("none", 0.0), ("standard", 0.95), ("shifted", 0.5)):
            out.append(polynomial_pair(Empirical(w / w.sum()), momentum=mom, m=m))
    out.append(polynomial_pair(Uniform(2, 9), momentum="shifted", m=0.9))
    out.append(polynomial_pair(DiscreteGaussian(12, 2.0), momentum="standard", m=0.3))
    return [(P[::-1].copy(), Q[::-1].copy()) for P, Q in out]


@pytest.mark.parametrize("sparse_sums_min", [0, 10**9])
def test_batched_pair_numbers_equal_the_one_pair_classes(monkeypatch, sparse_sums_min):
    monkeypatch.setattr(L, "_SPARSE_SUMS_MIN", sparse_sums_min)
    pairs = _pairs()
    prep = L._Prepared([p for p, _ in pairs], [q for _, q in pairs])
    c, w, N, abs_sum, coef_err = prep.h_rows()
    for b, (p, q) in enumerate(pairs):
        pp, qq = L._Poly(p), L._Poly(q)
        for mine, pl in ((prep.P, pp), (prep.Q, qq)):
            k = pl.idx.size
            assert mine.count[b] == k
            assert np.array_equal(mine.idx[b, :k], pl.idx) and np.array_equal(mine.val[b, :k], pl.val)
            assert np.array_equal(mine.w[b, :k], pl.w)
            assert (mine.s[b], mine.N[b], mine.norm[b]) == (pl.s, pl.N, pl.norm)
        h = L._H(pp, qq, p, q)
        assert np.array_equal(c[b, : h.n], h.c) and not np.any(c[b, h.n :])
        assert np.array_equal(w[b, : h.n], h.w)
        assert (N[b], abs_sum[b], coef_err[b]) == (h.N, h.abs_sum, h.coef_err)
        quo = L._Quotient(p)
        k = quo.rr.idx.size
        assert prep.R.count[b] == k and np.array_equal(prep.R.idx[b, :k], quo.rr.idx)
        assert np.array_equal(prep.R.val[b, :k], quo.rr.val)
        assert prep.p1[b] == quo.p1
        assert prep.r_denser[b] == (np.count_nonzero(quo.rr.val) > np.count_nonzero(p))


def test_extended_abs_sums_equal_numpy_sums_on_either_route():
    # exact route (every partial sum representable) and fallback route, against np.sum in
    # extended precision of the whole row
    rng = np.random.default_rng(9)
    routes = set()
    for trial in range(400):
        B, n = int(rng.integers(1, 5)), int(rng.integers(1, 200))
        bd = np.zeros((B, n))
        for b in range(B):
            k = int(rng.integers(0, 10))
            bd[b, rng.integers(0, n, k)] = rng.standard_normal(k) * 10.0 ** rng.uniform(-14 * (trial % 2), 2, k)
        row, col = L._nonzero2(bd)
        assert all(np.array_equal(a, e) for a, e in zip((row, col), np.nonzero(bd)))
        want = np.array([float(np.sum(np.abs(r.astype(np.longdouble)))) for r in bd])

        sent = np.zeros(B, dtype=bool)

        def fallback(rows):  # as _Prepared.h_rows sums them
            sent[rows] = True
            return L._row_sums(np.abs(bd[rows].astype(np.longdouble)), L._length_groups(np.full(rows.size, n))).astype(float)

        got = L._abs_sums_extended(np.abs(bd[row, col]), row, B, fallback)
        several = np.bincount(row, minlength=B) > 1
        routes |= {"fallback"} if sent.any() else set()
        routes |= {"exact"} if np.any(several & ~sent) else set()
        assert np.array_equal(got, want)
    assert {"fallback", "exact"} <= routes
