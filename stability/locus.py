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
power first) and ``r_d = sum_j p_{j+d} q_j`` (a cross-correlation: sparse sums, or one FFT
convolution), ``g = sum_{d=1..n} b_d sin(d theta)`` with ``b_d = r_d - r_{-d}``.  Since
``sin(d t) / sin(t/2) = 2 sum_{i<d} cos((i + 1/2) t)``,

.. math::  f(\\theta) = \\frac{g(\\theta)}{\\sin(\\theta/2)} = \\sum_{i=0}^{n-1} e_i \\cos((i + \\tfrac12)\\theta),
           \\qquad e_i = 2 \\sum_{d > i} b_d

(suffix sums, in extended precision).  ``f`` has the zeros of ``g`` in ``(0, pi)``, none
at 0 (``f(0) = 2 P'(1) Q(1) > 0`` here), and ``f(pi) = 0`` (that is ``z = -1``, handled on
its own).  As a cosine polynomial in ``theta/2`` of degree ``2n - 1`` it obeys
Bernstein's inequality ``||f^(a)|| <= N^a ||f||`` with ``N = n - 1/2``, and it is odd
about ``pi``, so its sup norm over ``[0, pi]`` is its sup norm.  (Dividing by
``sin(theta)`` instead would give a polynomial that grows like ``n`` near ``pi`` and
ruins every global bound.)  On the grid ``theta_l = pi l / M`` (``M >= 4 (n + 1)``, a
power of two; ``M >= 2 (n + 1)`` when ``n >= 4096`` and ``P``, ``Q`` have at most 32 terms
each: ``f`` is then a few clusters of equal size and the transforms dominate the cost)
one type-II DCT or DST of length ``M`` per derivative gives ``f, f', ..., f^(K-1)``
(``K = 4``, then 6).  ``||f|| <= (S + e) / (1 - r N)`` with ``S`` the grid maximum and
``r`` the half-spacing (every point is within ``r`` of the grid; ``r N <= pi / 4 < 1``
on either grid).  The certificates below hold for any ``r``: a coarser grid only leaves
more cells to the refinement.  Each grid point certifies its
half-cell ``|t - t_l| <= r`` as

* zero-free if ``|f_l| - sum_{a=1}^{K-1} |f^(a)_l| r^a / a! - N^K ||f|| r^K / K! - e > 0``, or
* monotone if the same Taylor bound applied to ``f'`` is positive,

where ``e`` bounds rounding: ``16 eps log2(2 M) sum |e_i|`` plus the propagated
error of forming the ``e_i`` (a generous model of FFT rounding, not interval
arithmetic).  An interval between two grid points whose two halves are certified holds
no zero (both zero-free) or exactly as many as its sign pattern shows: at most one per
monotone half, located by the sign at the midpoint when one half is zero-free.
Uncertified intervals are attacked first by raising ``K`` and doubling ``M`` while they
are many, then bisected: ``f`` and its derivatives at the midpoint are evaluated directly
(``O(n)``) and each half is certified with the halved radius.

**Which zeros matter.**  At a zero of ``h``, ``|alpha| = |P|/|Q|``.  ``|P|`` and ``|Q|`` are
bounded on every interval by the same Taylor argument (grid moduli of the derivatives
from FFTs of the coefficients, the support centred so that Bernstein's degree is half
the span).  An interval is discarded only if this certified lower bound of ``|alpha|``
exceeds the best accepted edge so far; the others are refined (a bracketed, safeguarded
Newton iteration on ``g`` with ``P, Q`` evaluated directly, started at the secant point
of its bracket, to ``4 eps`` relative in ``theta``), cheapest estimate first: the four
cheapest alone (their edge usually discards all the others), then in batches.  An
uncertified cell whose ends differ in sign holds a zero too (perhaps three): its bracket
joins that refinement, since a crossing found is a crossing and can only lower the edge so
far to a true value; the cell itself stays for the bisection.  A second lower bound of
``|P|`` comes from ``R = P / (z - 1)``: ``|P| >= 2 sin(theta/2) min|R|`` where ``min|R|``
is bounded below by ``R``'s largest term minus all the others (``1 - m`` for the three
schemes), so ``|alpha| >= 2 sin(theta/2) (1 - m) / |Q|``; the Taylor bound of ``|P|``
cannot see the factor ``|z - 1|`` and, with momentum near 1 at long delays, discarded no
cell near ``theta = 0``.  The
Taylor bound of ``|P|`` (``|Q|``) uses derivatives up to order 3, or only order 1 when
the radius ``r N_P`` is at most ``1e-4`` (the remainder ``||P|| rho^k / k!`` is a valid
bound for every order ``k``: ``|T^(k)| <= N^k sum |p_j|``; the lower order only costs at most
``5e-9 sum |p_j|`` of sharpness).  So only ``O(1)`` of the ``O(n)``
sign changes are ever refined and the cost is ``O(n log n)`` for every pmf.

**Poles are not crossings.**  Where ``Q(e^{i theta}) = 0``, ``g`` vanishes too.  A refined
zero is accepted only if ``|P + alpha Q| / (|P| + |alpha Q|) <= 1e-6`` at
``z = e^{i theta}`` (a true crossing gives about ``1e-12`` or less, a pole about 1).

**What is reported instead of a wrong value.**  An interval still uncertified after
bisection to a width of ``1e-13 (1 + theta)`` (a possible tangential double zero), or
more than 4096 of them at once, that cannot be discarded by the ``|alpha|`` bound raises
:class:`ArithmeticError`.

**theta -> 0.**  With momentum near 1 two roots meet next to ``z = 1`` and leave the
circle at angles of about ``1e-3`` or less; nothing special is needed: ``f(0) != 0``,
the first cells are certified or bisected like any other.  The rounding model ``e`` of
the cosine coefficients adds, for each ``e_i``, the error bounds of the terms of its
suffix sum lag by lag (:func:`_correlation` sums the correlation directly up to
``2**26`` products, so each lag has its own bound: 0 where no product falls, tiny in a
geometric tail); a uniform bound summed over ``n`` terms grew like ``n^2`` and exceeded
``|f|`` near ``theta = 0`` at ``tau = 1e6`` with ``m >= 0.999``, and near ``theta = pi``
for geometric pmfs with shifted momentum near 1 whose edge is at ``z = -1`` (ratio 0.5,
``K = 256``, ``m = 0.9999``; ratio 0.9, ``K = 200`` to 3000, ``m = 0.999``): no cell there
could be certified, and since ``|alpha|`` peaks at ``theta = pi`` none could be discarded.

**Not certifiable in double precision.**  ``Empirical`` pmfs with mass at ``0`` and at
``K`` only (e.g. ``{0: .5, K: .5}``) put every one of the ``K/2`` crossings at exactly
``alpha = 2`` (``P + 2Q = z^(K+1) + 1``), each next to a pole of ``-P/Q`` closer than
about ``theta / K``: from ``K`` of about ``10^5`` the bisection budget runs out and
:class:`ArithmeticError` is raised (``K = 30000``: 1.8 s).  Dense pmfs with ``m = 0.9999``
beyond the direct correlation's size can raise too (geometric, ratio 0.99, ``K = 3000``,
shifted: cells near ``theta = 2.93`` stay uncertified, as before).

Accuracy: the zero is located by Newton's method on ``g`` (evaluated directly, with the
supports centred so that phases stay small) until the step stalls at rounding level;
``P`` is evaluated as ``2i sin(theta/2) e^{i theta/2} R(e^{i theta})`` (when ``R`` has no
more terms than ``P``, as for every scheme here), with ``P(1)``, 0 for every polynomial
here, taken as 0 when it is only the rounding of the coefficients.  Summed directly,
``P``'s terms of size ``||P||`` cancel to ``|P| ~ (1 - m) theta`` at the edge's angle
``theta ~ 1/tau``, and the edge lost ``eps tau / (1 - m)`` (up to 1.4e-8 at ``tau = 1e5``
and 1e-6 at ``tau = 1e6`` with shifted momentum 0.9999); through ``R`` only ``R``'s own
cancellation, ``eps / (1 - m)``, is left.  The relative error of ``alpha`` is then a few
``eps / theta`` (measured against eq. 6: about 2e-12 at ``tau = 1e5``, 1.3e-11 at
``tau = 1e6``; below 1e-12 against a 30-digit truth for supports up to 256; with
standard and shifted momentum ``m`` in 0.9..0.9999 and constant delays up to ``1e6``,
at most 1.1e-12 against 40-digit solutions of the unit-circle conditions).  Exception:
where a pair of roots only touches the circle at the edge (a double zero of ``g``; e.g. ``Empirical([.5, .25, .25])``, the pair ``+-i`` at
``alpha = 4``) the angle is defined to ``sqrt(eps)`` in double precision and ``alpha`` to
about ``1e-8``; pmfs within about 1e-7 of such a touch, where the pair does cross, lose
digits continuously (measured up to 4.4e-10, on either side of the edge, against a
60-digit Schur-Cohn bisection, e.g.
``Empirical([0.5, 0.2499999683772234, 0.2500000316227766])``).  A final Newton step on
``|z(alpha)| = 1`` for the crossing root is tried
and kept when it improves the modulus.

**Many pairs at once.**  Pairs whose ``P`` and ``Q`` have at most 32 terms each and degree
below 4096 (constant delays with any scheme, short supports) take a vectorised path,
:func:`locus_edges`, also when :func:`locus_edge` is called for one pair: the grid stage
above (``K = 4``, the same grid and bounds), the refinement of the four cheapest zeros
and then of every zero the ``|alpha|`` bound cannot discard, and the bisection rounds run
for all pairs of one grid size together (one DCT per derivative over a 2-D array,
classification, bounds and Newton iterations element by element; the ``O(n)`` direct
evaluations at midpoints pair by pair).  Every operation acts on one pair's numbers only,
in a fixed order, so each result is the same bit for bit whether the pair is alone or in
a batch (tested).  The numbers of each pair that the one-pair classes compute (the terms
of ``P``, ``Q`` and ``R``, the cosine coefficients of ``f`` and their error bound) are built
for the whole batch with array operations in the same order (:class:`_Prepared`): running
sums from the far end, where exact zeros change nothing; sums over one pair's own numbers,
the rows of one length summed together.  A pair needing more (a zero of ``h`` exactly on a grid point, more
than ``max(16, 4e6 / n)`` uncertified cells that the bound cannot discard, a possible
tangential zero) goes the general way above.  There the final polish on ``|z| = 1`` is
tried only where the locus root's modulus is off the circle by more than ``4 eps`` (below
that the step is rounding noise of size ``eps / theta`` either way); measured against
eq. 6 over ``tau = 3..299`` and ``1001..4000`` (every 13th): mean relative error
``7.0e-15`` and ``1.24e-13`` (the general method: ``7.2e-15`` and ``1.28e-13``), largest
``4.6e-13``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["locus_edge", "locus_edges", "LocusEdge", "RESIDUAL_TOL"]

#: A refined zero of g is a crossing only if |P + alpha Q| / (|P| + |alpha Q|) <= this.
RESIDUAL_TOL = 1e-6

_EPS = np.finfo(float).eps
_PER_PI_N = 4  # grid points per pi / n, at least (dense P or Q)
_PER_PI_N_SPARSE = 2  # the same when P and Q have few terms each (f: few clusters of equal size)
_MIN_M = 16
_SPARSE_COARSE_N = 4096  # the coarse grid only where the transforms, not Python, dominate
_K_START, _K_MAX = 4, 6  # Taylor orders for h (derivatives 0..K-1 from the grid)
_KPQ = 4  # Taylor order for |P| and |Q|
_MAX_UNCERTIFIED = 16  # more uncertified grid intervals than this (and 4e6/n): refine the grid
_MAX_M_OVER_N = 64
_MAX_M = 1 << 23
_SPARSE_TERMS = 32
_BATCH = 4
_CHUNK = 2_000_000  # entries per direct-evaluation block
_MAX_ROUNDS = 200
_MAX_PENDING = 4096  # uncertified intervals bisected at once, at most
_DIRECT_PRODUCTS = 1 << 26  # correlations of at most this many products: summed directly


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
        if self.idx.size == 1:  # |c_j| |w|**a, exactly
            mods = abs(float(self.val[0])) * np.abs(float(self.w[0])) ** np.arange(k)
            return np.repeat(mods[:, None], points.size, axis=1)
        if self.sparse:
            # exact phases: e^{i j pi l / M} with j l reduced modulo 2M in integers
            # (the phase is taken relative to the first term: |T^(a)| is unchanged)
            out = np.zeros((k, points.size), dtype=complex)
            j0 = int(self.idx[0])
            for j, v, w in zip(self.idx, self.val, self.w):
                red = (points * (int(j) - j0)) & (2 * M - 1)
                e = np.exp((1j * np.pi / M) * red) if j != j0 else np.ones(points.size, dtype=complex)
                for a in range(k):
                    out[a] += e * (v * w**a)
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


