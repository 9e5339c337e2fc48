"""Certified boundary-locus (D-decomposition) edge of stability: no eigenvalues, any delay.

The characteristic polynomial is ``c(z) = P(z) + alpha Q(z)`` with real coefficients.  A
root lies on the unit circle at ``z = e^{i theta}`` exactly when ``alpha = -P/Q`` is real
there (and ``Q != 0``), i.e. when

.. math::  g(\\theta) = \\operatorname{Im}\\big(P(e^{i\\theta})\\,\\overline{Q(e^{i\\theta})}\\big) = 0,
           \\qquad \\alpha(\\theta) = -\\frac{\\operatorname{Re}(P\\bar Q)}{|Q|^2}.

Real coefficients make ``theta`` in ``[0, pi]`` enough (roots come in conjugate pairs).
At ``alpha = 0`` every root of ``P`` except ``z = 1`` is strictly inside the circle (for
the three schemes: ``z**K (z - 1)``, ``z**(n-1) (z - 1)(z - m)`` and, by Rouche,
``(z - 1)(z**(K+1) - m sum p_k z**(K-k))``), and ``z = 1`` moves inward for ``alpha > 0``.
Roots move continuously with ``alpha``, so the edge is the smallest ``alpha > 0`` at which
some root is on the circle: the smallest positive ``alpha(theta)`` over the zeros of ``g`` in
``(0, pi)`` (with ``Q != 0``) and over ``theta = pi`` (``z = -1``, where ``g`` always
vanishes and ``alpha = -P(-1)/Q(-1)``).

**Why no zero of g can be missed.**  With ``p, q`` the coefficients of ``P, Q`` (lowest
power first) and ``r_d = sum_j p_{j+d} q_j`` (a cross-correlation, one FFT),
``g = sum_{d=1..n} b_d sin(d theta)`` with ``b_d = r_d - r_{-d}``.  Since
``sin(d t) / sin(t) = U_{d-1}(cos t) = sum_k cos((d-1-2k) t)``, ``h = g / sin(theta)`` is the
cosine polynomial ``sum_{j<n} c_j cos(j theta)`` with ``c_j`` parity-split suffix sums of ``b``:
it has the zeros of ``g`` in ``(0, pi)`` and none forced at 0 or pi.  On a uniform grid
``theta_l = pi l / M`` (``M >= 4 n``, a power of two) one real FFT per derivative gives
``h, h', ..., h^(K-1)``.  ``||h|| <= S / (1 - r N)`` with ``S`` the grid maximum, ``r`` the
half-spacing and ``N`` the degree (Bernstein: ``||h'|| <= N ||h||``), and
``||h^(K)|| <= N^K ||h||``.  Each grid point certifies its half-cell ``|t - t_l| <= r`` as

* zero-free if ``|h_l| - sum_{a=1}^{K-1} |h^(a)_l| r^a / a! - N^K ||h|| r^K / K! - e > 0``, or
* monotone if the same Taylor bound applied to ``h'`` is positive,

where ``e`` is a floating-point term (``16 eps log2(FFT length) sum |c_j|`` plus the error
of forming ``c``; a generous model of FFT rounding, not interval arithmetic).  An interval
between two grid points whose two halves are certified holds no zero (both zero-free) or
exactly as many as its sign pattern shows (at most one per monotone half, located by the
sign at the midpoint when one half is zero-free).  Intervals that are not certified are
first attacked by doubling ``M`` and raising ``K`` (globally, while they are many), then
bisected: ``h`` and its derivatives at the midpoint are evaluated directly (``O(n)``),
and each half is certified with the halved radius.

**Which zeros matter.**  At a zero of ``h``, ``|alpha| = |P|/|Q|``.  ``|P|`` and ``|Q|`` are
bounded on every interval by the same Taylor argument (grid moduli of the derivatives
from FFTs of the coefficients, the support centred so that Bernstein's degree is half
the span).  An interval is discarded only if this certified lower bound of ``|alpha|``
exceeds the best accepted edge so far; the others are refined (a bracketed, safeguarded
Newton iteration on ``g`` with ``P, Q`` evaluated directly, to ``4 eps`` relative in
``theta``), cheapest estimate first, in small batches.  So only ``O(1)`` of the ``O(n)``
sign changes are ever refined and the cost is ``O(n log n)`` for every pmf.

**Poles are not crossings.**  Where ``Q(e^{i theta}) = 0``, ``g`` vanishes too.  A refined
zero is accepted only if ``|P + alpha Q| / (|P| + |alpha Q|) <= 1e-6`` at
``z = e^{i theta}`` (a true crossing gives about ``1e-12`` or less, a pole about 1).

**What is reported instead of a wrong value.**  An interval still uncertified after
bisection to a width of ``1e-13 (1 + theta)`` (a possible tangential double zero) that
cannot be discarded by the ``|alpha|`` bound raises :class:`ArithmeticError`.

Accuracy: the zero is located to a few ulps in ``theta`` by Newton's method on ``g``
(evaluated with the supports centred, so phases stay exact); the relative error of
``alpha`` is then a few ``eps / theta`` (about ``1e-11`` at ``theta = 1e-5``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["locus_edge", "LocusEdge", "RESIDUAL_TOL"]

#: A refined zero of g is a crossing only if |P + alpha Q| / (|P| + |alpha Q|) <= this.
RESIDUAL_TOL = 1e-6

_EPS = np.finfo(float).eps
_PER_PI_N = 4  # grid points per pi / n, at least
_MIN_M = 64
_K_START, _K_MAX = 4, 6  # Taylor orders for h (derivatives 0..K-1 from the grid)
_KPQ = 4  # Taylor order for |P| and |Q|
_MAX_UNCERTIFIED = 16  # more uncertified grid intervals than this: refine the grid
_MAX_M_OVER_N = 64
_MAX_M = 1 << 23
_SPARSE_TERMS = 32
_BATCH = 4
_CHUNK = 2_000_000  # entries per direct-evaluation block
_MAX_ROUNDS = 200


@dataclass(frozen=True)
class LocusEdge:
    """The edge found by :func:`locus_edge` and its certificate.

    Attributes
    ----------
    alpha, theta : float
        The edge and the angle in ``[0, pi]`` of the root on the circle.
    residual : float
        ``|P + alpha Q| / (|P| + |alpha Q|)`` at ``z = e^{i theta}``.
    candidates : int
        Zeros of ``h`` located (certified sign changes) plus ``theta = pi``.
    refined : int
        Zeros refined by Newton's method (the others were discarded by the ``|alpha|``
        bound) plus intervals bisected.
    bisected : int
        Intervals of the grid bisected because the grid bound could not certify them.
    margin : float
        Smallest certified lower bound of ``|h|`` or ``|h'|/N`` over the half-cells,
        relative to the bound on ``||h||`` (> 0 by construction).
    alpha_margin : float
        Smallest ``|alpha|_lower / alpha - 1`` over the discarded intervals that hold
        a zero or could (> 0 by construction; inf if none).
    grid : int
        ``M``: grid points per ``pi``.
    """

    alpha: float
    theta: float
    residual: float
    candidates: int
    refined: int
    bisected: int
    margin: float
    alpha_margin: float
    grid: int


class _Poly:
    """A real polynomial (lowest power first) on the unit circle, support centred at ``s``.

    ``T(t) = sum_j c_j e^{i (j - s) t}`` has ``|T(t)| = |c(e^{it})|`` and Bernstein degree
    ``N = max |j - s|``.  Derivatives are returned scaled by ``N**a``.
    """

    def __init__(self, c: np.ndarray):
        self.idx = np.flatnonzero(c)
        if self.idx.size == 0:
            self.idx = np.array([0])
        self.val = c[self.idx]
        lo, hi = int(self.idx[0]), int(self.idx[-1])
        self.s = (lo + hi) // 2
        self.N = max(hi - self.s, self.s - lo, 1)
        self.w = (self.idx - self.s) / self.N
        self.norm = float(np.sum(np.abs(self.val)))
        self.sparse = self.idx.size <= _SPARSE_TERMS
        self.size = c.size
        self.dense = c

    def moduli_at(self, t: np.ndarray, k: int) -> np.ndarray:
        """``|T^(a)(t)| / N**a`` for ``a < k``, shape ``(k, t.size)``."""
        out = np.empty((k, t.size))
        rel = (self.idx - self.s).astype(float)
        step = max(1, _CHUNK // self.idx.size)
        for s0 in range(0, t.size, step):
            tt = t[s0 : s0 + step]
            E = np.exp(1j * np.multiply.outer(tt, rel))
            for a in range(k):
                out[a, s0 : s0 + step] = np.abs(E @ (self.val * self.w**a))
        return out

    def moduli_grid(self, M: int, k: int, points: np.ndarray) -> np.ndarray:
        """``moduli_at(pi * points / M, k)`` (grid indices), by FFT when dense."""
        if self.sparse:
            # exact phases: e^{i j pi l / M} with j l reduced modulo 2M in integers
            out = np.zeros((k, points.size), dtype=complex)
            table = np.exp(1j * np.pi * np.arange(2 * M) / M)
            for j, v, w in zip(self.idx, self.val, self.w):
                e = v * table[(points * int(j)) % (2 * M)]
                for a in range(k):
                    out[a] += e * w**a
            return np.abs(out)
        out = np.empty((k, points.size))
        for a in range(k):
            x = np.zeros(self.size)
            x[self.idx] = self.val * self.w**a
            out[a] = np.abs(np.fft.rfft(x, 2 * M)[points])
        return out

    def values_at(self, t: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray]:
        """``sum_j c_j e^{i (j - shift) t}`` and its t-derivative."""
        rel = (self.idx - shift).astype(float)
        v = np.empty(t.size, dtype=complex)
        d = np.empty(t.size, dtype=complex)
        step = max(1, _CHUNK // self.idx.size)
        for s0 in range(0, t.size, step):
            E = np.exp(1j * np.multiply.outer(t[s0 : s0 + step], rel))
            v[s0 : s0 + step] = E @ self.val
            d[s0 : s0 + step] = E @ (1j * rel * self.val)
        return v, d


def _correlation(p: np.ndarray, q: np.ndarray, pp: _Poly, qq: _Poly) -> tuple[np.ndarray, float]:
    """``r_d = sum_j p_{j+d} q_j`` at index ``n + d`` and a bound on its entrywise error."""
    n = p.size - 1
    if pp.idx.size * qq.idx.size <= 64 * (n + 1):
        r = np.zeros(2 * n + 1)
        d = np.subtract.outer(pp.idx, qq.idx).ravel() + n
        np.add.at(r, d, np.multiply.outer(pp.val, qq.val).ravel())
        err = 2 * _EPS * pp.norm * qq.norm * min(pp.idx.size, qq.idx.size)
        return r, err
    from scipy.signal import fftconvolve

    r = fftconvolve(p, q[::-1])
    L = 2 * n + 1
    err = 16 * _EPS * math.log2(L + 1) * math.sqrt(L) * float(np.linalg.norm(p) * np.linalg.norm(q))
    return r, err


class _H:
    """``h = g / sin`` as the cosine polynomial ``sum_{j<n} c_j cos(j t)``."""

    def __init__(self, pp: _Poly, qq: _Poly, p: np.ndarray, q: np.ndarray):
        n = p.size - 1
        r, err = _correlation(p, q, pp, qq)
        b = (r[n + 1 :] - r[n - 1 :: -1]).astype(np.longdouble)  # b_d, d = 1..n
        S = np.empty(n, dtype=np.longdouble)
        for par in (0, 1):
            S[par::2] = np.cumsum(b[par::2][::-1])[::-1]
        c = 2.0 * S
        c[0] = S[0]
        self.c = c.astype(float)
        self.n = n
        self.N = max(n - 1, 1)
        self.j = np.arange(n, dtype=float)
        self.w = self.j / self.N
        self.abs_sum = float(np.sum(np.abs(self.c)))
        # error of the coefficients: n/2 terms of b (each 2 err) per suffix sum, the
        # extended-precision sums, the rounding to double; summed over the n coefficients
        ld_eps = float(np.finfo(np.longdouble).eps)
        per = 2.0 * (n * err + n * ld_eps * float(np.sum(np.abs(b)))) + _EPS * np.abs(self.c)
        self.coef_err = float(np.sum(per))
        self.grid_cache: dict = {}

    def fp(self, L: int) -> float:
        return self.coef_err + 16 * _EPS * math.log2(max(L, 2)) * self.abs_sum

    def grid(self, M: int, K: int) -> np.ndarray:
        """``h^(a) / N**a`` at ``theta_l = pi l / M``, ``a < K``, shape ``(K, M + 1)``."""
        have = self.grid_cache.get(M, np.empty((0, M + 1)))
        rows = [have[a] for a in range(have.shape[0])]
        for a in range(have.shape[0], K):
            F = np.fft.rfft(self.c * self.w**a, 2 * M)
            rows.append((F.real, F.imag, -F.real, -F.imag)[a % 4].copy())
        out = np.array(rows)
        self.grid_cache = {M: out}
        return out

    def at(self, t: np.ndarray, K: int) -> np.ndarray:
        out = np.empty((K, t.size))
        step = max(1, _CHUNK // max(self.n, 1))
        for s0 in range(0, t.size, step):
            X = np.multiply.outer(t[s0 : s0 + step], self.j)
            C, Sn = np.cos(X), np.sin(X)
            for a in range(K):
                cw = self.c * self.w**a
                out[a, s0 : s0 + step] = (C @ cw, -(Sn @ cw), -(C @ cw), Sn @ cw)[a % 4]
        return out


_FACT = [math.factorial(a) for a in range(12)]


def _h_bounds(hd: np.ndarray, rho: np.ndarray, H: float, fp: float):
    """Lower bounds of ``|h|`` and ``|h'|/N`` on half-cells of radius ``rho / N``."""
    K = hd.shape[0]
    z = np.abs(hd[0]) - H * rho**K / _FACT[K] - fp
    d = np.abs(hd[1]) - H * rho ** (K - 1) / _FACT[K - 1] - fp
    for a in range(1, K):
        z -= np.abs(hd[a]) * rho**a / _FACT[a]
        if a >= 2:
            d -= np.abs(hd[a]) * rho ** (a - 1) / _FACT[a - 1]
    return z, d


