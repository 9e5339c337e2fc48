r"""Certified first crossing of the mean-square edge (the march behind ``method="certified"``).

Notation of :func:`stability.moments.mean_square_edge` (Notes): ``c(z) = c_0(z) + alpha b D(z)``
is the mean characteristic function (``b = 1 - m``, 1 for plain A-SGD), ``H = F / c`` the
transfer function whose weighted energy is the gain

.. math::  S(\alpha) = \|H\|_w^2 = \frac{1}{2\pi}\int_0^{2\pi} |H|^2 w\, d\theta, \qquad
           w = 1 - |D|^2 \ge 0,

and ``N_0 = c_0 + f_0 D`` (``z - 1`` for plain and shifted momentum, ``c_0`` for standard), the
numerator of ``dH/dalpha = -b N_0 / c^2``.  Every polynomial is kept cleared of negative
powers: ``A = z^r c = P + alpha Q`` with ``Q = b z^r D`` (``polynomial_pair``), so norms on
the circle are Astrom integrals of polynomial ratios, exact in ``O(n^2)`` operations.

The march proves ``S < 1`` (and mean stability) on ``(0, alpha_k]`` for an increasing sequence
``alpha_k``, with two bounds.

**Resolvent bound (one step up from alpha_1).**  ``F`` is affine in ``alpha``; for
``alpha = alpha_1 + s`` the exact identities

.. math::  H(\alpha) - H_1 = -s\, b\, N_0\, G(\alpha) G_1, \qquad
           G(\alpha) = \frac{G_1}{1 + s b D G_1}, \quad G = 1/c,

give ``H = H_1 + s K_1 + s^2 R`` with ``K_1 = -b N_0 G_1^2 = H'(alpha_1)`` and
``R = b^2 N_0 D G_1^3 E``, ``E = 1/(1 + s b D G_1)``.  Let ``mu >= sup |D / c_1|`` over the
circle (below: ``1 / min |c_1|``, certified on a grid) and ``rho = 1/(1 - s b mu)``; then
``|E| <= rho`` and ``|R| <= b mu rho |K_1|`` pointwise, so with ``h = sqrt(S_1)``,
``k = ||K_1||_w``,

.. math::  S(\alpha_1 + s) \le B(s) = S_1 + S_1' s + k^2 s^2 + 2 s^2 (h + s k)\, b\mu\rho k
           + s^4 (b \mu \rho k)^2 .

``S_1`` is Astrom's integral (exact up to rounding; the cancellation-free form where the
plain one cancels, see the last paragraph) and ``S_1' = 2 Re <H_1, K_1>_w`` its derivative by
a complex step through the same recursion (analytic in the coefficients, so
``Im S(alpha_1 + i h) / h`` with ``h = 1e-30 alpha_1`` is ``S_1'`` up to ``O(h^2)``, with no
subtraction of nearby values).  ``k`` is not computed but bounded: ``|K_1| = b |N_0| |G_1|^2
<= b |N_0 G_1| / min|c_1|`` pointwise, so ``k <= b ||N_0 G_1||_w / min|c_1|``, with
``||N_0 G_1||_w^2`` by Astrom on ``z A``; ``B`` increases with ``k``, so the bound may stand
in for it.  ``||N_0 G_1||_w^2`` is summed over the stick-breaking rows where its plain form
``||N_0 G_1||^2 - ||D N_0 G_1||^2`` cancels (below); the plain form's rounding allowance,
about ``2 / e`` times the norm for mass ``1 - e`` at one delay, used to dominate the bound:
on ``Empirical([0, 1 - 1e-10, 1e-10])`` with shifted momentum 0.9 it made ``k^2`` 8e4 to 1.3e7
times too large within 5e-7 of the mean edge, the steps stayed near 5e-12 of ``alpha`` and five of
the 60 nearly constant delays of the accuracy tests ended at ``MAX_STEPS`` (now at most 135
steps).  Against the exact ``||K_1||_w^2`` (50-digit Astrom on ``A^2``) the bound on ``k^2``
is 1.46 to 6e7 times larger on 128 configurations x 6 points (0.05 to 0.99999 of the edge,
the sets listed in the last paragraph), and about 2 times next to the edge of the nearly
constant delays, where ``|G_1|`` peaks in a narrow band (benchmarks/accuracy_ms_step_norm.py).

``B`` is convex in ``s >= 0``, so ``B(delta) < 1`` gives ``S < 1`` on the whole step
``[alpha_1, alpha_1 + delta]``; ``delta < 1/(b mu)`` keeps ``c != 0`` on the circle, so no root
of the mean polynomial crosses it and the mean recursion stays stable.  The bound is second
order: where ``S`` touches 1 from below without crossing, the steps shrink only like the
square root of the gap (a geometric number of them), and where it crosses, the certified
points converge to the crossing.

**Start (0, alpha_0].**  As ``alpha -> 0`` the mean polynomial has a root tending to ``z = 1``
(``c_0(1) = 0``) and ``mu`` blows up, but ``H`` does not: ``N_0(1) = 0`` too.  For
``alpha <= alpha_0`` the identity above with ``s = alpha - alpha_0`` gives

.. math::  \sqrt{S(\alpha)} \le \sqrt{S(\alpha_0)} + \alpha_0 b \nu \|G_0\|_w
           \quad\text{whenever}\quad |N_0| \le \nu |c(\alpha)| \text{ on } (0, \alpha_0].

That side condition is ``psi(theta, alpha) = |c(alpha)|^2 - |N_0|^2/nu^2 >= 0``.  The part of
``psi`` of order below 2 in ``alpha``, ``f = |c_0|^2 - |N_0|^2/nu^2 + 2 alpha b Re(c_0 conj D)``,
is a cosine polynomial vanishing at ``theta = 0`` (``c_0(1) = N_0(1) = 0``), so
``f = (1 - cos theta) g`` with ``g`` a cosine polynomial affine in ``alpha`` (the Fejer
identity ``(1 - cos d theta)/(1 - cos theta) = d + 2 sum_{j<d} (d-j) cos j theta``).  So
``g >= 0`` at ``alpha = 0`` and ``alpha = alpha_0`` implies ``psi >= 0`` on the whole range
(the ``alpha^2`` term is ``>= 0``), and also ``c != 0`` on the circle there (mean stable on
``(0, alpha_0]``, since it is at ``alpha_0``).  ``nu`` is 2 (plain, standard: ``N_0 = c_0``)
or ``2 / (1 - m)`` (shifted: ``|c_0 / N_0| = |1 - m D / z| >= 1 - m``), which makes ``g > 0``
at ``alpha = 0``; ``alpha_0`` is halved from the scan's first point until both conditions
hold.  This fails only if ``S(0+) >= 1`` (no mean-square stable rate at all).

**Positivity and minima on the circle.**  A (cosine) polynomial ``g`` of degree ``d`` is
evaluated on ``N >= 4 (d + 1)`` equispaced points by one FFT; between grid points it moves by
at most ``(pi/N) sum_j j |g_j|`` (its derivative bound), and the FFT's rounding by at most
``8 eps log2(N) sum_j |g_j|``; ``N`` doubles until these corrections are below half the grid
minimum.

**Where the march ends.**  It stops ``BRACKET_RTOL`` below its candidate (the scan's crossing,
lowered whenever a probe finds an earlier one), or where it stalls (``S`` within the
allowances of 1 with no bad point found just above: a near touch, or rounding), or after
``MAX_STEPS`` steps.  The caller then has ``(0, lo]`` certified, and
:func:`certified_bad_point` gives the upper end of the bracket: the first point above the
candidate where ``S`` exceeds 1 by more than its rounding allowance (or the certified mean
edge), so the bracket holds the edge even where the candidate itself came from a noisy
gain.  A stall leaves a wide bracket and says so; it never moves ``lo`` past a crossing.

**What is and is not proved.**  Every inequality above is exact for exact arithmetic; the
floating-point values of ``S_1``, ``S_1'``, the bound on ``k`` and ``||G_0||_w`` come from Astrom's
backward-stable recursion and carry rounding, which is modelled by an allowance
(``ROUNDING`` times the integrals a value is a sum or difference of, in absolute value,
times the conditioning factor ``sum|a_j| / min|c|``), not by interval arithmetic.  For the
plain form ``S = ||h||^2 - ||D h||^2`` that size is ``||h||^2 + ||D h||^2``, about
``2 / e`` times ``S`` for mass ``1 - e`` at one delay; there the gain is instead
``S = sum_r w_r ||V_r h||^2`` over the stick-breaking rows of
:func:`stability.moments._gain_exact` (non-negative terms, weights ``w_r > 0`` except the
pair carrying the rest, whose cancellation ratio is at most ``GAIN_CANCEL_MAX``), and its
allowance uses the size of what that sum adds up, at most ``2e3 S``.  ``S'`` follows the
same switch (the same ``J`` rows for the same cancellation ratio ``||h||^2 / S`` of the
plain form): with ``J > 0`` it is the complex step of that sum,
``S' = sum_r w_r d/dalpha ||V_r h||^2``, each term a complex-step Astrom integral with
rounding relative to its own size, so its allowance is ``ROUNDING`` times
``sum_r |w_r| |d/dalpha ||V_r h||^2|`` times the conditioning factor (for plain and
standard momentum ``||V_r h||^2 = (alpha b)^2 I_r`` and the product rule's two parts,
``2 alpha b^2 |w_r| I_r`` and ``(alpha b)^2 |w_r| |I_r'|``, are added in absolute value).
``||N_0 G_1||_w^2`` in the bound on ``k`` makes the same switch on its own plain-form ratio
(:meth:`_Problem._weighted_N`), with the allowance ``ROUNDING`` times ``sum_r |w_r|
||V_r N_0 G_1||^2`` times the conditioning factor.
With the plain form the same recipe, ``|d ||h||^2| + |d ||D h||^2|``, is about ``1 / e``
times ``|S'|`` (2.4e12 against ``S' = -6e8`` at ``e = 1e-10``), and the steps it allowed
shrank to 1e-13 of ``alpha``.  Measured against a 40-digit recursion the errors of ``S``
and ``k`` were at most 0.08 of their allowance (27 configurations, ``m`` up to 0.9999), and
0.047 of it in an independent review (11 configurations x 25 points); those of
``||N_0 G_1||_w^2`` (through the stick-breaking rows where the plain form cancels) at most
0.098 of its allowance against a 50-digit recursion (128 configurations x 6 points from
0.05 to 0.99999 of the edge: the twelve nearly constant delays described next and four
ordinary pmfs, every scheme with ``m`` up to 0.99 and standard 0.9999); the errors of ``S'``
against a 40-digit complex step of the plain form (``tests/_ms_truth.py``) were at most
0.21 of its allowance (119 configurations x 6 points from 0.05 to 0.99999 of the edge:
mass ``1 - e`` at one delay, ``e`` = 1e-6 to 1e-12, three shapes, every scheme with ``m``
up to 0.99, and ordinary pmfs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import compiled_kernel

__all__ = ["certified_first_crossing", "certified_bad_point", "CertifiedCrossing", "NoStart"]

_EPS = float(np.finfo(float).eps)
#: Rounding allowance of an Astrom value, in units of ``sum(integrals) * sum|a_j| / min|c|``
#: (module Notes): 4 eps.  Measured errors against a 40-digit recursion on 27 configurations
#: (m up to 0.9999, points up to 0.999 of the edge) were at most 0.08 eps in these units.
ROUNDING = 4.0 * _EPS
#: The march keeps S at most 1 - ETA (a touch within ETA of 1 counts as a crossing).
ETA = 1e-12
#: Stop once the certified point is this close (relative) to a point known to be bad.
BRACKET_RTOL = 1e-9
#: A root of the float gain becomes the march's candidate where the rounding allowance of
#: ``S`` there is at most this and ``S`` minus it at least ``1 - TRUSTED_ALLOWANCE`` (so the
#: exact ``S`` is at least 1/2 there), with ``min |c|`` certified
#: (:func:`certified_first_crossing`).
TRUSTED_ALLOWANCE = 0.5
#: Step budget: past it the march ends and reports the bracket it has certified.
MAX_STEPS = 1500


class NoStart(ArithmeticError):
    """No start interval ``(0, alpha_0]`` could be certified."""


@dataclass(frozen=True)
class CertifiedCrossing:
    """Outcome of the march: ``S < 1`` and mean stability are certified on ``(0, lo]``;
    ``hi`` is the final candidate: a confirmed crossing of ``S = 1`` when ``hi_bad`` (or the
    scan's crossing where the march ended before it), else the mean edge.  ``bad`` is the
    upper end of the bracket: :func:`certified_bad_point` above ``hi`` when ``hi_bad``, else
    the certified mean edge times ``1 + 1e-10``.  ``steps`` counts the certified steps,
    ``alpha0`` is the end of the start interval."""

    lo: float
    hi: float
    steps: int
    alpha0: float
    hi_bad: bool
    bad: float = math.inf


class _Problem:
    """The polynomials of one configuration (see the module docstring)."""

    def __init__(self, pmf, momentum, m, P, Q):
        self.momentum, self.m = momentum, m
        self.b = 1.0 if momentum == "none" else 1.0 - m
        self.P, self.Q = P, Q
        n1 = P.size  # deg A + 1 = r + 2
        self.r = n1 - 2
        self.q = Q / self.b  # z^r D
        if momentum == "standard":
            self.N = P.copy()  # z^r N_0 = z^r c_0
        else:
            self.N = np.zeros(n1)
            self.N[0], self.N[1] = 1.0, -1.0  # z^r (z - 1)
        self.nu = 2.0 / (1.0 - m) if momentum == "shifted" else 2.0
        pmf = self.q[1:]  # the pmf placed after the leading coefficient (as _gain_exact)
        self.pmf = pmf[: int(np.flatnonzero(pmf)[-1]) + 1]
        self.support = int(np.count_nonzero(self.pmf))
        self._tails = None
        self._rows = {}

    def split_rows(self, ratio):
        """The number ``J`` of stick-breaking rows :func:`stability.moments._gain_exact`
        uses at cancellation ratio ``ratio = ||h||^2 / S`` of the plain form: 0 where
        ``ratio <= GAIN_CANCEL_MAX``, else the fewest that bring ``M_J ratio`` under it
        (``support - 1``: no rest), at most ``GAIN_MAX_ROWS``."""
        from .moments import GAIN_CANCEL_MAX, GAIN_MAX_ROWS, _stick_rows

        if self.support <= 1 or ratio <= GAIN_CANCEL_MAX:
            return 0
        if self._tails is None:
            self._tails = _stick_rows(self.pmf, 0)[2]
        ok = self._tails <= GAIN_CANCEL_MAX / ratio
        ok[-1] = True
        return min(int(np.argmax(ok)), GAIN_MAX_ROWS)

    def stick_rows(self, J):
        """``(rows, weights)`` of :func:`stability.moments._stick_rows` for ``J`` (cached)."""
        from .moments import _stick_rows

        if J not in self._rows:
            self._rows[J] = _stick_rows(self.pmf, J)[:2]
        return self._rows[J]

    def filt(self, alpha):
        """``z^r F`` and ``z^r D F`` (length r + 2, highest power first)."""
        n1 = self.P.size
        zF = np.zeros(n1, dtype=np.result_type(alpha, float))  # complex for the complex step
        if self.momentum == "shifted":
            f = self.m - alpha * self.b
            zF[1], zF[2] = f, -self.m
            zDF = f * self.q
            zDF[2:] -= self.m * self.q[1:-1]
        else:
            zF[1] = -alpha * self.b
            zDF = -alpha * self.b * self.q
        return zF, zDF

    def derivatives(self, alpha, astrom, cmin, gain=None):
        """``(S, S', k^2)`` at ``alpha`` and the rounding allowance of each (module Notes).

        ``S = ||z^r F / A||^2 - ||z^r D F / A||^2`` by Astrom; ``S'`` by a complex step
        (Astrom's recursion is analytic in the coefficients, so ``Im S(alpha + i h) / h`` is
        the derivative to ``O(h^2)`` with no cancellation), through the stick-breaking rows
        where the plain form's ratio ``||h||^2 / S`` exceeds ``GAIN_CANCEL_MAX`` (the switch
        of ``_gain_exact``; :meth:`_complex_step`); ``k = ||K_1||_w`` is bounded by
        ``b ||N_0 G_1||_w / min|c_1|`` (``|G_1| <= 1/min|c_1|`` pointwise), with
        ``||N_0 G_1||_w`` by Astrom on ``z A`` (through the stick-breaking rows where the
        plain form cancels: :meth:`_weighted_N`).  The allowances are ``ROUNDING`` times the
        integrals whose difference each value is, times ``sum|a_j| / min|c_1|`` (a
        conditioning factor: measured errors of Astrom's recursion grow as the mean roots
        approach the circle; see the module Notes).

        With ``gain`` (the caller's exact gain, ``stability.moments._gain_exact_pq``, which
        sums non-negative integrals where ``||h||^2 / S > 1e3``) ``S`` is taken from it, and
        its allowance uses ``min(||h||^2 + ||D h||^2, 2e3 S)``: the subtraction's size, or the
        bound on the size of whatever that function added up."""
        A = self.P + alpha * self.Q
        n1 = A.size
        zF, zDF = self.filt(alpha)
        Ae = np.append(A, 0.0)  # z A: room for z^{r+1} D N_0
        # z^{2r} D N_0 has powers 2r+1 (index 1) down to r-1 or higher: divided by z^{r-1}
        # it is z^{r+1} D N_0, of degree r+2 like z A
        DN = np.convolve(self.q, self.N)[1: n1 + 2]
        B = np.stack([np.append(zF, 0.0), np.append(zDF, 0.0), np.append(self.N, 0.0), DN])
        I, stable = astrom(Ae[None, :], B[None, :, :])
        I = I[0]
        S = float(I[0] - I[1])
        cond = float(np.sum(np.abs(A))) / cmin
        Nw, allow_N = self._weighted_N(A, cond, astrom, plain=(I[2], I[3], bool(stable[0])))
        allow_S = ROUNDING * cond * float(I[0] + I[1])
        if gain is not None:
            S_g, _ = gain(alpha)
            if S_g >= 0.0:
                S = S_g
                allow_S = ROUNDING * cond * min(float(I[0] + I[1]), 2e3 * S)
        h = 1e-30 * max(alpha, 1e-300)
        S_plain = float(I[0] - I[1])
        ratio = float(I[0]) / S_plain if (S_plain > 0.0 and stable[0]) else math.inf
        dS, scale_d = self._complex_step(alpha, h, self.split_rows(ratio))
        k2 = (self.b * self.b) * (Nw + allow_N) / (cmin * cmin)
        return S, dS, k2, (allow_S, ROUNDING * cond * scale_d, 0.0), bool(stable[0])

    def _weighted_N(self, A, cond, astrom, plain=None):
        """``(||N_0 G_1||_w^2, allowance)`` at ``A = P + alpha_1 Q``; ``cond`` is the
        conditioning factor ``sum|a_j| / min|c_1|``.  ``plain = (I_N, I_DN, stable)``: the
        plain form's two integrals ``I_N = ||N_0 G_1||^2`` and ``I_DN = ||D N_0 G_1||^2``
        (Astrom on ``z A``) when the caller has them, else they are computed here.

        Where the plain form cancels more than ``GAIN_CANCEL_MAX`` (ratio ``I_N / (I_N -
        I_DN)``, the same switch as the gain's), the weighted norm is summed over the
        stick-breaking rows instead, ``sum_r w_r ||V_r N_0 G_1||^2`` (the same identity
        ``1 - |D|^2 = sum_r w_r |V_r|^2`` as :func:`stability.moments._gain_exact`), and the
        allowance is ``ROUNDING * cond * sum_r |w_r| ||V_r N_0 G_1||^2``: the recipe of
        every other value here, now on terms that no longer cancel.  The plain form's
        allowance was ``ROUNDING * cond * (I_N + I_DN)``, about ``2 / e`` times the norm
        for mass ``1 - e`` at one delay: on ``Empirical([0, 1 - 1e-10, 1e-10])``, shifted
        momentum 0.9, it was 4e4 to 6e6 times the norm itself within 5e-7 of the mean edge,
        and it set the step there."""
        n1 = self.P.size
        Ae = np.append(A, 0.0)  # z A: room for z^{r+1} D N_0
        if plain is None:
            B = np.stack([np.append(self.N, 0.0), np.convolve(self.q, self.N)[1: n1 + 2]])
            I, st = astrom(Ae[None, :], B[None, :, :])
            plain = (I[0, 0], I[0, 1], bool(st[0]))
        I_N, I_DN, stable = plain
        Nw = float(I_N - I_DN)
        allow = ROUNDING * cond * float(I_N + I_DN)
        ratio = float(I_N) / Nw if (Nw > 0.0 and stable) else math.inf
        J = self.split_rows(ratio)
        if J > 0:
            rows, w = self.stick_rows(J)
            qr = np.zeros((rows.shape[0], n1))
            qr[:, 1:rows.shape[1] + 1] = rows  # z^r V_r, placed as q is
            B = np.stack([np.convolve(x, self.N)[1: n1 + 2] for x in qr])  # z^{r+1} V_r N_0
            I, _ = astrom(Ae[None, :], B[None, :, :])
            Nw = float(I[0] @ w)
            allow = ROUNDING * cond * float(np.abs(w) @ np.abs(I[0]))
        return max(Nw, 0.0), allow

    def _complex_step(self, alpha, h, J=0):
        """``S'(alpha)`` as ``Im S(alpha + i h) / h`` and the size of what it is a sum of
        (for the allowance): with ``J = 0`` the plain form ``||h||^2 - ||D h||^2`` and the
        sum of the two derivatives' sizes; with ``J > 0`` the stick-breaking rows of
        :func:`stability.moments._gain_exact`, ``S = sum_r w_r ||V_r h||^2``, and
        ``sum_r |w_r| |d/dalpha ||V_r h||^2|`` (for plain and standard, where
        ``||V_r h||^2 = (alpha b)^2 I_r``, the product rule's two parts are added in
        absolute value: ``2 alpha b^2 sum |w_r| I_r + (alpha b)^2 sum |w_r| |I_r'|``)."""
        ac = complex(alpha, h)
        A = self.P + ac * self.Q
        if J == 0:
            I = _astrom_complex(A, np.stack(self.filt(ac)))
            scale = (abs(I[0].imag) + abs(I[1].imag)) / h
            return float((I[0] - I[1]).imag / h), float(scale)
        rows, w = self.stick_rows(J)
        K1 = rows.shape[1]
        B = np.zeros((rows.shape[0], A.size), dtype=complex)
        aw = np.abs(w)
        if self.momentum == "shifted":  # F = f - m z^-1, as in moments._gain_rows
            B[:, 1:K1 + 1] = (self.m - ac * self.b) * rows
            B[:, 2:K1 + 2] -= self.m * rows
            I = _astrom_complex(A, B)
            return float((I @ w).imag / h), float(aw @ np.abs(I.imag)) / h
        B[:, 1:K1 + 1] = rows
        I = _astrom_complex(A, B)
        g = (ac * self.b) ** 2
        scale = (2.0 * alpha * self.b**2 * float(aw @ np.abs(I.real))
                 + (alpha * self.b) ** 2 * float(aw @ np.abs(I.imag)) / h)
        return float((g * (I @ w)).imag / h), scale

    def weighted_G(self, alpha, astrom):
        """``||G||_w^2 = ||1/c||^2 - ||D/c||^2`` at ``alpha`` and its scale (the sum of the
        two integrals)."""
        A = self.P + alpha * self.Q
        n1 = A.size
        e = np.zeros(n1)
        e[1] = 1.0  # z^r
        B = np.stack([e, self.q])
        I, stable = astrom(A[None, :], B[None, :, :])
        return float(I[0, 0] - I[0, 1]), float(I[0, 0] + I[0, 1]), bool(stable[0])


def _cos_min(g: np.ndarray, max_points: int = 2**16) -> float:
    """Certified lower bound of ``min_theta sum_j g_j cos(j theta)``, or ``-inf`` if the
    function is not certified positive.  Second-order cells: on a cell of half-width ``h``
    around ``theta_k``, ``g >= g(theta_k) - h |g'(theta_k)| - (h^2/2) sum_j j^2 |g_j|``;
    the grid starts at ``4 (d+1)`` points (one FFT), and cells that do not certify half the
    smallest grid value are split into 8 (direct evaluation), ``max_points`` cells at most."""
    d = g.size - 1
    j = np.arange(d + 1, dtype=float)
    L2 = float(np.dot(j * j, np.abs(g)))
    rnd = 8.0 * _EPS * (d + 64) * float(np.sum(np.abs(g)))
    N = max(64, 1 << int(math.ceil(math.log2(4 * (d + 1)))))
    if g.size > N:
        N = 1 << int(math.ceil(math.log2(g.size)))
    vals = np.fft.fft(g, N).real
    ders = np.fft.fft(j * g, N).imag
    theta = 2.0 * np.pi * np.arange(N) / N
    h = np.pi / N
    best, best_grid = math.inf, math.inf
    for _ in range(40):
        if np.min(vals) <= rnd:
            return -math.inf
        lower = vals - h * np.abs(ders) - 0.5 * h * h * L2 - rnd
        best_grid = min(best_grid, float(np.min(vals)))
        ok = lower >= 0.5 * best_grid
        if np.any(ok):
            best = min(best, float(lower[ok].min()))
        if ok.all():
            return best
        bad_theta = theta[~ok]
        if 8 * bad_theta.size > max_points:
            return -math.inf
        h /= 8.0
        theta = (bad_theta[:, None] + ((np.arange(8) - 3.5) * 2.0 * h)[None, :]).ravel()
        ph = np.outer(theta, j)
        vals = np.cos(ph) @ g
        ders = -(np.sin(ph) @ (j * g))
    return -math.inf


def _astrom_complex(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """Astrom's reduction (:func:`stability.moments._astrom_numpy`, one denominator) in
    complex arithmetic, for the complex-step derivative: the same algebraic operations,
    applied to complex coefficients; no test of stability (the real part is the integral
    of a mean-stable configuration).  By the compiled loop of :mod:`stability._compiled`
    when numba is installed (the same operations in the same order, complex products with
    FMA as numpy's loops do them: the same numbers where numpy uses FMA, as on x86-64 with
    AVX2; tests/test_ms_certify.py), else by :func:`_astrom_complex_numpy`; the numpy loop
    makes ``n`` passes of five array operations, about 0.35 ms at degree 59, the compiled
    one about 0.02 ms."""
    kernel = compiled_kernel("astrom_complex", "auto")  # None without numba: the numpy loop
    if kernel is None:
        return _astrom_complex_numpy(A, B)
    r1, n1 = B.shape[0] + 1, A.size
    Mr, Mi = np.empty((r1, n1)), np.empty((r1, n1))
    Mr[0], Mi[0] = np.real(A), np.imag(A)
    Mr[1:], Mi[1:] = np.real(B), np.imag(B)
    out_r, out_i = np.empty(r1 - 1), np.empty(r1 - 1)
    kernel(Mr, Mi, out_r, out_i)
    return out_r + 1j * out_i


def _astrom_complex_numpy(A: np.ndarray, B: np.ndarray) -> np.ndarray:
    """:func:`_astrom_complex` by numpy."""
    n = A.size - 1
    M = np.empty((B.shape[0] + 1, n + 1), dtype=complex)
    M[0] = A
    M[1:] = B
    a0n = M[0, 0]
    total = np.zeros(B.shape[0], dtype=complex)
    for k in range(n, 0, -1):
        coef = M[:, k] / M[0, 0]
        total += M[0, 0] * coef[1:] ** 2
        M[:, :k] -= np.multiply.outer(coef, M[0, k:0:-1])
    return (total + M[1:, 0] ** 2 / M[0, 0]) / a0n


def _min_abs(a: np.ndarray) -> float:
    """Certified lower bound of ``min |A(e^{i theta})|`` for real coefficients ``a`` (highest
    power first), or 0.0 if none is found.

    Cells of half-width ``h`` around grid points ``theta_j``: by Taylor's theorem
    ``|A(theta_j + t)| >= |A_j + t A'_j| - (t^2/2) max_cell |A''|`` and
    ``max_cell |A''| <= |A''_j| + h sum_k k^3 |a_k|``; the first term's minimum over
    ``|t| <= h`` is the distance from 0 to a segment.  The grid starts at ``4 (n+1)`` points
    (three FFTs: ``A``, ``A'``, ``A''``); cells that do not certify half the smallest grid
    value are split into 8 (direct evaluation, ``z^k`` at the 8 points of a cell as the
    product of the centre's ``z_c^k`` and the offset's ``w^k``), or the whole grid is refined
    by FFT when that is cheaper.  Rounding: ``8 eps (n + 64) sum|a_k|`` is subtracted (each
    term of a direct sum is rounded by a few eps relative, the sum by ``n eps``)."""
    n = a.size - 1
    k = np.arange(n, -1, -1, dtype=float)  # power of each coefficient
    L3 = float(np.dot(k**3, np.abs(a)))
    rnd = 8.0 * _EPS * (n + 64) * float(np.sum(np.abs(a)))
    N = max(64, 1 << int(math.ceil(math.log2(4 * (n + 1)))))
    rev = a[::-1]
    j = np.arange(n + 1, dtype=float)
    ka, kka = k * a, k * k * a
    offsets = np.arange(8) - 3.5

    def on_grid(N):
        return (np.fft.ifft(rev, N) * N, 1j * np.fft.ifft(rev * j, N) * N,
                -np.fft.ifft(rev * j * j, N) * N, 2.0 * np.pi * np.arange(N) / N)

    vals, d1, d2, theta = on_grid(N)
    absv = np.abs(vals)
    h = np.pi / N
    best, best_grid = math.inf, math.inf
    for _ in range(40):
        dr, di = d1.real, d1.imag
        v2 = dr**2 + di**2
        # t = -Re(A conj A') / |A'|^2 where A' != 0, else 0 (dividing by inf gives +-0)
        t = -(vals.real * dr + vals.imag * di) / np.where(v2 > 0, v2, np.inf)
        t = np.minimum(np.maximum(t, -h), h)
        seg = np.abs(vals + t * d1)
        lower = seg - 0.5 * h * h * (np.abs(d2) + h * L3) - rnd
        best_grid = min(best_grid, float(absv.min()))
        ok = lower >= 0.5 * best_grid
        if ok.all():
            return float(min(best, lower.min()))
        if ok.any():
            best = min(best, float(lower[ok].min()))
        bad_theta = theta[~ok]
        if theta.size == N and N < 2**18 and 8 * bad_theta.size * (n + 1) > 4 * N * math.log2(N):
            N *= 8  # many failing cells: a finer FFT grid is cheaper than direct evaluation
            h /= 8.0
            vals, d1, d2, theta = on_grid(N)
            absv = np.abs(vals)
            continue
        if bad_theta.size > 2**16:
            return 0.0
        h /= 8.0  # split each failing cell into 8
        step = offsets * 2.0 * h
        theta = (bad_theta[:, None] + step[None, :]).ravel()
        # z^k at theta_c + step_o is z_c^k w_o^k: one exponential per cell and power, and
        # one per offset and power, then products (a few eps per term: inside rnd)
        zc = np.exp(1j * np.outer(bad_theta, k))
        w = np.exp(1j * np.outer(k, step))
        nb = bad_theta.size
        vals, d1, d2 = (np.stack([zc * a, zc * ka, zc * kka]) @ w).reshape(3, nb * 8)
        d1 = 1j * d1
        d2 = -d2
        absv = np.abs(vals)
        if absv.min() <= rnd:
            return 0.0
    return 0.0


def _cos_coefficients_abs2(x: np.ndarray) -> np.ndarray:
    """Cosine coefficients of ``|x(e^{i theta})|^2`` for a real coefficient array ``x``."""
    ac = np.correlate(x, x, mode="full")[x.size - 1:]
    out = 2.0 * ac
    out[0] = ac[0]
    return out


def _cos_coefficients_re(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Cosine coefficients of ``Re(x conj(y))`` on the circle (same-length real arrays,
    highest power first)."""
    cc = np.correlate(x, y, mode="full")  # lag l: sum_i x[i+l] y[i]
    n = x.size
    pos = cc[n - 1:]  # lags 0..n-1
    neg = cc[n - 1::-1]  # lags 0..-(n-1)
    out = pos + neg
    out[0] = cc[n - 1]
    return out


def _divide_one_minus_cos(a: np.ndarray) -> np.ndarray:
    """Cosine coefficients of ``(f - f(0)) / (1 - cos theta)`` for ``f = sum_d a_d cos d theta``:
    ``-sum_d a_d (d + 2 sum_{j<d} (d-j) cos j theta)`` (Fejer)."""
    d = np.arange(a.size, dtype=float)
    # T0_j = sum_{d>j} a_d, T1_j = sum_{d>j} d a_d
    T0 = np.append(np.cumsum(a[::-1])[::-1][1:], 0.0)
    T1 = np.append(np.cumsum((d * a)[::-1])[::-1][1:], 0.0)
    g = -2.0 * (T1 - d * T0)
    g[0] = -float(np.dot(d, a))
    return g


def _start(prob: _Problem, alpha_first: float, astrom, gain):
    """``alpha_0`` with ``S < 1 - ETA`` and mean stability certified on ``(0, alpha_0]``
    (module Notes), searched by halving from ``alpha_first``; None if none is found."""
    P, q, N, b, nu = prob.P, prob.q, prob.N, prob.b, prob.nu
    f0 = _cos_coefficients_abs2(P) - _cos_coefficients_abs2(N) / nu**2
    g0 = _divide_one_minus_cos(f0)
    w1 = _divide_one_minus_cos(2.0 * b * _cos_coefficients_re(P, q))
    if not _cos_min(g0) > 0.0:
        return None
    alpha0 = alpha_first
    for _ in range(60):
        if _cos_min(g0 + alpha0 * w1) > 0.0:
            S0, stable = gain(alpha0)
            cmin = _min_abs(P + alpha0 * prob.Q) if stable and S0 < 1.0 else 0.0
            if cmin > 0.0:
                S0, _, _, allow, _ = prob.derivatives(alpha0, astrom, cmin, gain=gain)
                cond = float(np.sum(np.abs(P + alpha0 * prob.Q))) / cmin
                G2, Gscale, st = prob.weighted_G(alpha0, astrom)
                G2 = max(G2, 0.0) + ROUNDING * cond * Gscale
                bound = math.sqrt(max(S0, 0.0) + allow[0]) + alpha0 * b * nu * math.sqrt(G2)
                if bound * bound < 1.0 - ETA:
                    return alpha0, S0
        alpha0 *= 0.5
    return None


def _bound(S1, dS, J, allow, b, mu):
    """``B(s)`` of the module Notes (rounding allowances added), as a function of ``s``."""
    S1 = max(S1, 0.0) + allow[0]
    dS = dS + allow[1]
    h, k = math.sqrt(S1), math.sqrt(max(J, 0.0) + allow[2])

    def bound(s):
        x = s * b * mu
        if x >= 1.0:
            return math.inf
        t = b * mu * k / (1.0 - x)
        return S1 + dS * s + k * k * s * s + 2.0 * s * s * (h + s * k) * t + (s * s * t) ** 2

    return bound


def _step(S1, dS, J, allow, b, mu, limit):
    """Largest ``delta <= limit`` with ``B(delta) <= 1 - ETA`` (module Notes), by bisection
    (``B`` is convex and ``B(0) = S_1``)."""
    bound = _bound(S1, dS, J, allow, b, mu)
    S1 = bound(0.0)
    target = 1.0 - ETA
    if S1 >= target:
        return 0.0
    hi = min(limit, (1.0 - 1e-12) / (b * mu))
    if bound(hi) <= target:
        return hi
    lo = 0.0
    for _ in range(100):
        mid = 0.5 * (lo + hi)
        if bound(mid) <= target:
            lo = mid
        else:
            hi = mid
        if hi - lo <= 1e-3 * hi:
            break
    return lo


def certified_first_crossing(P, Q, pmf, momentum, m, *, alpha_first, target, target_bad, gain, astrom,
                             root, mean_edge):
    """March from ``(0, alpha_0]`` up to ``target`` (module Notes).

    ``gain(alpha) -> (S, mean_stable)`` is the exact gain; ``mean_edge()`` the certified
    mean edge.  ``target`` is the candidate edge (the scan's crossing, or the mean edge):
    the march stops ``BRACKET_RTOL`` below it.  When a probe finds a bad point ``p`` before
    that (``S(p) >= 1`` or mean unstable), ``root(lo, p)`` (a bracketing root finder on the
    float gain) gives a crossing ``r`` of the float gain; it becomes the new, lower
    candidate (and the march goes on towards it, so the edge it ends with is the first
    crossing) only if the float gain there can be trusted: ``min |c(r)| > 0`` is certified
    by :func:`_min_abs`, the rounding allowance of ``S(r)`` (module Notes) is at most
    ``TRUSTED_ALLOWANCE = 1/2`` and ``S(r)`` minus it is at least 1/2 (so the exact
    ``S(r)`` is at least 1/2); or
    :func:`certified_bad_point` finds ``S - allowance >= 1`` (mean stable) at most
    ``CERTIFIED_WIDTH`` above ``r`` and below the mean edge.  A refused ``r`` is
    remembered only so that roots above it are not checked again, and forgotten once the
    march passes it; the march goes on towards its current candidate.

    Why a probe's false alarm no longer becomes the edge: next to the mean edge (and near
    ``m = 1``) the float gain can be noise far outside its value (mass 1.6e-8 at delay 6
    and the rest at 50, standard momentum 0.99: it reads 1816 at 9.5e-9 below the mean
    edge, where the 40-digit ``S`` is 0.006), and brentq finds a sign change of that noise
    as readily as a true crossing; which inputs hit one depended only on where the probes
    landed, and the root was returned as a certified gain edge up to 3.6e-7 below the true
    edge (75 two-spike pmfs found by a random search, all standard momentum, ``m`` 0.95 to 0.999;
    tests/test_ms_certify.py).  At such a root the exact ``S`` is far below 1 while the
    float one is 1, so under the rounding model either ``min |c|`` is not certifiable there
    or the allowance exceeds 1/2, and a certified ``S >= 1`` above it does not exist: the
    root is refused, and the march ends at its candidate or stalls below it, as it would
    without the probe (on the 75 inputs, against the 40-digit gain, with the caller aiming
    at the mean edge itself where the scan says "mean": all certified, every bracket holds
    the edge, 49 results are labelled "mean", 26 "gain", ``alpha`` from 1.4e-11 below to
    4.2e-9 above the edge; 8 "mean" results are more than 1e-10 above it (7 by at most
    3.5e-10), all at ``m`` 0.994 to 0.999, where a true crossing lies that close below the
    mean edge).  What this does not prove: an accepted root is a point where the exact ``S`` is within 1/2 of 1, not a
    certified crossing.  Requiring ``S - allowance >= 1`` just above every candidate would
    refuse genuine crossings within about 1e-9 of a pole of ``S`` at the mean edge (nearly
    constant delays: the allowance grows like ``S^2`` there, 0.45 at ``S = 1.0002``) and
    return the mean edge above them, by up to 5e-10 on the accuracy tests.  The scan's own
    crossing is not re-checked (refusing it where ``min |c|`` cannot be certified broke the
    same accuracy tests); a noise crossing taken by the scan itself is not excluded.

    Returns a :class:`CertifiedCrossing`; ``hi`` is the final candidate and ``bad`` the
    upper end of the bracket (:func:`certified_bad_point` above ``hi``, or the certified
    mean edge times ``1 + 1e-10``).  Raises ArithmeticError if no start is found."""
    from .moments import CERTIFIED_WIDTH

    prob = _Problem(pmf, momentum, m, P, Q)
    seen = set()
    known_bad = {}
    edge = []

    def cap():
        if not edge:
            edge.append(float(mean_edge()))
        return edge[0] * (1.0 + 1e-10)

    def bad_point(a):
        """:func:`certified_bad_point` above ``a`` (each ``a`` once)."""
        if a not in known_bad:
            cap()  # the mean edge, once
            known_bad[a] = certified_bad_point(P, Q, pmf, momentum, m, above=a, mean_edge=edge[0],
                                               gain=gain, astrom=astrom, problem=prob)
        return known_bad[a]

    def confirmed(r):
        cmin = _min_abs(prob.P + r * prob.Q)
        if cmin > 0.0:
            S, _, _, allow, _ = prob.derivatives(r, astrom, cmin, gain=gain)
            if allow[0] <= TRUSTED_ALLOWANCE and S - allow[0] >= 1.0 - TRUSTED_ALLOWANCE:
                return True  # the exact S(r) is at least 1/2: not the noise of a far lower S
        p = bad_point(r)
        return p < cap() and p <= r * (1.0 + CERTIFIED_WIDTH)

    def stalled_at(a):
        if a in seen:
            return True
        seen.add(a)
        return False

    start = _start(prob, alpha_first, astrom, gain)
    if start is None:
        raise NoStart("no interval (0, alpha_0] with a certified mean-square gain below 1 "
                              "(is the gain at alpha -> 0 at or above 1?)")
    alpha0, _ = start
    lo, steps, b = alpha0, 0, prob.b
    unconfirmed = None  # the lowest float crossing above lo that could not be confirmed

    def bad(a):
        Sa, st = gain(a)
        return (not st) or Sa >= 1.0

    def offer(r):
        """A crossing ``r`` of the float gain: the new candidate if confirmed."""
        nonlocal target, target_bad, unconfirmed
        if r is None or (unconfirmed is not None and r >= unconfirmed):
            return  # no sign change, or nothing new above a crossing already refused
        if confirmed(r):
            target_bad, target = True, r
        else:
            unconfirmed = r

    while lo < target * (1.0 - BRACKET_RTOL):
        stop = target * (1.0 - BRACKET_RTOL)
        if steps >= MAX_STEPS:
            break  # the budget: (0, lo] is certified, the bracket (lo, target) says the rest
        cmin = _min_abs(prob.P + lo * prob.Q)
        delta, S, dS = 0.0, 1.0, 0.0
        if cmin > 0.0:
            S, dS, J, allow, _ = prob.derivatives(lo, astrom, cmin, gain=gain)
            delta = _step(S, dS, J, allow, b, 1.0 / cmin, stop - lo)
        if delta <= 1e-13 * lo:
            # Stalled: S is within the allowances of 1, or c is too close to 0 on the
            # circle for the grid.  A confirmed crossing just above gives a lower
            # candidate, once; without one the march ends here (the caller decides
            # what a gap means).
            if stalled_at(lo):
                break
            for probe in _probes(lo, S, dS):
                if probe < target and bad(probe):
                    offer(_root_or_none(root, lo, probe))
                    break
            continue
        lo = min(lo + delta, stop)
        steps += 1
        if unconfirmed is not None and lo > unconfirmed:
            unconfirmed = None  # S < 1 is proved past it: a false alarm
        if dS > 0 and S > 0.5:  # a Newton probe (twice the step) for a crossing ahead
            probe = lo + 2.0 * (1.0 - S) / dS + lo * 2e-10
            if probe < stop and bad(probe):
                offer(_root_or_none(root, lo, probe))
    hi = bad_point(target) if target_bad else cap()
    return CertifiedCrossing(lo, target, steps, alpha0, target_bad, hi)


def _root_or_none(root, lo, hi):
    """``root(lo, hi)``, or None when the float gain does not change sign there: next to the
    mean edge the float ``S`` can read ``>= 1`` at both ends while the exact one is far below
    1 (a probe's false alarm; the march goes on, or ends with the bracket it has)."""
    try:
        return root(lo, hi)
    except ValueError:
        return None


def _probes(lo, S, dS):
    """Points just above a stalled march where a crossing may be found."""
    out = [lo * (1.0 + 1e-10 * 4.0**j) for j in range(10)]
    if dS > 0:
        out.insert(0, lo + 2.0 * max(1.0 - S, 0.0) / dS + lo * 1e-12)
    return out


def certified_bad_point(P, Q, pmf, momentum, m, *, above, mean_edge, gain, astrom, problem=None):
    """The first point ``above * (1 + 1e-10 * 2^j)`` where ``S >= 1`` beyond its rounding
    allowance (``S - allowance >= 1``, mean stable), or ``mean_edge * (1 + 1e-10)`` (the
    certified mean edge is good to 1e-10) if that comes first: the upper end of a bracket
    that holds the edge whatever the rounding of the ``S`` values a root finder used.
    ``problem``: the :class:`_Problem` of these polynomials, if the caller has one."""
    prob = _Problem(pmf, momentum, m, P, Q) if problem is None else problem
    cap = mean_edge * (1.0 + 1e-10)
    for j in range(60):
        p = above * (1.0 + 1e-10 * 2.0**j)
        if p >= cap:
            return cap
        S, stable = gain(p)
        if not stable or S < 1.0:
            continue
        cmin = _min_abs(prob.P + p * prob.Q)
        if not cmin > 0.0:
            continue
        S, _, _, allow, _ = prob.derivatives(p, astrom, cmin, gain=gain)
        if S - allow[0] >= 1.0:
            return p
    return cap
