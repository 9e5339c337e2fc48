"""Boundary-locus (D-decomposition) edge of stability: no eigenvalues, any delay length.

The characteristic polynomial is ``c(z) = P(z) + alpha Q(z)`` with real coefficients.  A
root lies on the unit circle at ``z = e^{i theta}`` exactly when ``alpha = -P/Q`` is real
there, i.e. when

.. math::  g(\\theta) = \\operatorname{Im}\\big(P(e^{i\\theta})\\,\\overline{Q(e^{i\\theta})}\\big) = 0,
           \\qquad \\alpha(\\theta) = -\\frac{\\operatorname{Re}(P\\bar Q)}{|Q|^2}.

Because the coefficients are real, ``theta`` in ``[0, pi]`` covers every crossing (roots
come in conjugate pairs).  ``g`` vanishes at 0 and pi for every ``alpha``; ``theta = 0``
is the root ``z = 1`` at ``alpha = 0`` and ``theta = pi`` (``z = -1``) is checked on its
own.  The edge is the smallest positive ``alpha(theta)`` over the zeros of ``g``: as
``alpha`` grows from 0 all roots stay inside the circle until the first such value.

Method:

1. sample ``h = g / sin(theta)`` (the same zeros inside ``(0, pi)``, without the two
   forced ones that would hide zeros next to them) on a uniform grid of at least 8
   points per ``pi / n`` for degree ``n``, plus a geometric grid (8 per octave, over 40
   octaves) inside the first cell, where with momentum near 1 two roots near ``z = 1``
   meet and leave the circle at a tiny angle.  Values on the uniform grid come from a
   table of ``e^{i pi l / M}`` for sparse polynomials (any constant delay: exact phases,
   ``O(M * terms)``) or from one FFT;
2. refine **every** sign change at once by vectorised Illinois (regula falsi) steps,
   until each step is below 4 eps relative;
3. evaluate ``alpha`` at every refined zero and return the smallest positive one (any
   zero whose Illinois iteration did not converge within 100 steps and whose ``alpha``
   is within 1e-6 of the smallest is finished with :func:`scipy.optimize.brentq`).

No candidate is dropped on an approximate ``alpha`` coarser than 1e-6.  What the grid
cannot see is a pair of zeros of ``h`` closer together than one cell and away from
``theta = 0``; the tests compare this method with the eigenvalue method on the cases
where that would matter.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import brentq

__all__ = ["locus_edge"]

_SPARSE_TERMS = 24
_PER_ZERO = 8  # grid points per pi / n, at least
_NEAR_ZERO_OCTAVES = 40
_NEAR_ZERO_PER_OCTAVE = 8
_EPS = np.finfo(float).eps


class _Trig:
    """Evaluate ``P(e^{i theta})`` and ``Q(e^{i theta})`` for real P, Q (highest first)."""

    def __init__(self, P: np.ndarray, Q: np.ndarray):
        self.n = P.size - 1
        p, q = P[::-1].astype(float), Q[::-1].astype(float)  # lowest power first
        self.p, self.q = p, q
        self.p_idx, self.q_idx = np.flatnonzero(p), np.flatnonzero(q)
        self.sparse = max(self.p_idx.size, self.q_idx.size) <= _SPARSE_TERMS

    @staticmethod
    def _sum(idx, coef, theta):
        out = np.zeros(theta.shape, dtype=complex)
        if idx.size <= _SPARSE_TERMS:
            for k, c in zip(idx, coef):
                out += c * np.exp(1j * (k * theta))
            return out
        step = max(1, 4_000_000 // idx.size)
        for s in range(0, theta.size, step):
            out[s : s + step] = np.exp(1j * np.multiply.outer(theta[s : s + step], idx.astype(float))) @ coef
        return out

    def pq(self, theta: np.ndarray):
        return (self._sum(self.p_idx, self.p[self.p_idx], theta),
                self._sum(self.q_idx, self.q[self.q_idx], theta))

    def grid(self, M: int):
        """``P``, ``Q`` at ``theta_j = pi j / M``, ``j = 0..M``."""
        j = np.arange(M + 1)
        if self.sparse:
            table = np.exp(1j * np.pi * np.arange(2 * M) / M)
            out = []
            for idx, c in ((self.p_idx, self.p), (self.q_idx, self.q)):
                acc = np.zeros(M + 1, dtype=complex)
                for k in idx:
                    acc += c[k] * table[(j * int(k)) % (2 * M)]
                out.append(acc)
            return out
        N = 2 * M
        reps = []
        for c in (self.p, self.q):
            folded = np.zeros(N)
            np.add.at(folded, np.arange(c.size) % N, c)  # e^{i k theta_j} is N-periodic in k
            reps.append((np.fft.ifft(folded) * N)[: M + 1])
        return reps


def _at(c_low: np.ndarray, z: float, derivative: int) -> float:
    """Value (or first derivative) at ``z = +-1`` of a polynomial given lowest power first."""
    k = np.arange(c_low.size, dtype=float)
    sign = np.ones_like(k) if z > 0 else np.where(k % 2 == 0, 1.0, -1.0)
    if derivative == 0:
        return float(np.sum(c_low * sign))
    return float(np.sum(k * c_low * sign) * (1.0 if z > 0 else -1.0))


def _h_alpha(theta, pz, qz):
    prod = pz * np.conj(qz)
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = -prod.real / (qz.real**2 + qz.imag**2)
        h = prod.imag / np.sin(theta)
    return h, alpha


def locus_edge(P: np.ndarray, Q: np.ndarray) -> tuple[float, float, int]:
    """Smallest ``alpha > 0`` with a root of ``P + alpha Q`` on the unit circle.

    Parameters
    ----------
    P, Q : ndarray
        Real coefficients, highest power first, equal length, ``P(1) = 0``.

    Returns
    -------
    (alpha, theta, candidates)
        The edge, the angle in ``[0, pi]`` of the root that reaches the circle, and the
        number of zeros of ``h`` examined.
    """
    trig = _Trig(P, Q)
    n = max(trig.n, 1)
    M = 1 << max(10, math.ceil(math.log2(_PER_ZERO * (n + 2))))
    theta = np.pi * np.arange(M + 1) / M
    pz, qz = trig.grid(M)
    h = np.empty(M + 1)
    h[1:-1] = _h_alpha(theta[1:-1], pz[1:-1], qz[1:-1])[0]
    # limits of g / sin: h(0) = P'(1) Q(1), h(pi) = P'(-1) Q(-1) - P(-1) Q'(-1)
    h[0] = _at(trig.p, 1.0, 1) * _at(trig.q, 1.0, 0)
    h[-1] = _at(trig.p, -1.0, 1) * _at(trig.q, -1.0, 0) - _at(trig.p, -1.0, 0) * _at(trig.q, -1.0, 1)
    k = np.arange(_NEAR_ZERO_OCTAVES * _NEAR_ZERO_PER_OCTAVE, 0, -1)
    near = theta[1] * 2.0 ** (-k / _NEAR_ZERO_PER_OCTAVE)
    theta = np.concatenate([theta[:1], near, theta[1:]])
    h = np.concatenate([h[:1], _h_alpha(near, *trig.pq(near))[0], h[1:]])

    sgn = np.sign(h)
    lo = np.flatnonzero(sgn[:-1] * sgn[1:] < 0)
    exact = np.flatnonzero(sgn[1:-1] == 0) + 1
    a, b = theta[lo].copy(), theta[lo + 1].copy()
    fa, fb = h[lo].copy(), h[lo + 1].copy()
    # vectorised Illinois iterations on every bracket at once; stop when every step is
    # below 4 eps relative (or lands on a zero)
    converged = np.zeros(a.size, dtype=bool)
    for _ in range(100):
        if a.size == 0 or converged.all():
            break
        with np.errstate(divide="ignore", invalid="ignore"):
            c = b - fb * (b - a) / (fb - fa)
        bad = ~np.isfinite(c) | (c < np.minimum(a, b)) | (c > np.maximum(a, b))
        c = np.where(bad, 0.5 * (a + b), c)
        fc = _h_alpha(c, *trig.pq(c))[0]
        converged = (np.abs(c - b) <= 4 * _EPS * np.abs(c)) | (fc == 0)
        flip = np.sign(fc) != np.sign(fb)  # root between b and c: (a, b) <- (b, c)
        a, fa = np.where(flip, b, a), np.where(flip, fb, 0.5 * fa)
        b, fb = c, fc
    roots = np.concatenate([b, theta[exact], [np.pi]])
    lo_br = np.concatenate([np.minimum(a, b), theta[exact], [np.pi]])
    hi_br = np.concatenate([np.maximum(a, b), theta[exact], [np.pi]])
    pr, qr = trig.pq(roots)
    with np.errstate(divide="ignore", invalid="ignore"):  # Q = 0 there: no crossing
        alpha = -(pr * np.conj(qr)).real / np.abs(qr) ** 2
    ok = np.isfinite(alpha) & (alpha > 0)
    if not ok.any():
        raise ArithmeticError("the boundary locus never crosses the positive real axis")
    best = np.min(alpha[ok])
    keep = np.flatnonzero(ok & (alpha <= best * (1 + 1e-6)))

    def hfun(t):
        return float(_h_alpha(np.array([t]), *trig.pq(np.array([t])))[0][0])

    results = []
    for i in keep:
        t = roots[i]
        if i < converged.size and not converged[i] and hi_br[i] > lo_br[i]:
            try:
                t = brentq(hfun, lo_br[i], hi_br[i], xtol=1e-300, rtol=4 * _EPS)
            except ValueError:  # bracket already at machine width, or endpoint root
                pass
        pt, qt = trig.pq(np.array([t]))
        results.append((float(-(pt * np.conj(qt)).real[0] / abs(qt[0]) ** 2), float(t)))
    alpha_best, theta_best = min(results)
    return alpha_best, theta_best, int(roots.size)