def _pq_bound(mod: np.ndarray, rho: np.ndarray, norm: float, upper: bool) -> np.ndarray:
    k = mod.shape[0]
    fp = 16 * _EPS * norm
    rest = norm * rho**k / _FACT[k] + fp
    for a in range(1, k):
        rest = rest + mod[a] * rho**a / _FACT[a]
    return mod[0] + rest if upper else mod[0] - rest


class _Intervals:
    """A batch of intervals ``[ta, tb]`` with the Taylor data at both ends."""

    def __init__(self, ta, tb, ha, hb, depth):
        self.ta, self.tb, self.ha, self.hb, self.depth = ta, tb, ha, hb, depth


def _classify(iv: _Intervals, N: int, H: float, fp: float):
    """Certify each interval; returns (certified, zeros inside, bracket lo, bracket hi, slack)."""
    r = 0.5 * (iv.tb - iv.ta)
    rho = r * N
    za, da = _h_bounds(iv.ha, rho, H, fp)
    zb, db = _h_bounds(iv.hb, rho, H, fp)
    ok_a, ok_b = (za > 0) | (da > 0), (zb > 0) | (db > 0)
    cert = ok_a & ok_b
    ha0, hb0 = iv.ha[0], iv.hb[0]
    sa, sb = np.sign(ha0), np.sign(hb0)
    # sign of h at the midpoint, when a half determines it
    mid_a = np.where(za > 0, sa, np.where(ha0 == 0, np.sign(iv.ha[1]), 0.0))
    mid_b = np.where(zb > 0, sb, np.where(hb0 == 0, -np.sign(iv.hb[1]), 0.0))
    smid = np.where(mid_a != 0, mid_a, mid_b)
    known = smid != 0
    zl = known & (za <= 0) & (ha0 != 0) & (sa != smid)  # one zero in the left half
    zr = known & (zb <= 0) & (hb0 != 0) & (sb != smid)
    zw = ~known & (sa * sb < 0)  # monotone throughout: one zero iff a sign change
    tm = 0.5 * (iv.ta + iv.tb)
    count = zl.astype(int) + zr.astype(int) + zw.astype(int)
    lo = np.where(zr & ~zl, tm, iv.ta)
    hi = np.where(zl & ~zr, tm, iv.tb)
    slack = np.maximum(np.maximum(za, da), 0) / H
    slack_b = np.maximum(np.maximum(zb, db), 0) / H
    return cert, count, zl, zr, lo, hi, np.minimum(slack, slack_b)