_TWIDDLES: dict = {}


def _twiddles(M: int) -> np.ndarray:
    """``exp(-i pi k / 2M)`` for ``k = 0 .. M/2``, kept for the last few grid sizes."""
    w = _TWIDDLES.get(M)
    if w is None:
        if len(_TWIDDLES) >= 8:
            _TWIDDLES.clear()
        w = _TWIDDLES[M] = np.exp(-0.5j * np.pi / M * np.arange(M // 2 + 1))
    return w


def _dct2(x: np.ndarray, M: int) -> np.ndarray:
    """Unnormalised type-II DCT of ``x`` zero-padded to length ``M`` (last axis, ``M`` even):
    ``y_k = 2 sum_j x_j cos(pi k (2j + 1) / (2M))`` for ``k < M`` (scipy's ``dct(x, 2, M)``).

    Makhoul's algorithm: the even entries forward and the odd ones backward, one real FFT
    of length ``M`` (numpy's pocketfft; importing ``scipy.fft`` costs 0.2 s of start-up),
    then the twiddle ``exp(-i pi k / 2M)``; the entries ``k > M/2`` are minus the imaginary
    parts of the first half, by conjugate symmetry.  The rounding is that of one FFT of
    length ``M``, inside the ``16 eps log2 L`` model of :meth:`_H.fp`.
    """
    n, h = x.shape[-1], M // 2
    v = np.zeros(x.shape[:-1] + (M,))
    v[..., : (n + 1) // 2] = x[..., 0::2]
    if n > 1:
        v[..., M - n // 2 :] = x[..., 1::2][..., ::-1]
    Y = np.fft.rfft(v, axis=-1)
    Y *= _twiddles(M)
    out = np.empty(x.shape[:-1] + (M,))
    np.multiply(Y.real, 2.0, out=out[..., : h + 1])
    np.multiply(Y.imag[..., h - 1 : 0 : -1], -2.0, out=out[..., h + 1 :])
    return out


def _dst2(x: np.ndarray, M: int) -> np.ndarray:
    """Unnormalised type-II DST, ``y_k = 2 sum_j x_j sin(pi (k + 1)(2j + 1) / (2M))`` for
    ``k < M``: the DCT-II of ``(-1)^j x_j`` read backwards (``k -> M - 1 - k``)."""
    y = np.array(x, dtype=float)
    y[..., 1::2] *= -1.0
    return _dct2(y, M)[..., ::-1]


def _fast_length(n: int) -> int:
    """The smallest ``2^a 3^b 5^c >= n``: an FFT length pocketfft handles fast."""
    best, p5 = 1 << max(n - 1, 0).bit_length(), 1
    while p5 < best:
        p35 = p5
        while p35 < best:
            v = p35
            while v < n:
                v *= 2
            best = min(best, v)
            p35 *= 3
        p5 *= 5
    return best


def _correlation(p: np.ndarray, q: np.ndarray, pp: _Poly, qq: _Poly) -> tuple[np.ndarray, np.ndarray]:
    """``r_d = sum_j p_{j+d} q_j`` at index ``n + d`` and a bound on each entry's error.

    Summed directly (few terms, or up to ``_DIRECT_PRODUCTS`` products), an entry of ``k``
    products is off by at most ``k eps`` times the sum of their moduli: the bound is per
    lag, 0 where no product falls (an exact zero), and tiny where the products are (the
    tail of a geometric pmf).  By FFT, one uniform bound for every entry.  (A uniform bound
    everywhere, summed over the ``n`` terms of each cosine coefficient, grew like ``n^2``
    and exceeded ``|f|`` near ``theta = 0`` at ``tau = 1e6``, ``m >= 0.999``, and near
    ``theta = pi`` for geometric pmfs with shifted momentum near 1: no cell there could be
    certified.)
    """
    n = p.size - 1
    products = pp.idx.size * qq.idx.size
    if products <= 64 * (n + 1):
        d = np.subtract.outer(pp.idx, qq.idx).ravel() + n
        prod = np.multiply.outer(pp.val, qq.val).ravel()
        r = np.zeros(2 * n + 1)
        np.add.at(r, d, prod)
        mod = np.zeros(2 * n + 1)
        np.add.at(mod, d, np.abs(prod))
        return r, (2 * _EPS * min(pp.idx.size, qq.idx.size)) * mod
    if products <= _DIRECT_PRODUCTS:
        r = np.correlate(p, q, mode="full")
        mod = np.correlate(np.abs(p), np.abs(q), mode="full")
        return r, (2 * _EPS * (min(pp.idx.size, qq.idx.size) + 2)) * mod
    L = 2 * n + 1
    F = _fast_length(L)
    r = np.fft.irfft(np.fft.rfft(p, F) * np.fft.rfft(q[::-1], F), F)[:L]
    err = 16 * _EPS * math.log2(L + 1) * math.sqrt(L) * float(np.linalg.norm(p) * np.linalg.norm(q))
    return r, np.full(L, err)



class _H:
    """``f = g / sin(theta/2) = sum_{i<n} e_i cos((i + 1/2) theta)``, ``e_i = 2 sum_{d>i} b_d``.

    (``sin(d t) / sin(t/2) = 2 sum_{i<d} cos((i + 1/2) t)``.)  ``f`` has the zeros of ``g`` in
    ``(0, pi]`` and none at 0; as a cosine polynomial in ``theta/2`` of degree ``2n - 1`` it
    obeys Bernstein's inequality in ``theta`` with ``N = n - 1/2``, and it is odd about
    ``theta = pi``, so its maximum over ``[0, pi]`` is its maximum over the whole line.
    """

    def __init__(self, pp: _Poly, qq: _Poly, p: np.ndarray, q: np.ndarray):
        n = p.size - 1
        r, err = _correlation(p, q, pp, qq)
        b = (r[n + 1 :] - r[n - 1 :: -1]).astype(np.longdouble)  # b_d, d = 1..n
        e = 2.0 * np.cumsum(b[::-1])[::-1]
        self.c = e.astype(float)
        self.n = n
        self.N = max(n - 0.5, 0.5)
        self.j = np.arange(n, dtype=float) + 0.5
        self.w = self.j / self.N
        self.abs_sum = float(np.sum(np.abs(self.c)))
        # error of the coefficients: the errors of the terms b_d of each suffix sum (those of
        # r_d and r_-d, per lag: see _correlation), the extended-precision additions of its
        # non-zero terms (adding 0 is exact), the rounding to double; summed over the n
        # coefficients
        ld_eps = float(np.finfo(np.longdouble).eps)
        b_err = np.cumsum((err[n + 1 :] + err[n - 1 :: -1])[::-1])[::-1]  # per coefficient
        add_terms = np.cumsum((b != 0)[::-1])[::-1]  # the additions that round
        per = 2.0 * (b_err + add_terms * (ld_eps * float(np.sum(np.abs(b))))) + _EPS * np.abs(self.c)
        self.coef_err = float(np.sum(per))
        self.grid_cache: dict = {}

    def fp(self, L: int) -> float:
        return self.coef_err + 16 * _EPS * math.log2(max(L, 2)) * self.abs_sum

    def grid(self, M: int, K: int) -> np.ndarray:
        """``f^(a) / N**a`` at ``theta_l = pi l / M``, ``a < K``, shape ``(K, M + 1)``.

        ``cos((i + 1/2) pi l / M)`` and ``sin(...)`` are the kernels of the type-II DCT and
        DST of length ``M`` (:func:`_dct2`, :func:`_dst2`: a real FFT of length ``M``): one
        real transform per derivative, a quarter of a complex FFT of length ``2 M``.
        """
        have = self.grid_cache.get(M, np.empty((0, M + 1)))
        out = np.empty((K, M + 1))
        out[: have.shape[0]] = have
        for a in range(have.shape[0], K):
            x = self.c * self.w**a if a > 1 else (self.c * self.w if a else self.c)
            # d^a/dt^a cos(j t) = j^a (cos, -sin, -cos, sin)[a % 4] (j t); the DCT-II and
            # DST-II carry a factor 2; DST-II index k is l = k + 1
            sign = 0.5 if a % 4 in (0, 3) else -0.5
            if a % 2 == 0:
                out[a, :M] = _dct2(x, M)
                out[a, M] = 0.0  # cos((i + 1/2) pi) = 0
                out[a, :M] *= sign
            else:
                out[a, 1:] = _dst2(x, M)
                out[a, 0] = 0.0  # sin(0) = 0
                out[a, 1:] *= sign
        out[0, M] = 0.0  # f(pi) = 0 exactly
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
                v = C @ cw if a % 2 == 0 else Sn @ cw
                out[a, s0 : s0 + step] = v if a % 4 in (0, 3) else -v
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


def _classify(iv: _Intervals, N: int, H: float, fp: float, pre=None):
    """Certify each interval; returns (certified, zeros inside, bracket lo, bracket hi, slack).

    ``pre``: the bounds ``(z, d)`` at consecutive grid points (uniform radius), if known,
    or ``(z_a, d_a, z_b, d_b)`` at the two ends of each interval (``H``, ``fp``: arrays).
    """
    if pre is None:
        rho = 0.5 * (iv.tb - iv.ta) * N
        za, da = _h_bounds(iv.ha, rho, H, fp)
        zb, db = _h_bounds(iv.hb, rho, H, fp)
    elif len(pre) == 4:  # the bounds at both ends of each interval, given apart
        za, da, zb, db = pre
    else:
        za, da, zb, db = pre[0][:-1], pre[1][:-1], pre[0][1:], pre[1][1:]
    ok_a, ok_b = (za > 0) | (da > 0), (zb > 0) | (db > 0)
    cert = ok_a & ok_b
    slack = np.minimum(np.maximum(za, da), np.maximum(zb, db))
    np.maximum(slack, 0, out=slack)
    slack /= H
    # both halves zero-free: no zero, nothing else to decide; the rest (a subset) below
    sub = np.flatnonzero(~((za > 0) & (zb > 0)))
    if sub.size == za.size:  # every cell undecided (coarse grids): no gathering
        sub = slice(None)
    za, zb = za[sub], zb[sub]
    ha0, hb0 = iv.ha[0, sub], iv.hb[0, sub]
    sa, sb = np.sign(ha0), np.sign(hb0)
    # sign of h at the midpoint, when a half determines it
    mid_a = np.where(za > 0, sa, np.where(ha0 == 0, np.sign(iv.ha[1, sub]), 0.0))
    mid_b = np.where(zb > 0, sb, np.where(hb0 == 0, -np.sign(iv.hb[1, sub]), 0.0))
    smid = np.where(mid_a != 0, mid_a, mid_b)
    known = smid != 0
    zl_s = known & (za <= 0) & (ha0 != 0) & (sa != smid)  # one zero in the left half
    zr_s = known & (zb <= 0) & (hb0 != 0) & (sb != smid)
    zw = ~known & (sa * sb < 0)  # monotone throughout: one zero iff a sign change
    ta, tb = iv.ta[sub], iv.tb[sub]
    tm = 0.5 * (ta + tb)
    size = iv.ta.size
    count = np.zeros(size, dtype=np.int8)
    count[sub] = np.add(zl_s, zr_s, dtype=np.int8) + zw
    if isinstance(sub, slice):
        zl, zr = zl_s, zr_s
        lo = np.where(zr_s & ~zl_s, tm, ta)
        hi = np.where(zl_s & ~zr_s, tm, tb)
        return cert, count, zl, zr, lo, hi, slack
    zl = np.zeros(size, dtype=bool)
    zr = np.zeros(size, dtype=bool)
    zl[sub], zr[sub] = zl_s, zr_s
    lo, hi = iv.ta.copy(), iv.tb.copy()
    lo[sub] = np.where(zr_s & ~zl_s, tm, ta)
    hi[sub] = np.where(zl_s & ~zr_s, tm, tb)
    return cert, count, zl, zr, lo, hi, slack


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
    key = _fast_key(p, pp, qq)
    if key is not None:  # sparse and short: the vectorised first stage, unless it declines
        e = _fast_edges(_Prepared([p], [q], (pp, qq)), *key)[0]
        if e is not None:
            return e
    shift = qq.s  # common centre for g = Im(P conj Q): phases cancel
    noise = 2 * _EPS * pp.norm * qq.norm  # rounding level of g evaluated directly
    batch = max(_BATCH, 200_000 // (pp.idx.size + qq.idx.size))  # brackets refined together
    refined = 0
    bisected = 0
    best, best_theta, best_res = math.inf, math.nan, math.nan
    candidates = 0

    quo = _Quotient(p)

    def direct(t):
        vp, dp = quo.values_at(t, shift) if quo.exact else pp.values_at(t, shift)
        vq, dq = qq.values_at(t, shift)
        return vp, dp, vq, dq

    def accept(t):
        nonlocal best, best_theta, best_res
        vp, _, vq, _ = direct(np.asarray(t, dtype=float))
        absq2 = vq.real**2 + vq.imag**2
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = -(vp * np.conj(vq)).real / absq2
            res = np.abs(vp + alpha * vq) / (np.abs(vp) + np.abs(alpha * vq))
        ok = np.isfinite(alpha) & (alpha > 0) & (res <= RESIDUAL_TOL)
        if np.any(ok):
            i = int(np.flatnonzero(ok)[np.argmin(alpha[ok])])
            if alpha[i] < best:
                best, best_theta, best_res = float(alpha[i]), float(t[i]), float(res[i])

    # theta = pi (z = -1) is always on the real axis
    candidates += 1
    accept(np.array([math.pi]))

    hh = _H(pp, qq, p, q)
    per = _PER_PI_N_SPARSE if pp.sparse and qq.sparse and n >= _SPARSE_COARSE_N else _PER_PI_N
    M = 1 << max(int(math.log2(_MIN_M)), math.ceil(math.log2(per * (n + 1))))
    M_cap = max(M, min(_MAX_M, 1 << math.ceil(math.log2(_MAX_M_OVER_N * (n + 1)))))
    K = _K_START
    margin = math.inf
    while True:
        g = _grid_stage(hh, pp, qq, M, K, quo)
        margin = g["margin"]
        # exact zeros of h at grid points: |alpha| there is |P|/|Q| (up to rounding)
        candidates_stage = g["exact_t"].size + g["br_lo"].size + 1
        br_lo, br_hi, br_low, br_est = g["br_lo"], g["br_hi"], g["br_low"], g["br_est"]
        unc = g["unc"]
        low = _unc_alpha_lower(unc, pp, qq, quo)
        # An uncertified cell whose ends differ in sign holds a zero (perhaps three).  Its
        # bracket joins the refinement: a crossing found there is a crossing, so the edge
        # so far can only drop to a true value and the |alpha| bound prunes with it; the
        # cell itself stays uncertified for the bisection below.  (Shifted momentum near 1
        # at large tau: every zero sits in a near-tangential pair, the first grids certify
        # none near theta = 0, and without this the grid was refined to its cap and the
        # bisection ran out of budget at tau = 1e6.)
        sc = np.flatnonzero(np.sign(unc["ha"][0]) * np.sign(unc["hb"][0]) < 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            est_u = (unc["pa"][0, sc] + unc["pb"][0, sc]) / (unc["qa"][0, sc] + unc["qb"][0, sc])
        done_all = np.zeros(br_lo.size + sc.size, dtype=bool)
        refined += _refine(np.concatenate([br_lo, unc["ta"][sc]]), np.concatenate([br_hi, unc["tb"][sc]]),
                           np.concatenate([br_low, low[sc]]), np.concatenate([br_est, est_u]), done_all,
                           lambda: best, direct, accept, noise, batch)
        done = done_all[: br_lo.size]
        ex = g["exact_t"][g["exact_low"] <= best]
        if ex.size:
            refined += ex.size
            accept(ex)
        n_bad = int(np.count_nonzero(low <= best))
        if n_bad <= max(_MAX_UNCERTIFIED, 4_000_000 // (n + 1)) or (K >= _K_MAX and M >= M_cap):
            break
        if K < _K_MAX:
            K = _K_MAX
        else:
            M *= 2
    candidates = candidates_stage
    H, fp = g["H"], g["fp"]
    alpha_margin_low = [br_low[~done]]  # lower bounds of |alpha| where zeros were discarded

    more = _bisect_rounds(unc, hh, pp, qq, K, H, fp, lambda: best, direct, accept, noise, batch, quo)
    candidates += more["candidates"]
    refined += more["refined"]
    bisected += more["bisected"]
    margin = min(margin, more["margin"])
    alpha_margin_low += more["lows"]

    if not math.isfinite(best):
        raise ArithmeticError("the boundary locus never crosses the positive real axis")
    best, best_theta = _polish(best, best_theta, pp, qq, quo)
    lows = np.concatenate(alpha_margin_low)
    alpha_margin = float(np.min(lows) / best - 1.0) if lows.size else math.inf
    return LocusEdge(best, best_theta, best_res, int(candidates), int(refined), int(bisected), float(margin),
                     alpha_margin, int(M))


def _bisect_rounds(unc: dict, hh: _H, pp: _Poly, qq: _Poly, K: int, H: float, fp: float, best, direct, accept,
                   noise: float, batch: int, quo: _Quotient) -> dict:
    """Bisect the uncertified intervals ``unc`` until each is certified or discarded by the
    ``|alpha|`` bound (``best()``: the edge so far); zeros found are refined and accepted.

    Returns the counts added (``candidates``, ``refined``, ``bisected``), the smallest
    certified slack (``margin``) and the ``|alpha|`` lower bounds of what was discarded
    (``lows``).  Raises ArithmeticError when an interval cannot be certified.
    """
    out = dict(candidates=0, refined=0, bisected=0, margin=math.inf, lows=[])
    for _ in range(_MAX_ROUNDS):
        if unc["ta"].size == 0:
            break
        low = _unc_alpha_lower(unc, pp, qq, quo)
        keep = low <= best()
        out["lows"].append(low[~keep])
        if not np.any(keep):
            break
        unc = {key: (v[..., keep] if v.ndim > 1 else v[keep]) for key, v in unc.items()}
        tiny = (unc["tb"] - unc["ta"]) <= 1e-13 * (1.0 + unc["ta"])
        if unc["ta"].size > _MAX_PENDING:
            raise ArithmeticError(
                f"the boundary locus cannot be certified: {unc['ta'].size} intervals near theta = "
                f"{unc['ta'][0]:.6g} still uncertified after bisection (budget {_MAX_PENDING})"
            )
        if np.any(tiny):
            i = int(np.flatnonzero(tiny)[0])
            raise ArithmeticError(
                f"the boundary locus cannot be certified near theta = {unc['ta'][i]:.17g}: a possible "
                f"tangential double zero of Im(P conj Q) where |alpha| could be below {best():.17g}"
            )
        # bisect: h, |P|, |Q| and their derivatives at the midpoints, directly (O(n) each)
        m_t = 0.5 * (unc["ta"] + unc["tb"])
        hm = hh.at(m_t, K)
        pm, qm = pp.moduli_at(m_t, unc["pa"].shape[0]), qq.moduli_at(m_t, unc["qa"].shape[0])
        out["bisected"] += m_t.size
        out["refined"] += m_t.size
        child = dict(ta=np.concatenate([unc["ta"], m_t]), tb=np.concatenate([m_t, unc["tb"]]),
                     ha=np.concatenate([unc["ha"], hm], axis=1), hb=np.concatenate([hm, unc["hb"]], axis=1),
                     pa=np.concatenate([unc["pa"], pm], axis=1), pb=np.concatenate([pm, unc["pb"]], axis=1),
                     qa=np.concatenate([unc["qa"], qm], axis=1), qb=np.concatenate([qm, unc["qb"]], axis=1))
        exact_mid = m_t[hm[0] == 0]
        if exact_mid.size:
            out["candidates"] += exact_mid.size
            accept(exact_mid)
        civ = _Intervals(child["ta"], child["tb"], child["ha"], child["hb"], None)
        c_cert, c_count, c_zl, c_zr, c_lo, c_hi, c_slack = _classify(civ, hh.N, H, fp)
        if np.any(c_cert):
            out["margin"] = min(out["margin"], float(np.min(c_slack[c_cert])))
        low_c = _unc_alpha_lower(child, pp, qq, quo)
        with np.errstate(divide="ignore", invalid="ignore"):
            est_c = (child["pa"][0] + child["pb"][0]) / (child["qa"][0] + child["qb"][0])
        a_lo, a_hi, a_low, a_est = _brackets(np.flatnonzero(c_cert & (c_count > 0)), child["ta"], child["tb"],
                                             c_zl, c_zr, c_lo, c_hi, low_c, est_c)
        out["candidates"] += a_lo.size
        a_done = np.zeros(a_lo.size, dtype=bool)
        out["refined"] += _refine(a_lo, a_hi, a_low, a_est, a_done, best, direct, accept, noise, batch)
        out["lows"].append(a_low[~a_done])
        unc = {key: (v[..., ~c_cert] if v.ndim > 1 else v[~c_cert]) for key, v in child.items()}
    else:
        raise ArithmeticError("the boundary locus cannot be certified within the refinement budget")
    return out


def _brackets(sel, ta, tb, zl, zr, lo, hi, low, est):
    """One bracket per certified zero in the intervals ``sel`` (two if one per half)."""
    two = zl[sel] & zr[sel]
    tm = 0.5 * (ta[sel] + tb[sel])
    b_lo = np.concatenate([lo[sel], tm[two]])
    b_hi = np.concatenate([np.where(two, tm, hi[sel]), tb[sel][two]])
    return b_lo, b_hi, np.concatenate([low[sel], low[sel][two]]), np.concatenate([est[sel], est[sel][two]])


def _refine(lo, hi, low, est, done, best, direct, accept, noise, batch=_BATCH) -> int:
    """Refine the brackets whose ``|alpha|`` bound does not exceed the best edge, cheapest first
    (``batch`` at a time: a few for dense polynomials, all at once when evaluation is cheap)."""
    count = 0
    while True:
        open_ = np.flatnonzero(~done & (low <= best()))
        if open_.size == 0:
            return count
        # the first few cheapest estimates alone: their edge usually prunes the rest (the
        # edge at theta = pi, known before, is usually far above and prunes nothing)
        size = _BATCH if count == 0 else batch
        pick = open_[np.argsort(est[open_], kind="stable")[:size]]
        accept(_newton(lo[pick], hi[pick], direct, noise))
        done[pick] = True
        count += pick.size


def _grid_stage(hh: _H, pp: _Poly, qq: _Poly, M: int, K: int, quo: _Quotient) -> dict:
    """Certify the uniform grid of ``M`` intervals on ``[0, pi]``; brackets and leftovers."""
    N = hh.N
    hd = hh.grid(M, K)
    r = math.pi / (2 * M)
    fp = hh.fp(2 * M)
    # ||h|| <= S / (1 - r N): every t is within r of a grid point (r N < pi / 4 here)
    H = min(hh.abs_sum, (float(np.max(np.abs(hd[0]))) + fp) / (1.0 - r * N))
    H = max(H, np.finfo(float).tiny)
    theta = np.pi * np.arange(M + 1) / M
    iv = _Intervals(theta[:-1], theta[1:], hd[:, :-1], hd[:, 1:], None)
    cert, count, zl, zr, lo, hi, slack = _classify(iv, N, H, fp, pre=_h_bounds(hd, r * N, H, fp))
    margin = float(np.min(slack[cert])) if np.any(cert) else math.inf
    exact = np.flatnonzero(hd[0, 1:-1] == 0) + 1
    zero_iv = np.flatnonzero(cert & (count > 0))
    bad_iv = np.flatnonzero(~cert)
    mask = np.zeros(M + 1, dtype=bool)
    for i in (zero_iv, zero_iv + 1, bad_iv, bad_iv + 1, exact):
        mask[i] = True
    need = np.flatnonzero(mask)
    # Taylor order 2 when the radius is tiny (a small Bernstein degree): the order-4 bound
    # is then better by at most norm * rho**2 / 2 <= 5e-9 norm, for half the work
    pmod = pp.moduli_grid(M, 2 if r * pp.N <= 1e-4 else _KPQ, need)
    qmod = qq.moduli_grid(M, 2 if r * qq.N <= 1e-4 else _KPQ, need)

    def at(i):
        return np.searchsorted(need, i)

    rp, rq = np.full(need.size, r * pp.N), np.full(need.size, r * qq.N)
    plo = _pq_bound(pmod, rp, pp.norm, False)
    qhi = _pq_bound(qmod, rq, qq.norm, True)
    ia, ib = at(zero_iv), at(zero_iv + 1)
    pl, qh = np.minimum(plo[ia], plo[ib]), np.maximum(qhi[ia], qhi[ib])
    pl = np.maximum(pl, quo.lower(iv.ta[zero_iv]))
    with np.errstate(divide="ignore", invalid="ignore"):
        low = np.where(pl > 0, pl / qh, 0.0)
        est = (pmod[0, ia] + pmod[0, ib]) / (qmod[0, ia] + qmod[0, ib])
    low_full = np.zeros(M)
    est_full = np.zeros(M)
    low_full[zero_iv], est_full[zero_iv] = low, est
    br = _brackets(zero_iv, iv.ta, iv.tb, zl, zr, lo, hi, low_full, est_full)
    ie = at(exact)
    fpp, fpq = 16 * _EPS * pp.norm, 16 * _EPS * qq.norm
    with np.errstate(divide="ignore", invalid="ignore"):
        ex_low = np.where(pmod[0, ie] > fpp, (pmod[0, ie] - fpp) / (qmod[0, ie] + fpq), 0.0)
    ua, ub = at(bad_iv), at(bad_iv + 1)
    unc = dict(ta=iv.ta[bad_iv], tb=iv.tb[bad_iv], ha=hd[:, bad_iv], hb=hd[:, bad_iv + 1],
               pa=pmod[:, ua], pb=pmod[:, ub], qa=qmod[:, ua], qb=qmod[:, ub])
    return dict(br_lo=br[0], br_hi=br[1], br_low=br[2], br_est=br[3], exact_t=theta[exact], exact_low=ex_low,
                unc=unc, H=H, fp=fp, margin=margin)


def _polish(alpha: float, theta: float, pp: _Poly, qq: _Poly, quo: _Quotient | None = None) -> tuple[float, float]:
    """Newton on ``|z(alpha)| = 1`` for the root ``z(alpha)`` of ``P + alpha Q`` near ``e^{i theta}``.

    Where ``g`` has a double zero (the locus touches the real axis, e.g. three roots reach
    the circle at once) the zero is located only to ``sqrt(eps)`` in ``theta`` and
    ``alpha(theta)`` inherits that error.  The root's modulus is smooth in ``alpha`` there,
    so two Newton steps on it restore full accuracy.  Kept only if the correction is below
    ``1e-6`` relative and reduces ``| |z| - 1 |``; otherwise the locus value stands.
    """

    def evaluate(z):
        lz = np.log(z)
        out = []
        for poly in (quo.rr if quo is not None and quo.exact else pp, qq):
            e = np.exp(poly.idx * lz)
            out.append((np.dot(poly.val, e), np.dot(poly.val * poly.idx, e) / z))
        if quo is not None and quo.exact:  # P = (z - 1) R + P(1) z^n, as on the circle
            (r0, r1), zn = out[0], np.exp(quo.n * lz)
            out[0] = ((z - 1) * r0 + quo.p1 * zn, r0 + (z - 1) * r1 + quo.n * quo.p1 * zn / z)
        return out

    def root(a, z):
        for _ in range(6):
            (p0, p1), (q0, q1) = evaluate(z)
            d = p1 + a * q1
            if d == 0:
                break
            step = (p0 + a * q0) / d
            z = z - step
            if abs(step) <= 2 * _EPS * abs(z):  # converged: a further step is rounding
                break
        return z

    with np.errstate(all="ignore"):
        try:
            a = alpha
            z = root(a, complex(math.cos(theta), math.sin(theta)))
            err0 = abs(abs(z) - 1.0)
            for _ in range(2):
                (p0, p1), (q0, q1) = evaluate(z)
                dz = -q0 / (p1 + a * q1)
                slope = (z.conjugate() * dz).real / abs(z)
                a = a - (abs(z) - 1.0) / slope
                z = root(a, z)
            ok = (math.isfinite(a) and abs(a - alpha) <= 1e-6 * alpha and abs(abs(z) - 1.0) < err0
                  and abs(abs(np.angle(z)) - theta) <= 1e-6)
        except (ZeroDivisionError, OverflowError, ValueError):
            ok = False
    return (float(a), float(abs(np.angle(z)))) if ok else (alpha, theta)


class _Quotient:
    """A lower bound of ``|P|`` through ``R = P / (z - 1)``, sharp where ``|z - 1|`` is small.

    With ``r_j = -sum_{i<=j} p_i`` (``j < n``, lowest power first), ``(z - 1) R(z) = P(z) -
    P(1) z^n`` exactly, so on the circle ``|P(e^{it})| >= 2 sin(t/2) |R| - |P(1)|``, where
    ``P(1)`` is 0 up to the rounding of the coefficients (``math.fsum``: correctly rounded).
    ``|R|`` is bounded below everywhere by its largest term minus all the others (for the
    three schemes ``R = z^K (z - m)``, ``z^(K+1) - m sum p_k z^(K-k)`` or ``z^K``: the
    bound is ``1 - m``), less the error of the computed ``R`` (:func:`_quotient_coefficients`).

    The Taylor bound of ``|P|`` on a cell cannot see this: with ``P = (z - 1)(z^(tau+1) - m)``
    (shifted momentum, constant delay) ``|P|`` is about ``(1 - m) t`` near ``t = 0`` and its
    Taylor remainder is of order ``||P|| (r N)^k``; for ``m`` near 1 no cell of the first
    grid could be discarded and the grid was refined 6 times at ``tau = 1e5``.  Here
    ``|alpha| >= 2 sin(t/2) (1 - m) / |Q|`` discards every cell beyond the edge's angle.
    """

    def __init__(self, p: np.ndarray):
        r, self.err = _quotient_coefficients(p)
        self.rr = _Poly(r)
        a = np.abs(r)
        total = float(np.sum(a))
        floor = 2.0 * float(np.max(a, initial=0.0)) - total - 2 * _EPS * r.size * total - self.err
        self.floor = max(floor, 0.0)
        # P(1) is 0 for every polynomial here; the coefficients' own rounding (of 1 + m in
        # P = z^(tau-1) (z^2 - (1 + m) z + m): P(1) = 1.1e-16 at m = 0.9) is not part of the
        # problem, and kept it moved the edge at tau = 1e5 by 4.5e-11: taken as 0 at that level
        p1 = math.fsum(p)
        self.p1 = 0.0 if abs(p1) <= 4 * _EPS * float(np.sum(np.abs(p))) else p1
        self.p1_bound = abs(p1) * (1.0 + _EPS)  # the bound below holds for P as given too
        self.n = p.size - 1
        #: evaluate P as (z - 1) R: when R has no more terms than P (the three schemes)
        self.exact = self.rr.idx.size <= max(np.count_nonzero(p), 1)

    def lower(self, ta: np.ndarray) -> np.ndarray:
        """Lower bound of ``|P|`` on intervals ``[ta, tb]`` inside ``[0, pi]``."""
        return 2.0 * np.sin(0.5 * ta) * (1.0 - 4 * _EPS) * self.floor - self.p1_bound

    def values_at(self, t: np.ndarray, shift: int) -> tuple[np.ndarray, np.ndarray]:
        """``P e^{-i shift t}`` and its t-derivative, as ``(e^{it} - 1) R + P(1) e^{int}``."""
        vr, dvr = self.rr.values_at(t, shift)
        return _times_z_minus_1(t, vr, dvr, self.p1, float(self.n - shift))


def _quotient_coefficients(p: np.ndarray) -> tuple[np.ndarray, float]:
    """``r = -cumsum(p[:-1])``, the coefficients of ``R = P / (z - 1)``, and a bound on
    ``||R - r||_1`` for ``P`` as given.

    The running sum is taken in extended precision (where the platform has it) and rounded.
    A partial sum within ``4 eps`` of the absolute sum so far is set to 0: it is 0 for the
    polynomial meant, and only the rounding of ``P``'s coefficients keeps it from 0 (the
    ``m p_k`` products of a shifted-momentum pmf with neighbouring delays left residues of
    1e-17 across every gap, which made ``R`` dense: ``P`` was summed directly again, with
    its old error ``eps K / (1 - m)``, or a dense ``R`` evaluated 20-30x slower).  The bound
    adds the final rounding of each ``r_j``, the running sum's additions of non-zero
    ``p_i`` (adding 0 is exact; a factor 2 covers the bound's own sums) and what was set to 0.
    """
    if p.size < 2:
        return np.zeros(1), 0.0
    r = -np.cumsum(p[:-1].astype(np.longdouble)).astype(float)
    a = np.abs(r)
    ld_eps = float(np.finfo(np.longdouble).eps)
    err = _EPS * float(np.sum(a)) + 2 * ld_eps * float(np.sum(np.cumsum(np.where(p[:-1] != 0, a, 0.0))))
    small = a <= 4 * _EPS * np.cumsum(np.abs(p[:-1]))
    err += float(np.sum(a[small]))
    r[small] = 0.0
    return r, err


def _times_z_minus_1(t, vr, dvr, p1, nrel):
    """``(e^{it} - 1) R + p1 e^{i nrel t}`` and its t-derivative, from ``R`` and ``R'`` at ``t``.

    ``e^{it} - 1 = 2i sin(t/2) e^{it/2}`` keeps its relative accuracy as ``t -> 0`` (the
    difference rounds its real part ``-2 sin(t/2)^2`` to an absolute ``eps``), which is
    what evaluating ``P`` through ``R`` is for: summed directly, ``P``'s terms of size
    ``||P||`` cancel to ``|P| ~ (1 - m) t`` near the edge's angle ``t ~ 1/K`` and the edge
    lost ``eps K / (1 - m)`` relative (1e-9 at ``tau = 1e5`` and 1e-6 at ``tau = 1e6`` with
    shifted momentum 0.9999); through ``R`` about ``eps / (1 - m)``.
    """
    e_half = np.exp(0.5j * t)
    z1 = 2j * np.sin(0.5 * t) * e_half
    vp = z1 * vr
    dp = 1j * (e_half * e_half) * vr + z1 * dvr
    nz = p1 != 0
    if nz.any() if isinstance(nz, np.ndarray) else nz:
        en = np.exp(1j * (nrel * t))
        vp = vp + p1 * en
        dp = dp + (1j * nrel * p1) * en
    return vp, dp


def _unc_alpha_lower(unc, pp: _Poly, qq: _Poly, quo: _Quotient | None = None) -> np.ndarray:
    r = 0.5 * (unc["tb"] - unc["ta"])
    pl = np.minimum(_pq_bound(unc["pa"], r * pp.N, pp.norm, False), _pq_bound(unc["pb"], r * pp.N, pp.norm, False))
    if quo is not None:
        pl = np.maximum(pl, quo.lower(unc["ta"]))
    qh = np.maximum(_pq_bound(unc["qa"], r * qq.N, qq.norm, True), _pq_bound(unc["qb"], r * qq.N, qq.norm, True))
    with np.errstate(divide="ignore"):
        return np.where(pl > 0, pl / qh, 0.0)


def _newton(lo: np.ndarray, hi: np.ndarray, direct, noise: float = 0.0, ids=None) -> np.ndarray:
    """Zeros of ``g = Im(P conj Q)`` in the brackets ``(lo, hi)`` (a sign change each).

    Bracketed Newton: a Newton step is taken when it stays inside the current bracket
    and at least halves it, a bisection otherwise; stops at ``4 eps`` relative, or when a
    Newton step below ``1e-9`` relative no longer halves the previous one (``g`` is then
    at its rounding level and no step can improve it).
    """
    lo, hi = lo.astype(float).copy(), hi.astype(float).copy()

    def call(t, sel):
        # ``ids``: which polynomial pair each bracket belongs to (several pairs at once)
        return direct(t) if ids is None else direct(t, ids[sel])

    def g_and_d(t, sel):
        vp, dp, vq, dq = call(t, sel)
        return (vp * np.conj(vq)).imag, (dp * np.conj(vq) + vp * np.conj(dq)).imag

    def g_rel(t):
        vp, dp, vq, dq = call(t, slice(None))
        return (vp * np.conj(vq)).imag, np.abs(vp) * np.abs(vq)

    glo, slo = g_rel(lo)
    ghi, shi = g_rel(hi)
    # g vanishes at theta = 0 and pi whatever the zero inside: the sign there is the
    # opposite of the other end's (the bracket holds one zero)
    glo = np.where(lo <= 0, -ghi, glo)
    ghi = np.where(hi >= np.pi, -glo, ghi)
    # start at the secant point of the bracket (inside it: the end values differ in sign)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = lo + (hi - lo) * (glo / (glo - ghi))
    x = np.where(np.isfinite(x) & (x > lo) & (x < hi), x, 0.5 * (lo + hi))
    active = np.ones(lo.size, dtype=bool)
    # the certified count says one zero in [lo, hi]; if g evaluated directly shows no sign
    # change, the zero is at an end within rounding (a zero on a grid point, as for
    # Uniform(1, 6) at theta = pi/8): take the end where |g| / (|P||Q|) is smaller
    at_end = (np.sign(glo) == np.sign(ghi)) | (glo == 0) | (ghi == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        lo_wins = np.abs(glo) * shi <= np.abs(ghi) * slo
    x = np.where(at_end, np.where(lo_wins, lo, hi), x)
    active &= ~at_end
    prev = np.full(lo.size, np.inf)
    for _ in range(200):
        if not active.any():
            break
        # every bracket still active (the usual case): views instead of gathered copies
        ia = slice(None) if active.all() else np.flatnonzero(active)
        gx, dx = g_and_d(x[ia], ia)
        same = np.sign(gx) == np.sign(glo[ia])
        lo[ia] = np.where(same, x[ia], lo[ia])
        glo[ia] = np.where(same, gx, glo[ia])
        hi[ia] = np.where(same, hi[ia], x[ia])
        with np.errstate(divide="ignore", invalid="ignore"):
            xn = x[ia] - gx / dx
        width = hi[ia] - lo[ia]
        good = np.isfinite(xn) & (xn >= lo[ia]) & (xn <= hi[ia])
        xn = np.where(good, xn, 0.5 * (lo[ia] + hi[ia]))
        step = np.abs(xn - x[ia])
        # converged: a step at the rounding level of theta, or (once below 1e-9 relative)
        # a Newton step that no longer halves: g is then at its own rounding level
        stall = good & (step <= 1e-9 * np.abs(xn)) & (step >= 0.5 * prev[ia])
        conv = (gx == 0) | (step <= 4 * _EPS * np.abs(xn)) | (width <= 4 * _EPS * np.abs(hi[ia])) | stall
        prev[ia] = step
        x[ia] = np.where(gx == 0, x[ia], xn)
        active[conv if isinstance(ia, slice) else ia[conv]] = False
    return x


# ---------------------------------------------------------------------------------------
# Many sparse pairs at once (threshold_array): the same certificate, vectorised over pairs
# ---------------------------------------------------------------------------------------

_FAST_ELEMENTS = 150_000  # grid entries (pairs x (M + 1)) per vectorised batch, at most
_POLISH_FLOOR = 4 * _EPS  # |z| - 1 at which the polish of a fast-path edge is skipped
_SPARSE_SUMS_MIN = 8192  # pairs x degree from which _Prepared.h_rows sums over the non-zero b_d only


def _fast_key(p: np.ndarray, pp: _Poly, qq: _Poly):
    """The batch a pair joins (grid size and Taylor orders of ``|P|``, ``|Q|``), or None
    if the pair goes the general way (dense, or long enough for the coarse grid; a pair
    whose ``R = P / (z - 1)`` is denser than ``P`` is handed back by :func:`_fast_edges`)."""
    n = p.size - 1
    if not (pp.sparse and qq.sparse) or n >= _SPARSE_COARSE_N or n < 1:
        return None
    M = _fast_grid(n)
    r = math.pi / (2 * M)
    return M, 2 if r * pp.N <= 1e-4 else _KPQ, 2 if r * qq.N <= 1e-4 else _KPQ


def _fast_grid(n: int) -> int:
    return 1 << max(int(math.log2(_MIN_M)), math.ceil(math.log2(_PER_PI_N * (n + 1))))


class _Terms:
    """The terms of one polynomial of each pair, padded with zero terms to a common count.

    Sums over terms run in a fixed order with exact zeros for the padding, so every
    pair's numbers are the same whether it is evaluated alone or with others.
    """

    def __init__(self, polys: list):
        T = max(pl.idx.size for pl in polys)
        B = len(polys)
        self.idx = np.zeros((B, T), dtype=np.int64)
        self.val = np.zeros((B, T))
        self.w = np.zeros((B, T))
        self.count = np.array([pl.idx.size for pl in polys])
        for b, pl in enumerate(polys):
            k = pl.idx.size
            self.idx[b, :k], self.val[b, :k], self.w[b, :k] = pl.idx, pl.val, pl.w
            self.idx[b, k:] = pl.idx[0]  # padding: phase 1, value 0
        self.T = T

    def centre(self, shift: np.ndarray) -> None:
        """Exponents relative to ``shift`` (one per pair) and the derivative's coefficients."""
        self.rel = (self.idx - shift[:, None]).astype(float)
        self.dval = (1j * self.rel) * self.val
        self.fidx = self.idx.astype(float)
        self.jval = self.val * self.fidx

    def _col(self, a: np.ndarray, k: int, ids: np.ndarray):
        # one pair: its number itself (the same arithmetic as a gathered array of it)
        return a[0, k] if a.shape[0] == 1 else a[ids, k]

    def values_at(self, t: np.ndarray, ids: np.ndarray):
        """``sum_j c_j e^{i (j - shift) t}`` and its t-derivative, pair ``ids[i]`` at ``t[i]``."""
        v = np.zeros(t.size, dtype=complex)
        d = np.zeros(t.size, dtype=complex)
        if self.rel.shape[0] == 1:  # one pair: its numbers themselves (as _col gives them)
            for r, c, dc in zip(self.rel[0], self.val[0], self.dval[0]):
                e = np.exp(1j * (t * r))
                v += e * c
                d += e * dc
            return v, d
        for k in range(self.T):
            e = np.exp(1j * (t * self._col(self.rel, k, ids)))
            v += e * self._col(self.val, k, ids)
            d += e * self._col(self.dval, k, ids)
        return v, d

    def moduli_grid(self, M: int, k: int, rows: np.ndarray, points: np.ndarray, B: int) -> np.ndarray:
        """``|T^(a)| / N**a`` at ``theta = pi points / M`` of pair ``rows``, ``a < k`` (exact
        phases: ``j l`` reduced modulo ``2 M`` in integers, relative to the first term;
        a single term: ``|c| |w|**a`` exactly)."""
        coef = np.stack([self.val * self.w**a for a in range(k)])
        if self.T == 1:
            return np.abs(np.take(coef[:, :, 0], rows, axis=1))
        # rows are sorted: each pair's points are one block (np.repeat instead of gathers)
        counts = np.bincount(rows, minlength=B)
        # e^{i pi red / M} from a table of all 2 M phases when that is fewer exponentials
        table = points.size * (self.T - 1) > 2 * M
        if table:
            cos_t, sin_t = _phase_table(M)
        re = np.repeat(coef[:, :, 0], counts, axis=1)
        im = np.zeros_like(re)
        tmp = np.empty(re.shape)
        for j in range(1, self.T):
            red = points * np.repeat(self.idx[:, j] - self.idx[:, 0], counts)
            red &= 2 * M - 1
            if table:
                er, ei = cos_t[red], sin_t[red]
            else:
                e = np.exp((1j * np.pi / M) * red)
                er, ei = e.real, e.imag
            cj = np.repeat(coef[:, :, j], counts, axis=1)  # every order at once: the same products and sums
            np.multiply(er, cj, out=tmp)
            re += tmp
            np.multiply(ei, cj, out=tmp)
            im += tmp
        return np.hypot(re, im, out=re)


_PHASES: dict = {}


def _phase_table(M: int) -> tuple[np.ndarray, np.ndarray]:
    """Real and imaginary parts of ``exp(i pi k / M)``, ``k < 2 M`` (kept for the last few ``M``)."""
    t = _PHASES.get(M)
    if t is None:
        if len(_PHASES) >= 8:
            _PHASES.clear()
        phase = np.exp((1j * np.pi / M) * np.arange(2 * M))
        t = _PHASES[M] = (phase.real.copy(), phase.imag.copy())
    return t


def _pq_bound_pairs(mod: np.ndarray, rho: np.ndarray, norm: np.ndarray, rows: np.ndarray, upper: bool) -> np.ndarray:
    """``_pq_bound(mod, rho[rows], norm[rows], upper)``, the same numbers: the factors that
    depend only on the pair (``rho**a``, the remainder) are computed once per pair."""
    k = mod.shape[0]
    fp = 16 * _EPS * norm
    rest = (norm * rho**k / _FACT[k] + fp)[rows]
    for a in range(1, k):
        rest = rest + mod[a] * (rho**a)[rows] / _FACT[a]
    return mod[0] + rest if upper else mod[0] - rest


def _pq_bound_rows(mod: np.ndarray, rho: np.ndarray, norm: np.ndarray, upper: bool) -> np.ndarray:
    """:func:`_pq_bound` with a norm per point (the same operations, broadcast)."""
    return _pq_bound(mod, rho, norm, upper)


def _first_per_row(rows: np.ndarray, key: np.ndarray, count: int) -> np.ndarray:
    """Positions of the ``count`` smallest ``key`` of each row (ties: earlier first), in the
    order row, then key."""
    if rows.size == 0 or rows[0] == rows[-1] == rows.min() == rows.max():  # one row
        return np.argsort(key, kind="stable")[:count]
    order = np.lexsort((key, rows))
    r = rows[order]
    start = np.flatnonzero(np.concatenate([[True], r[1:] != r[:-1]]))
    rank = np.arange(r.size) - np.repeat(start, np.diff(np.append(start, r.size)))
    return order[rank < count]


class _TermSet:
    """The non-zero terms of many coefficient arrays at once, as :class:`_Poly` finds them
    (an all-zero array: the single term ``0`` at index 0), padded as :class:`_Terms` pads.

    Built from the non-zeros ``(row, col, val)`` in row-major order; ``idx``, ``val``, ``w``
    (padded: the first index, value 0, weight 0), ``count``, ``s``, ``N`` and ``norm`` are
    :class:`_Poly`'s numbers computed with the same operations, element by element (the
    norms row by row over each array's own terms, rows of one length summed together, so
    each is ``np.sum`` of that array alone, bit for bit).
    """

    def __init__(self, row: np.ndarray, col: np.ndarray, val: np.ndarray, B: int):
        if B == 1:  # one array (locus_edge): the same numbers with fewer steps
            k = col.size
            self.raw_count = np.array([k])
            self.count = np.array([max(k, 1)])
            self._first, self._vals = np.zeros(1, dtype=np.int64), val
            self.idx = col.astype(np.int64).reshape(1, -1) if k else np.zeros((1, 1), dtype=np.int64)
            self.val = val.reshape(1, -1) if k else np.zeros((1, 1))
            lo, hi = int(self.idx[0, 0]), int(self.idx[0, -1])
            s = (lo + hi) // 2
            N = max(hi - s, s - lo, 1)
            self.s, self.N = np.array([s]), np.array([N])
            self.w = (self.idx - s) / N
            self.norm = np.array([np.sum(np.abs(self.val[0]))])
            self.T = int(self.count[0])
            return
        count = np.bincount(row, minlength=B)
        first = np.zeros(B, dtype=np.int64)
        np.cumsum(count[:-1], out=first[1:])
        self.count = np.maximum(count, 1)
        T = int(self.count.max())
        k = np.arange(row.size) - first[row]
        self.idx = np.zeros((B, T), dtype=np.int64)
        self.val = np.zeros((B, T))
        self.idx[row, k] = col
        self.val[row, k] = val
        pad = np.arange(T) >= self.count[:, None]
        lo = self.idx[:, 0]
        if T > 1:
            self.idx = np.where(pad, lo[:, None], self.idx)
        hi = self.idx[np.arange(B), self.count - 1]
        self.s = (lo + hi) // 2
        self.N = np.maximum(np.maximum(hi - self.s, self.s - lo), 1)
        self.w = (self.idx - self.s[:, None]) / self.N[:, None]
        self.w[pad] = 0.0
        self.norm = _row_sums(np.abs(self.val), self.count)
        self.T = T
        self.raw_count, self._first, self._vals = count, first, val

    @classmethod
    def of_poly(cls, pl: _Poly) -> "_TermSet":
        """The set of one :class:`_Poly` (its own numbers)."""
        t = cls.__new__(cls)
        k = pl.idx.size
        t.raw_count = np.array([np.count_nonzero(pl.val)])
        t.count = np.array([k])
        t._first, t._vals = np.zeros(1, dtype=np.int64), pl.val
        t.idx, t.val, t.w = pl.idx.reshape(1, k), pl.val.reshape(1, k), pl.w.reshape(1, k)
        t.s, t.N, t.norm = np.array([pl.s]), np.array([pl.N]), np.array([pl.norm])
        t.T = k
        return t

    def terms(self) -> "_Terms":
        t = _Terms.__new__(_Terms)
        t.idx, t.val, t.w, t.count, t.T = self.idx, self.val, self.w, self.count, self.T
        return t


def _row_sums(X: np.ndarray, lengths) -> np.ndarray:
    """``np.sum(X[..., b, :lengths[b]])`` for every row ``b``, bit for bit: the rows of one
    length are summed together (``np.sum`` over the last axis of a C-contiguous block sums
    each row as it sums that row alone).  ``lengths``: an array, or its :func:`_length_groups`."""
    groups = _length_groups(lengths) if isinstance(lengths, np.ndarray) else lengths
    if len(groups) == 1 and groups[0][1] is None:  # every row of one length
        return np.sum(X[..., : groups[0][0]], axis=-1)
    out = np.empty(X.shape[:-1], dtype=X.dtype)
    for L, rows in groups:
        out[..., rows] = np.sum(X[..., rows, :L], axis=-1)
    return out


def _length_groups(lengths: np.ndarray) -> list:
    """``[(L, rows), ...]`` over the distinct lengths (``rows`` None: all rows)."""
    if lengths.size == 1 or lengths.min() == lengths.max():
        return [(int(lengths[0]), None)]
    order = np.argsort(lengths, kind="stable")
    s = lengths[order]
    cut = np.flatnonzero(s[1:] != s[:-1]) + 1
    return [(int(s[a]), order[a:b]) for a, b in zip(np.r_[0, cut], np.r_[cut, s.size])]


def _dense_rows(arrays: list, sizes: np.ndarray) -> np.ndarray:
    """The arrays as the rows of one zero-padded 2-D array."""
    out = np.zeros((len(arrays), int(sizes.max())))
    for row, a in zip(out, arrays):
        row[: a.size] = a
    return out


def _nonzero2(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.nonzero(X)`` of a 2-D array (the same arrays, row-major), from the flat indices:
    several times faster than numpy's multi-index form."""
    i = np.flatnonzero(X)
    r = i // X.shape[1]
    return r, i - r * X.shape[1]


def _terms_of(X: np.ndarray) -> _TermSet:
    row, col = _nonzero2(X)
    return _TermSet(row, col, X[row, col], X.shape[0])


def _terms_flat(arrays: list, sizes: np.ndarray) -> _TermSet:
    """:class:`_TermSet` of 1-D arrays, from their concatenation."""
    start = np.zeros(sizes.size, dtype=np.int64)
    np.cumsum(sizes[:-1], out=start[1:])
    flat = np.concatenate(arrays)
    nz = np.flatnonzero(flat)
    row = np.searchsorted(start, nz, side="right") - 1
    return _TermSet(row, nz - start[row], flat[nz], sizes.size)


def _abs_sums_extended(vals: np.ndarray, row: np.ndarray, B: int, fallback) -> np.ndarray:
    """``float(np.sum(np.abs(b).astype(np.longdouble)))`` of every row from its non-zero
    moduli ``vals`` (row-major, ``row``): where the row's sum is below ``2**nmant`` times the
    smallest unit in the last place of its terms, every partial sum of positive terms is
    exact in extended precision, so the pairwise sum is the exact sum and its rounding to
    double is ``math.fsum``; other rows (``fallback(rows)``) are summed as ``_H`` sums them."""
    out = np.zeros(B)
    if vals.size == 0:
        return out
    ulp_exp = np.frexp(vals)[1] - 53  # each term is a multiple of 2**ulp_exp
    low = np.full(B, np.iinfo(np.int64).max)
    np.minimum.at(low, row, ulp_exp)
    cnt = np.bincount(row, minlength=B)
    start = np.zeros(B, dtype=np.int64)
    np.cumsum(cnt[:-1], out=start[1:])
    v = vals.tolist()
    out[:] = [math.fsum(v[a : a + c]) for a, c in zip(start.tolist(), cnt.tolist())]
    nmant = np.finfo(np.longdouble).nmant
    with np.errstate(over="ignore"):
        exact = (cnt == 0) | (out < np.ldexp(1.0, np.minimum(low + nmant, 1000)))
    bad = np.flatnonzero(~exact)
    if bad.size:
        out[bad] = fallback(bad)
    return out


class _Prepared:
    """What :func:`_fast_edges` needs of each pair, computed for all pairs of a batch at once.

    Every number is the one :class:`_Poly`, :class:`_H` and :class:`_Quotient` compute for the
    pair alone, by the same operations in the same order: sums over a pair's terms or
    coefficients run over that pair's numbers only (zero padding enters only as exact
    ``x + 0`` in running sums taken from the far end, or not at all).
    """

    def __init__(self, p_list: list, q_list: list, polys: tuple | None = None):
        B = len(p_list)
        self.B = B
        self.p_list, self.q_list = p_list, q_list
        size = np.fromiter((a.size for a in p_list), dtype=np.int64, count=B)
        Pd = _dense_rows(p_list, size)
        n = size - 1
        self.n = n
        if polys is not None:  # one pair whose _Poly objects exist (locus_edge)
            self.P, self.Q = _TermSet.of_poly(polys[0]), _TermSet.of_poly(polys[1])
        else:
            self.P, self.Q = _terms_of(Pd), _terms_flat(q_list, size)
        # R = P / (z - 1) (_quotient_coefficients): r = -cumsum(p[:-1]) in extended precision
        nmax = int(n.max())
        live = np.arange(nmax) < n[:, None]
        x = Pd[:, :nmax].copy()
        lead = np.flatnonzero(n < nmax)
        x[lead, n[lead]] = 0.0  # p[:-1]: without the leading coefficient
        r = -np.cumsum(x.astype(np.longdouble), axis=1).astype(float)
        small = np.abs(r) <= 4 * _EPS * np.cumsum(np.abs(x), axis=1)
        r[small] = 0.0
        r[~live] = 0.0
        self.R = _terms_of(r)
        self.r_denser = self.R.raw_count > self.P.raw_count  # R denser than P: the general method
        # P(1) (_Quotient.p1): math.fsum over the non-zero coefficients is the same exact sum
        vals = self.P._vals.tolist()
        first, count = self.P._first.tolist(), self.P.raw_count.tolist()
        p1 = np.array([math.fsum(vals[f : f + c]) for f, c in zip(first, count)])
        total = _row_sums(np.abs(Pd), _length_groups(size))
        self.p1 = np.where(np.abs(p1) <= 4 * _EPS * total, 0.0, p1)

    def take(self, sel: np.ndarray) -> "_Prepared":
        return _Prepared([self.p_list[i] for i in sel], [self.q_list[i] for i in sel])

    def h_rows(self):
        """:class:`_H` of every pair: coefficients ``c`` and weights ``w`` (zero-padded rows),
        ``n``, ``N``, ``abs_sum`` and ``coef_err``."""
        B, n = self.B, self.n
        P, Q = self.P, self.Q
        nmax = int(n.max())
        L = 2 * nmax + 1
        # r_d of every pair at index nmax + d (_correlation puts it at n + d): the b_d below
        # are then two slices of all rows (lags beyond a pair's degree hold exact zeros)
        R = np.zeros((B, L))
        ERR = np.zeros((B, L))
        direct = P.count * Q.count <= 64 * (n + 1)  # _correlation's sparse sums
        if np.any(direct):
            D = P.idx[:, :, None] - Q.idx[:, None, :] + nmax
            PR = P.val[:, :, None] * Q.val[:, None, :]
            valid = ((np.arange(P.T) < P.count[:, None])[:, :, None] & (np.arange(Q.T) < Q.count[:, None])[:, None, :]
                     & direct[:, None, None])
            # in (pair, term of P, term of Q) order: each pair's additions in _correlation's order
            at = (np.arange(B) * L)[:, None, None] + D
            at, prod = at[valid], PR[valid]
            MOD = np.zeros((B, L))
            np.add.at(R.reshape(-1), at, prod)
            np.add.at(MOD.reshape(-1), at, np.abs(prod))
            ERR = (2 * _EPS * np.minimum(P.count, Q.count))[:, None] * MOD
        for b in np.flatnonzero(~direct):
            p, q = self.p_list[b], self.q_list[b]
            rb, eb = _correlation(p, q, _Poly(p), _Poly(q))
            R[b, nmax - n[b] : nmax + n[b] + 1], ERR[b, nmax - n[b] : nmax + n[b] + 1] = rb, eb
        bd = R[:, nmax + 1 :] - R[:, nmax - 1 :: -1]  # b_d, d = 1..nmax (_H converts them exactly to extended)
        sparse_sums = B * nmax > _SPARSE_SUMS_MIN  # (small batches: the direct sums cost less)
        if sparse_sums:
            # e_i = 2 sum_{d > i} b_d: _H's running sum in extended precision from the far end adds
            # exact zeros between the few non-zero b_d, so it equals the running sum of those alone
            # (in the same order), read at the number of non-zeros at or beyond each index
            row, col = _nonzero2(bd)
            nzc = np.bincount(row, minlength=B)
            first = np.zeros(B, dtype=np.int64)
            np.cumsum(nzc[:-1], out=first[1:])
            k = np.arange(row.size) - first[row]
            V = np.zeros((B, int(nzc.max(initial=0)) + 1), dtype=np.longdouble)
            vals = bd[row, col]
            V[row, nzc[row] - 1 - k] = vals  # each row's non-zeros from the far end, then exact zeros
            run = np.zeros(V.shape)
            run[:, 1:] = (2.0 * np.cumsum(V, axis=1)[:, :-1]).astype(float)
            add_terms = np.cumsum((bd != 0)[:, ::-1], axis=1, dtype=np.int16)[:, ::-1]  # non-zeros at or beyond
            c = np.take_along_axis(run, add_terms.astype(np.intp), axis=1)
        else:  # as _H
            b_ = bd.astype(np.longdouble)
            c = (2.0 * np.cumsum(b_[:, ::-1], axis=1)[:, ::-1]).astype(float)
            add_terms = np.cumsum((b_ != 0)[:, ::-1], axis=1)[:, ::-1]
        live = np.arange(nmax) < n[:, None]
        N = np.maximum(n - 0.5, 0.5)
        w = (np.arange(nmax, dtype=float) + 0.5) / N[:, None]
        w[~live] = 0.0
        groups = _length_groups(n)
        ld_eps = float(np.finfo(np.longdouble).eps)
        b_err = np.cumsum((ERR[:, nmax + 1 :] + ERR[:, nmax - 1 :: -1])[:, ::-1], axis=1)[:, ::-1]
        if sparse_sums:
            sb = _abs_sums_extended(np.abs(vals), row, B, lambda rows: _row_sums(
                np.abs(bd[rows].astype(np.longdouble)), _length_groups(n[rows])).astype(float))
        else:
            sb = _row_sums(np.abs(b_), groups).astype(float)
        both = np.empty((2,) + c.shape)
        np.abs(c, out=both[0])
        both[1] = 2.0 * (b_err + add_terms * (ld_eps * sb)[:, None]) + _EPS * both[0]
        abs_sum, coef_err = _row_sums(both, groups)
        return c, w, N, abs_sum, coef_err


def _grid_transform(x: np.ndarray, M: int, a: int, out: np.ndarray) -> None:
    """``out[:, l] = f^(a) / N**a`` at ``theta_l = pi l / M`` from ``x = c w**a`` (rows), as
    :meth:`_H.grid`: ``sign * _dct2(x, M)`` (``a`` even) or ``sign * _dst2(x, M)`` (odd), ``sign
    = +-1/2``, with the same transform.  :func:`_dct2` returns ``2 Re`` and ``-2 Im`` of the
    twiddled FFT; times ``+-1/2`` that is ``+-Re`` and ``-+Im`` exactly (scaling by 2 and by
    1/2 is exact), which is what is written here, without the intermediate arrays."""
    n, h = x.shape[-1], M // 2
    flip = a % 4 in (1, 2)  # sign -1/2
    v = np.zeros(x.shape[:-1] + (M,))
    v[..., : (n + 1) // 2] = x[..., 0::2]
    if n > 1:
        # _dst2: the odd entries of x negated (exact), then _dct2's backward placement
        v[..., M - n // 2 :] = x[..., 1::2][..., ::-1] if a % 2 == 0 else -x[..., 1::2][..., ::-1]
    Y = np.fft.rfft(v, axis=-1)
    Y *= _twiddles(M)
    if a % 2 == 0:  # out[:, :M] = sign * dct;  out[:, M] = 0 (cos((i + 1/2) pi) = 0)
        np.multiply(Y.real, -1.0 if flip else 1.0, out=out[..., : h + 1])
        np.multiply(Y.imag[..., h - 1 : 0 : -1], 1.0 if flip else -1.0, out=out[..., h + 1 : M])
        out[..., M] = 0.0
    else:  # out[:, 1:] = sign * dct(y)[::-1];  out[:, 0] = 0 (sin(0) = 0)
        rev = out[..., M:0:-1]  # out[:, M - k] = sign * dct_k
        np.multiply(Y.real, -1.0 if flip else 1.0, out=rev[..., : h + 1])
        np.multiply(Y.imag[..., h - 1 : 0 : -1], 1.0 if flip else -1.0, out=rev[..., h + 1 : M])
        out[..., 0] = 0.0


def _fast_edges(prep: _Prepared, M: int, kp: int, kq: int) -> list:
    """:func:`locus_edge` for sparse pairs of the same grid size ``M``, vectorised over pairs.

    The certificate is the one of the module docstring on the first grid (``K = 4``):
    every cell certified zero-free or monotone, or discarded by the ``|alpha|`` bound;
    zeros refined cheapest first exactly as :func:`_refine` does.  A pair that needs
    anything more (a grid zero, a cell to bisect or a finer grid, more brackets than one
    refinement batch) gets None: the caller runs the general method for it.
    """
    B = prep.B
    if np.any(prep.r_denser):  # R denser than P: the general method
        out = [None] * B
        good = np.flatnonzero(~prep.r_denser)
        if good.size:
            for i, e in zip(good, _fast_edges(prep.take(good), M, kp, kq)):
                out[i] = e
        return out
    K = _K_START
    ps, qs = prep.P, prep.Q
    ns = prep.n
    C, Wt, N, abs_sum, coef_err = prep.h_rows()
    objects: dict = {}

    def pair_objects(b):
        # _Poly and _H of one pair, for the direct evaluations of the bisection (rare)
        if b not in objects:
            p, q = prep.p_list[b], prep.q_list[b]
            pp, qq = _Poly(p), _Poly(q)
            objects[b] = (pp, qq, _H(pp, qq, p, q))
        return objects[b]
    hd = np.empty((K, B, M + 1))
    for a in range(K):
        x = C * Wt**a if a > 1 else (C * Wt if a else C)
        _grid_transform(x, M, a, hd[a])
    hd[0, :, M] = 0.0
    r = math.pi / (2 * M)
    fp = coef_err + 16 * _EPS * math.log2(max(2 * M, 2)) * abs_sum  # _H.fp(2 M)
    habs = np.abs(hd)
    H = np.minimum(abs_sum, (np.max(habs[0], axis=1) + fp) / (1.0 - r * N))
    H = np.maximum(H, np.finfo(float).tiny)
    # the bounds of _h_bounds (radius rho = r N): lower bounds of |h| and |h'| / N on the
    # half-cell around each grid point, Taylor terms summed from the highest order down
    rho = r * N
    c = [(rho**a / _FACT[a])[:, None] for a in range(K + 1)]
    z = habs[K - 1] * c[K - 1] + (H[:, None] * c[K] + fp[:, None])
    d = habs[K - 1] * c[K - 2] + (H[:, None] * c[K - 1] + fp[:, None])
    for a in range(K - 2, 0, -1):
        z += habs[a] * c[a]
        if a >= 2:
            d += habs[a] * c[a - 1]
    z = habs[0] - z
    d = habs[1] - d
    # cells with both halves zero-free hold no zero: certified at once; the others go
    # through _classify (the same decision, element by element)
    theta = np.pi * np.arange(M + 1) / M
    ta, tb = theta[:-1], theta[1:]
    tm = 0.5 * (ta + tb)
    s_pt = np.maximum(z, d)
    zpos = z > 0
    free = zpos[:, :-1] & zpos[:, 1:]
    srow, scol = _nonzero2(~free)
    fa = srow * (M + 1) + scol  # flat index of each such cell's left end
    fb = fa + 1
    h01 = hd[:2].reshape(2, -1)
    zf, df = z.reshape(-1), d.reshape(-1)
    cert_s, count_s, zl_s, zr_s, lo_s, hi_s, slack_s = _classify(
        _Intervals(ta[scol], tb[scol], np.take(h01, fa, axis=1), np.take(h01, fb, axis=1), None), None, H[srow], fp[srow],
        pre=(zf[fa], df[fa], zf[fb], df[fb]))
    # margin: the smallest slack over the certified cells, relative to H (as _classify's)
    cell_s = np.minimum(s_pt[:, :-1], s_pt[:, 1:])
    cell_s[srow, scol] = np.inf
    margin = np.min(cell_s, axis=1)
    np.maximum(margin, 0, out=margin)
    margin /= H
    if np.any(cert_s):
        np.minimum.at(margin, srow[cert_s], slack_s[cert_s])
    declined = np.any(hd[0, :, 1:-1] == 0, axis=1)  # a zero exactly on a grid point
    zsel = np.flatnonzero(cert_s & (count_s > 0))
    bsel = np.flatnonzero(~cert_s)
    zrow, zcol = srow[zsel], scol[zsel]
    urow, ucol = srow[bsel], scol[bsel]
    mask = np.zeros((B, M + 1), dtype=bool)
    for rr, cc in ((zrow, zcol), (urow, ucol)):
        mask[rr, cc] = True
        mask[rr, cc + 1] = True
    nrow, ncol = _nonzero2(mask)
    pos = np.full((B, M + 1), -1, dtype=np.int64)
    pos[nrow, ncol] = np.arange(nrow.size)
    tp, tq = ps.terms(), qs.terms()
    pmod = tp.moduli_grid(M, kp, nrow, ncol, B)
    qmod = tq.moduli_grid(M, kq, nrow, ncol, B)
    pnorm, qnorm = ps.norm, qs.norm
    Np, Nq = ps.N, qs.N
    rp = r * Np
    rq = r * Nq
    plo = _pq_bound_pairs(pmod, rp, pnorm, nrow, False)
    qhi = _pq_bound_pairs(qmod, rq, qnorm, nrow, True)
    # brackets (as _brackets: one per zero cell, the cells with two after), per pair
    ia, ib = pos[zrow, zcol], pos[zrow, zcol + 1]
    pl_, qh_ = np.minimum(plo[ia], plo[ib]), np.maximum(qhi[ia], qhi[ib])
    with np.errstate(divide="ignore", invalid="ignore"):
        low1 = np.where(pl_ > 0, pl_ / qh_, 0.0)
        est1 = (pmod[0, ia] + pmod[0, ib]) / (qmod[0, ia] + qmod[0, ib])
    two = zl_s[zsel] & zr_s[zsel]
    lo1, hi1 = lo_s[zsel], hi_s[zsel]
    br_row = np.concatenate([zrow, zrow[two]])
    br_lo = np.concatenate([lo1, tm[zcol][two]])
    br_hi = np.concatenate([np.where(two, tm[zcol], hi1), tb[zcol][two]])
    br_low = np.concatenate([low1, low1[two]])
    br_est = np.concatenate([est1, est1[two]])
    # (each pair's brackets are in _brackets' order: the selections below sort stably by pair)
    candidates = np.bincount(br_row, minlength=B) + 1

    # refinement: theta = pi, then the 4 cheapest open brackets of each pair, then the rest
    shift = qs.s

    tr = prep.R.terms()  # R = P / (z - 1), as _Quotient
    tr.centre(shift)
    tq.centre(shift)
    p1 = prep.p1
    degree = ns.astype(float)
    nrel = degree - shift

    def direct(t, ids):
        vr, dvr = tr.values_at(t, ids)
        vp, dp = _times_z_minus_1(t, vr, dvr, p1[ids], nrel[ids])
        vq, dq = tq.values_at(t, ids)
        return vp, dp, vq, dq

    best = np.full(B, math.inf)
    best_theta = np.full(B, math.nan)
    best_res = np.full(B, math.nan)

    def accept(t, ids):
        vp, _, vq, _ = direct(t, ids)
        absq2 = vq.real**2 + vq.imag**2
        with np.errstate(divide="ignore", invalid="ignore"):
            alpha = -(vp * np.conj(vq)).real / absq2
            res = np.abs(vp + alpha * vq) / (np.abs(vp) + np.abs(alpha * vq))
        ok = np.flatnonzero(np.isfinite(alpha) & (alpha > 0) & (res <= RESIDUAL_TOL))
        first = ok[_first_per_row(ids[ok], alpha[ok], 1)]  # the smallest per pair (ties: first)
        better = first[alpha[first] < best[ids[first]]]
        b = ids[better]
        best[b], best_theta[b], best_res[b] = alpha[better], t[better], res[better]

    batch = np.maximum(_BATCH, 200_000 // (ps.count + qs.count))

    def refine(lo, hi, low, est, row):
        """_refine for every pair at once: its 4 cheapest open brackets, then all the open
        ones (a pair with more than one batch of them is declined)."""
        done = np.zeros(row.size, dtype=bool)
        for size in (_BATCH, None):
            open_ = np.flatnonzero(~done & (low <= best[row]))
            if size is None:
                over = np.bincount(row[open_], minlength=B) > batch
                declined[over] = True
                open_ = open_[~over[row[open_]]]
                size = int(batch.max())
            pick = open_[_first_per_row(row[open_], est[open_], size)]
            if pick.size:
                ids = row[pick]
                accept(_newton(lo[pick], hi[pick], direct, 0.0, ids=ids), ids)
                done[pick] = True
                refined[:] += np.bincount(ids, minlength=B)
        return done

    accept(np.full(B, math.pi), np.arange(B))
    refined = np.zeros(B, dtype=np.int64)
    done = refine(br_lo, br_hi, br_low, br_est, br_row)
    # cells left uncertified: each must be discarded by the |alpha| bound (else: general method)
    half = 0.5 * (tb[ucol] - ta[ucol])
    ua, ub = pos[urow, ucol], pos[urow, ucol + 1]
    # (np.take: the gathers of x[:, idx], faster)
    pa, pb, qa, qb = (np.take(v, i, axis=1) for v, i in ((pmod, ua), (pmod, ub), (qmod, ua), (qmod, ub)))
    p_lo = np.minimum(_pq_bound_rows(pa, half * Np[urow], pnorm[urow], False),
                      _pq_bound_rows(pb, half * Np[urow], pnorm[urow], False))
    q_hi = np.maximum(_pq_bound_rows(qa, half * Nq[urow], qnorm[urow], True),
                      _pq_bound_rows(qb, half * Nq[urow], qnorm[urow], True))
    with np.errstate(divide="ignore"):
        u_low = np.where(p_lo > 0, p_lo / q_hi, 0.0)
    bad = u_low <= best[urow]
    n_bad = np.bincount(urow[bad], minlength=B)
    declined |= n_bad > np.maximum(_MAX_UNCERTIFIED, 4_000_000 // (ns + 1))  # the general method refines the grid
    lows = np.full(B, math.inf)
    np.minimum.at(lows, br_row[~done], br_low[~done])
    np.minimum.at(lows, urow[~bad], u_low[~bad])
    bisected = np.zeros(B, dtype=np.int64)
    go = (n_bad > 0) & ~declined
    sel = np.flatnonzero(go[urow])
    hflat, cell = hd.reshape(K, -1), urow[sel] * (M + 1) + ucol[sel]
    unc = dict(row=urow[sel], ta=ta[ucol[sel]], tb=tb[ucol[sel]], ha=np.take(hflat, cell, axis=1),
               hb=np.take(hflat, cell + 1, axis=1), pa=np.take(pa, sel, axis=1), pb=np.take(pb, sel, axis=1),
               qa=np.take(qa, sel, axis=1), qb=np.take(qb, sel, axis=1))
    for _ in range(_MAX_ROUNDS):  # _bisect_rounds for every pair at once
        row = unc["row"]
        if row.size == 0:
            break
        half = 0.5 * (unc["tb"] - unc["ta"])
        p_lo = np.minimum(_pq_bound_rows(unc["pa"], half * Np[row], pnorm[row], False),
                          _pq_bound_rows(unc["pb"], half * Np[row], pnorm[row], False))
        q_hi = np.maximum(_pq_bound_rows(unc["qa"], half * Nq[row], qnorm[row], True),
                          _pq_bound_rows(unc["qb"], half * Nq[row], qnorm[row], True))
        with np.errstate(divide="ignore"):
            low = np.where(p_lo > 0, p_lo / q_hi, 0.0)
        keep = low <= best[row]
        np.minimum.at(lows, row[~keep], low[~keep])
        unc = {key: np.compress(keep, v, axis=-1) for key, v in unc.items()}
        row = unc["row"]
        # what _bisect_rounds refuses with ArithmeticError: the general method raises it
        tiny = (unc["tb"] - unc["ta"]) <= 1e-13 * (1.0 + unc["ta"])
        bad_rows = (np.bincount(row, minlength=B) > _MAX_PENDING) | (np.bincount(row[tiny], minlength=B) > 0)
        declined |= bad_rows
        ok = ~bad_rows[row]
        unc = {key: np.compress(ok, v, axis=-1) for key, v in unc.items()}
        row = unc["row"]
        if row.size == 0:
            break
        m_t = 0.5 * (unc["ta"] + unc["tb"])
        counts = np.bincount(row, minlength=B)
        start = np.concatenate([[0], np.cumsum(counts)])
        hm = np.empty((K, row.size))
        pm = np.empty((unc["pa"].shape[0], row.size))
        qm = np.empty((unc["qa"].shape[0], row.size))
        for b in np.flatnonzero(counts):  # O(n) direct evaluations, pair by pair
            s0, s1 = start[b], start[b + 1]
            pp, qq, hh = pair_objects(b)
            hm[:, s0:s1] = hh.at(m_t[s0:s1], K)
            pm[:, s0:s1] = pp.moduli_at(m_t[s0:s1], pm.shape[0])
            qm[:, s0:s1] = qq.moduli_at(m_t[s0:s1], qm.shape[0])
        bisected += counts
        refined += counts
        # children: each pair's left halves, then its right halves (as _bisect_rounds)
        child = dict(row=np.concatenate([row, row]), ta=np.concatenate([unc["ta"], m_t]),
                     tb=np.concatenate([m_t, unc["tb"]]),
                     ha=np.concatenate([unc["ha"], hm], axis=1), hb=np.concatenate([hm, unc["hb"]], axis=1),
                     pa=np.concatenate([unc["pa"], pm], axis=1), pb=np.concatenate([pm, unc["pb"]], axis=1),
                     qa=np.concatenate([unc["qa"], qm], axis=1), qb=np.concatenate([qm, unc["qb"]], axis=1))
        order = np.argsort(child["row"], kind="stable")
        child = {key: np.take(v, order, axis=-1) for key, v in child.items()}
        crow = child["row"]
        ex = np.flatnonzero(hm[0] == 0)
        if ex.size:
            np.add.at(candidates, row[ex], 1)
            accept(m_t[ex], row[ex])
        civ = _Intervals(child["ta"], child["tb"], child["ha"], child["hb"], None)
        c_cert, c_count, c_zl, c_zr, c_lo, c_hi, c_slack = _classify(civ, N[crow], H[crow], fp[crow])
        np.minimum.at(margin, crow[c_cert], c_slack[c_cert])
        half = 0.5 * (child["tb"] - child["ta"])
        p_lo = np.minimum(_pq_bound_rows(child["pa"], half * Np[crow], pnorm[crow], False),
                          _pq_bound_rows(child["pb"], half * Np[crow], pnorm[crow], False))
        q_hi = np.maximum(_pq_bound_rows(child["qa"], half * Nq[crow], qnorm[crow], True),
                          _pq_bound_rows(child["qb"], half * Nq[crow], qnorm[crow], True))
        with np.errstate(divide="ignore", invalid="ignore"):
            low_c = np.where(p_lo > 0, p_lo / q_hi, 0.0)
            est_c = (child["pa"][0] + child["pb"][0]) / (child["qa"][0] + child["qb"][0])
        zsel = np.flatnonzero(c_cert & (c_count > 0))
        a_lo, a_hi, a_low, a_est = _brackets(zsel, child["ta"], child["tb"], c_zl, c_zr, c_lo, c_hi, low_c, est_c)
        two = c_zl[zsel] & c_zr[zsel]
        a_row = np.concatenate([crow[zsel], crow[zsel][two]])
        candidates += np.bincount(a_row, minlength=B)
        a_done = refine(a_lo, a_hi, a_low, a_est, a_row)
        np.minimum.at(lows, a_row[~a_done], a_low[~a_done])
        unc = {key: np.compress(~c_cert, v, axis=-1) for key, v in child.items()}
    else:
        declined[unc["row"]] = True
    declined |= ~np.isfinite(best)
    keep = np.flatnonzero(~declined)
    out = [None] * B
    if keep.size == 0:
        return out
    alpha, th = _polish_terms(best[keep], best_theta[keep], keep, tr, tq, p1, degree)
    for i, b in enumerate(keep):
        am = float(lows[b] / alpha[i] - 1.0) if math.isfinite(lows[b]) else math.inf
        out[b] = LocusEdge(float(alpha[i]), float(th[i]), float(best_res[b]), int(candidates[b]), int(refined[b]),
                           int(bisected[b]), float(margin[b]), am, int(M))
    return out


def _polish_terms(alpha: np.ndarray, theta: np.ndarray, ids: np.ndarray, tr: _Terms, tq: _Terms,
                  p_one: np.ndarray, degree: np.ndarray):
    """:func:`_polish` for several pairs at once (the same steps, element by element);
    ``P = (z - 1) R + P(1) z^n`` from the terms of ``R`` (``p_one``, ``degree``: per pair)."""

    def evaluate(z, sel):
        lz = np.log(z)
        out = []
        for tt in (tr, tq):
            v0 = np.zeros(z.size, dtype=complex)
            v1 = np.zeros(z.size, dtype=complex)
            if tt.fidx.shape[0] == 1:  # one pair: its numbers themselves (as _col gives them)
                for f, c, j in zip(tt.fidx[0], tt.val[0], tt.jval[0]):
                    e = np.exp(f * lz)
                    v0 += c * e
                    v1 += j * e
            else:
                for k in range(tt.T):
                    e = np.exp(tt._col(tt.fidx, k, sel) * lz)
                    v0 += tt._col(tt.val, k, sel) * e
                    v1 += tt._col(tt.jval, k, sel) * e
            out.append((v0, v1 / z))
        (r0, r1), c, nn = out[0], p_one[sel], degree[sel]
        zn = np.exp(nn * lz)
        out[0] = ((z - 1) * r0 + c * zn, r0 + (z - 1) * r1 + nn * c * zn / z)
        return out

    def root(a, z, sel):
        z = z.copy()
        active = np.ones(z.size, dtype=bool)
        for _ in range(6):
            ia = np.flatnonzero(active)
            if ia.size == 0:
                break
            (p0, p1), (q0, q1) = evaluate(z[ia], sel[ia])
            d = p1 + a[ia] * q1
            stop = d == 0
            step = (p0 + a[ia] * q0) / np.where(stop, 1.0, d)
            zn = z[ia] - step
            z[ia] = np.where(stop, z[ia], zn)
            active[ia[stop | (np.abs(step) <= 2 * _EPS * np.abs(zn))]] = False
        return z

    with np.errstate(all="ignore"):
        z = root(alpha, np.cos(theta) + 1j * np.sin(theta), ids)
        err0 = np.abs(np.abs(z) - 1.0)
        # polished only where the locus root's modulus is off the circle by more than
        # rounding (at |z| - 1 of a few eps the step on it is noise: it moved alpha by up
        # to eps / theta either way)
        go = np.flatnonzero(err0 > _POLISH_FLOOR)
        a, z, th0, sel = alpha[go], z[go], theta[go], ids[go]
        for _ in range(2):
            (p0, p1), (q0, q1) = evaluate(z, sel)
            dz = -q0 / (p1 + a * q1)
            slope = (np.conj(z) * dz).real / np.abs(z)
            a = a - (np.abs(z) - 1.0) / slope
            z = root(a, z, sel)
        ok = (np.isfinite(a) & (np.abs(a - alpha[go]) <= 1e-6 * alpha[go]) & (np.abs(np.abs(z) - 1.0) < err0[go])
              & (np.abs(np.abs(np.angle(z)) - th0) <= 1e-6))
    out_a, out_t = alpha.copy(), theta.copy()
    out_a[go] = np.where(ok, a, alpha[go])
    out_t[go] = np.where(ok, np.abs(np.angle(z)), th0)
    return out_a, out_t


def locus_edges(pairs) -> list:
    """:func:`locus_edge` for many ``(P, Q)`` pairs, the sparse ones vectorised together.

    Pairs whose polynomials have at most 32 terms each (constant delays, short supports)
    and degree below 4096 are grouped by grid size and run through one vectorised
    computation per group; every number of a pair is computed by the same operations as
    when it is alone (sums over terms in a fixed order, zero padding exact), so the
    result equals ``locus_edge(P, Q)`` bit for bit.  The certificate is unchanged.

    Returns
    -------
    list of LocusEdge or None
        None where the pair needs the general method (a cell to bisect, a zero on a grid
        point, a dense polynomial): call :func:`locus_edge` for it.
    """
    out: list = [None] * len(pairs)
    if not pairs:
        return out
    p_list = [np.asarray(P, dtype=float)[::-1] for P, _ in pairs]
    q_list = [np.asarray(Q, dtype=float)[::-1] for _, Q in pairs]
    # each pair's batch (as _fast_key): term counts and spans of P and Q, all pairs at once
    n = np.fromiter((p.size for p in p_list), dtype=np.int64, count=len(pairs)) - 1
    spans = [_spans(a) for a in (p_list, q_list)]
    ok = (n >= 1) & (n < _SPARSE_COARSE_N) & (spans[0][0] <= _SPARSE_TERMS) & (spans[1][0] <= _SPARSE_TERMS)
    M = np.zeros(n.size, dtype=np.int64)
    for v in np.unique(n[ok]):
        M[n == v] = _fast_grid(int(v))
    r = np.pi / (2 * np.where(ok, M, 1))  # = math.pi / (2 * M)
    kp = np.where(r * spans[0][1] <= 1e-4, 2, _KPQ)
    kq = np.where(r * spans[1][1] <= 1e-4, 2, _KPQ)
    groups: dict = {}
    for i, key in zip(np.flatnonzero(ok).tolist(), zip(M[ok].tolist(), kp[ok].tolist(), kq[ok].tolist())):
        groups.setdefault(key, []).append(i)
    for (M, kp, kq), members in groups.items():
        step = max(1, _FAST_ELEMENTS // (M + 1))
        for s0 in range(0, len(members), step):
            chunk = members[s0 : s0 + step]
            prep = _Prepared([p_list[i] for i in chunk], [q_list[i] for i in chunk])
            for i, e in zip(chunk, _fast_edges(prep, M, kp, kq)):
                out[i] = e
    return out


def _spans(arrays: list) -> tuple[np.ndarray, np.ndarray]:
    """The number of terms and the Bernstein degree ``N`` of :class:`_Poly` of each array."""
    sizes = np.fromiter((a.size for a in arrays), dtype=np.int64, count=len(arrays))
    start = np.zeros(sizes.size, dtype=np.int64)
    np.cumsum(sizes[:-1], out=start[1:])
    nz = np.flatnonzero(np.concatenate(arrays))
    row = np.searchsorted(start, nz, side="right") - 1
    count = np.bincount(row, minlength=sizes.size)
    first = np.zeros(sizes.size, dtype=np.int64)
    np.cumsum(count[:-1], out=first[1:])
    has = count > 0
    lo = np.where(has, nz[np.minimum(first, nz.size - 1)] - start, 0) if nz.size else np.zeros_like(sizes)
    hi = np.where(has, nz[np.maximum(first + count - 1, 0)] - start, 0) if nz.size else np.zeros_like(sizes)
    s = (lo + hi) // 2
    return np.maximum(count, 1), np.maximum(np.maximum(hi - s, s - lo), 1)