def locus_edge(P: np.ndarray, Q: np.ndarray) -> LocusEdge:
    """Smallest ``alpha > 0`` with a root of ``P + alpha Q`` on the unit circle, certified.

    See the module docstring for the argument that no crossing is missed, the handling
    of poles, ``theta -> 0`` and ``theta = pi``, and the accuracy.

    Parameters
    ----------
    P, Q : ndarray
        Real coefficients, highest power first, equal length, ``P(1) = 0``.

    Returns
    -------
    LocusEdge

    Raises
    ------
    ArithmeticError
        If no crossing exists, or an interval that could hold a crossing below the
        edge found cannot be certified in double precision.
    """
    p = np.asarray(P, dtype=float)[::-1].copy()
    q = np.asarray(Q, dtype=float)[::-1].copy()
    n = p.size - 1
    pp, qq = _Poly(p), _Poly(q)
    shift = qq.s  # common centre for g = Im(P conj Q): phases cancel
    refined = 0
    bisected = 0
    best, best_theta, best_res = math.inf, math.nan, math.nan
    candidates = 0

    def direct(t):
        vp, dp = pp.values_at(t, shift)
        vq, dq = qq.values_at(t, shift)
        return vp, dp, vq, dq

    def accept(t):
        nonlocal best, best_theta, best_res
        vp, _, vq, _ = direct(np.asarray(t, dtype=float))
        absq2 = vq.real**2 + vq.imag**2
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = -(vp * np.conj(vq)).real / absq2
            res = np.abs(vp + alpha * vq) / (np.abs(vp) + np.abs(alpha * vq))
        for a, th, rr in zip(alpha, t, res):
            if np.isfinite(a) and a > 0 and rr <= RESIDUAL_TOL and a < best:
                best, best_theta, best_res = float(a), float(th), float(rr)

    # theta = pi (z = -1) is always on the real axis
    candidates += 1
    accept(np.array([math.pi]))

    hh = _H(pp, qq, p, q)
    N = hh.N
    M = 1 << max(int(math.log2(_MIN_M)), math.ceil(math.log2(_PER_PI_N * (n + 1))))
    K = _K_START
    while True:
        hd = hh.grid(M, K)
        r = math.pi / (2 * M)
        fp = hh.fp(2 * M)
        # ||h|| <= S / (1 - r N): every t is within r of a grid point (r N < pi / 8 here)
        H = min(hh.abs_sum, (float(np.max(np.abs(hd[0]))) + fp) / (1.0 - r * N))
        H = max(H, np.finfo(float).tiny)
        idx = np.arange(M)
        grid_iv = _Intervals(np.pi * idx / M, np.pi * (idx + 1) / M, hd[:, :-1], hd[:, 1:], np.zeros(M, int))
        cert, count, zl, zr, lo, hi, slack = _classify(grid_iv, N, H, fp)
        n_bad = int(np.count_nonzero(~cert))
        if n_bad <= _MAX_UNCERTIFIED:
            break
        if K < _K_MAX:
            K += 2
        elif M < min(_MAX_M, _MAX_M_OVER_N * (n + 1)):
            M *= 2
        else:
            break
    margin = float(np.min(slack[cert])) if np.any(cert) else math.inf
    theta_grid = np.pi * np.arange(M + 1) / M

    # exact zeros at grid points (h_l == 0): candidates of their own
    exact = np.flatnonzero(hd[0, 1:-1] == 0) + 1
    if exact.size:
        candidates += exact.size
        refined += exact.size
        accept(theta_grid[exact])

    # |P| and |Q| bounds at the interval ends (radius r) for the intervals that matter
    zero_iv = np.flatnonzero(cert & (count > 0))
    bad_iv = np.flatnonzero(~cert)
    need = np.unique(np.concatenate([zero_iv, zero_iv + 1, bad_iv, bad_iv + 1]))
    pmod = pp.moduli_grid(M, _KPQ, need)
    qmod = qq.moduli_grid(M, _KPQ, need)
    plo_pt = _pq_bound(pmod, np.full(need.size, r * pp.N), pp.norm, False)
    qhi_pt = _pq_bound(qmod, np.full(need.size, r * qq.N), qq.norm, True)
    pos = {int(v): i for i, v in enumerate(need)}

    def alpha_lower(ia, ib):
        pl = np.minimum(plo_pt[ia], plo_pt[ib])
        qh = np.maximum(qhi_pt[ia], qhi_pt[ib])
        with np.errstate(divide="ignore"):
            return np.where(pl > 0, pl / qh, 0.0)

    def est_of(ia, ib):
        with np.errstate(divide="ignore", invalid="ignore"):
            return (pmod[0, ia] + pmod[0, ib]) / (qmod[0, ia] + qmod[0, ib])

    ia = np.array([pos[int(i)] for i in zero_iv], dtype=int)
    ib = np.array([pos[int(i) + 1] for i in zero_iv], dtype=int)
    # brackets: (lo, hi, lower bound of |alpha|, estimate); intervals with two zeros
    # (one per half, split at the midpoint) give two brackets
    blo, bhi, blow, best_est = [], [], [], []
    two = zl[zero_iv] & zr[zero_iv]
    tmid = 0.5 * (grid_iv.ta[zero_iv] + grid_iv.tb[zero_iv])
    alow = alpha_lower(ia, ib)
    est = est_of(ia, ib)
    blo.append(lo[zero_iv]); bhi.append(np.where(two, tmid, hi[zero_iv]))
    blow.append(alow); best_est.append(est)
    blo.append(tmid[two]); bhi.append(grid_iv.tb[zero_iv][two])
    blow.append(alow[two]); best_est.append(est[two])
    br_lo, br_hi = np.concatenate(blo), np.concatenate(bhi)
    br_low, br_est = np.concatenate(blow), np.concatenate(best_est)
    candidates += br_lo.size

    # uncertified intervals: data for bisection
    ua = np.array([pos[int(i)] for i in bad_iv], dtype=int)
    ub = np.array([pos[int(i) + 1] for i in bad_iv], dtype=int)
    unc = dict(ta=grid_iv.ta[bad_iv], tb=grid_iv.tb[bad_iv], ha=hd[:, bad_iv], hb=hd[:, bad_iv + 1],
               pa=pmod[:, ua], pb=pmod[:, ub], qa=qmod[:, ua], qb=qmod[:, ub],
               depth=np.zeros(bad_iv.size, int))
    alpha_margin_low = []  # lower bounds of |alpha| on discarded intervals

    done = np.zeros(br_lo.size, dtype=bool)
    for _ in range(_MAX_ROUNDS):
        # 1. refine the brackets that could beat the current best, cheapest first
        while True:
            open_ = np.flatnonzero(~done & (br_low <= best))
            if open_.size == 0:
                break
            pick = open_[np.argsort(br_est[open_], kind="stable")[:_BATCH]]
            t = _newton(br_lo[pick], br_hi[pick], direct)
            done[pick] = True
            refined += pick.size
            accept(t)
        # 2. the uncertified intervals that could beat it: bisect
        if unc["ta"].size == 0:
            break
        low = _unc_alpha_lower(unc, N, pp, qq)
        keep = low <= best
        alpha_margin_low.append(low[~keep])
        if not np.any(keep):
            break
        for key in unc:
            unc[key] = unc[key][..., keep] if unc[key].ndim > 1 else unc[key][keep]
        tiny = (unc["tb"] - unc["ta"]) <= 1e-13 * (1.0 + unc["ta"])
        if np.any(tiny):
            i = int(np.flatnonzero(tiny)[0])
            raise ArithmeticError(
                f"the boundary locus cannot be certified near theta = {unc['ta'][i]:.17g}: a possible "
                f"tangential double zero of Im(P conj Q) where |alpha| could be below {best:.17g}"
            )
        m_t = 0.5 * (unc["ta"] + unc["tb"])
        hm = hh.at(m_t, K)
        pm, qm = pp.moduli_at(m_t, _KPQ), qq.moduli_at(m_t, _KPQ)
        bisected += m_t.size
        refined += m_t.size
        ta = np.concatenate([unc["ta"], m_t])
        tb = np.concatenate([m_t, unc["tb"]])
        child = dict(ta=ta, tb=tb, ha=np.concatenate([unc["ha"], hm], axis=1),
                     hb=np.concatenate([hm, unc["hb"]], axis=1),
                     pa=np.concatenate([unc["pa"], pm], axis=1), pb=np.concatenate([pm, unc["pb"]], axis=1),
                     qa=np.concatenate([unc["qa"], qm], axis=1), qb=np.concatenate([qm, unc["qb"]], axis=1),
                     depth=np.concatenate([unc["depth"], unc["depth"]]) + 1)
        # the midpoint itself may be an exact zero
        exact_mid = m_t[hm[0] == 0]
        if exact_mid.size:
            candidates += exact_mid.size
            accept(exact_mid)
        civ = _Intervals(child["ta"], child["tb"], child["ha"], child["hb"], child["depth"])
        c_cert, c_count, c_zl, c_zr, c_lo, c_hi, c_slack = _classify(civ, N, H, fp)
        if np.any(c_cert):
            margin = min(margin, float(np.min(c_slack[c_cert])))
        low_c = _unc_alpha_lower(child, N, pp, qq)
        new = np.flatnonzero(c_cert & (c_count > 0))
        two = c_zl[new] & c_zr[new]
        cm = 0.5 * (child["ta"][new] + child["tb"][new])
        add_lo = np.concatenate([c_lo[new], cm[two]])
        add_hi = np.concatenate([np.where(two, cm, c_hi[new]), child["tb"][new][two]])
        add_low = np.concatenate([low_c[new], low_c[new][two]])
        with np.errstate(divide="ignore", invalid="ignore"):
            add_est = (child["pa"][0] + child["pb"][0]) / (child["qa"][0] + child["qb"][0])
        add_est = np.concatenate([add_est[new], add_est[new][two]])
        candidates += add_lo.size
        br_lo, br_hi = np.concatenate([br_lo, add_lo]), np.concatenate([br_hi, add_hi])
        br_low, br_est = np.concatenate([br_low, add_low]), np.concatenate([br_est, add_est])
        done = np.concatenate([done, np.zeros(add_lo.size, dtype=bool)])
        still = ~c_cert
        unc = {key: (v[..., still] if v.ndim > 1 else v[still]) for key, v in child.items()}
    else:
        raise ArithmeticError("the boundary locus could not be certified within the refinement budget")

    if not math.isfinite(best):
        raise ArithmeticError("the boundary locus never crosses the positive real axis")
    skipped = br_low[done == False]  # noqa: E712  (discarded without refinement)
    lows = np.concatenate([skipped] + alpha_margin_low) if alpha_margin_low or skipped.size else np.empty(0)
    alpha_margin = float(np.min(lows) / best - 1.0) if lows.size else math.inf
    return LocusEdge(best, best_theta, best_res, int(candidates), int(refined), int(bisected), float(margin),
                     alpha_margin, int(M))


def _unc_alpha_lower(unc, N, pp: _Poly, qq: _Poly) -> np.ndarray:
    r = 0.5 * (unc["tb"] - unc["ta"])
    pl = np.minimum(_pq_bound(unc["pa"], r * pp.N, pp.norm, False), _pq_bound(unc["pb"], r * pp.N, pp.norm, False))
    qh = np.maximum(_pq_bound(unc["qa"], r * qq.N, qq.norm, True), _pq_bound(unc["qb"], r * qq.N, qq.norm, True))
    with np.errstate(divide="ignore"):
        return np.where(pl > 0, pl / qh, 0.0)


def _newton(lo: np.ndarray, hi: np.ndarray, direct) -> np.ndarray:
    """Zeros of ``g = Im(P conj Q)`` in the brackets ``(lo, hi)`` (a sign change each).

    Bracketed Newton: a Newton step is taken when it stays inside the current bracket
    and at least halves it, a bisection otherwise; stops at ``4 eps`` relative.
    """
    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()

    def g_and_d(t):
        vp, dp, vq, dq = direct(t)
        return (vp * np.conj(vq)).imag, (dp * np.conj(vq) + vp * np.conj(dq)).imag

    glo, _ = g_and_d(lo)
    ghi, _ = g_and_d(hi)
    # g vanishes at theta = 0 and pi: take the sign from the other end there
    glo = np.where(glo == 0, -ghi, glo)
    x = 0.5 * (lo + hi)
    active = np.ones(lo.size, dtype=bool)
    for _ in range(200):
        if not active.any():
            break
        ia = np.flatnonzero(active)
        gx, dx = g_and_d(x[ia])
        same = np.sign(gx) == np.sign(glo[ia])
        lo[ia] = np.where(same, x[ia], lo[ia])
        glo[ia] = np.where(same, gx, glo[ia])
        hi[ia] = np.where(same, hi[ia], x[ia])
        with np.errstate(divide="ignore", invalid="ignore"):
            xn = x[ia] - gx / dx
        width = hi[ia] - lo[ia]
        good = np.isfinite(xn) & (xn > lo[ia]) & (xn < hi[ia])
        xn = np.where(good, xn, 0.5 * (lo[ia] + hi[ia]))
        step = np.abs(xn - x[ia])
        conv = (gx == 0) | (step <= 4 * _EPS * np.abs(xn)) | (width <= 4 * _EPS * np.abs(hi[ia]))
        x[ia] = np.where(gx == 0, x[ia], xn)
        active[ia[conv]] = False
    return x
