r"""Random delays beyond the expected iterate: mean-square and almost-sure edges.

With i.i.d. delays ``tau_t ~ p`` the linearised update multiplies the state (the last
iterates) by a random matrix ``A(tau_t)`` at every step.  The paper's characteristic
polynomial (eqs. 19-20) is the spectral radius of ``E[A]``: the **mean** edge, stability of
the *expected* iterate.  Two stronger notions say what one run does:

* **mean-square**: ``E[s s^T]`` evolves by the linear map ``X -> sum_k p_k A(k) X A(k)^T``
  and is stable iff that map's spectral radius is below 1 (Costa, Fragoso & Marques,
  *Discrete-Time Markov Jump Linear Systems*, 2005, Thm. 3.9, with i.i.d. switching as the
  special case of a Markov chain with identical rows).  Mean-square stability implies
  almost-sure stability (Jensen and Borel-Cantelli).  :func:`mean_square_edge` computes the
  edge exactly, in the frequency domain, without forming the map (see its Notes for the
  derivation); :func:`kronecker_edge` forms the map densely for small supports (a check).
* **almost-sure**: the top Lyapunov exponent ``lambda`` of the random product is negative.
  There is no closed form; :func:`almost_sure_edge` estimates where ``lambda`` crosses 0 by
  simulation, with a confidence interval.

Jensen's inequality gives ``lambda(alpha) <= (1/2) log rho(lifted map)``, so the
mean-square edge never exceeds the almost-sure edge.  The mean edge is not ordered with
them in general.  For a constant delay all three coincide (the product is deterministic).

The scalar recurrences, ``alpha = a * eta``, ``beta = 1 - m`` (``1`` for plain A-SGD):

* plain (eq. 2):      ``x_{t+1} = x_t - alpha x_{t-tau_t}``
* standard (eq. 9):   ``x_{t+1} = (1+m) x_t - m x_{t-1} - alpha beta x_{t-tau_t}``
* shifted (eq. 10):   ``x_{t+1} = x_t + (m - alpha beta) x_{t-tau_t} - m x_{t-tau_t-1}``

(the last is eq. 10 with ``v_s = x_s - x_{s-1}``; the kernel's history ``x_s = x_0``,
``v_s = 0`` for ``s <= 0`` satisfies it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import MAX_STEPS, check_momentum, check_real, compiled_kernel
from .delays import Empirical, as_pmf

__all__ = ["MeanSquareResult", "AlmostSureResult", "LyapunovEstimate", "CRITERIA",
           "mean_square_gain", "mean_square_edge", "mean_square_edge_result",
           "lifted_matrix", "lifted_spectral_radius", "kronecker_edge",
           "lyapunov_exponents", "almost_sure_edge", "check_criterion", "criterion_edge"]

#: Stability notions accepted by ``criterion=`` in :mod:`stability.thresholds` and the CLI.
CRITERIA = ("mean", "mean-square", "almost-sure")

#: Relative accuracy of the mean-square gain integral (doubling rule, see mean_square_gain).
GAIN_RTOL = 1e-13
#: Two trapezoid sums on N/2 and N points agreeing to this accept the N-point sum: the
#: error falls like r**N, so the N-point error is about (this)**2 relative, below GAIN_RTOL.
_DOUBLING_RTOL = 1e-7
#: The certified march stops once the bracket of the first crossing is this narrow (relative).
BRACKET_RTOL = 1e-9
_MAX_GRID = 2**24
#: A scan root this close (relative) to the mean edge is taken to be the mean edge.
_MEAN_JUMP_RTOL = 1e-10  # the promised accuracy
_MAX_MARCH = 2000
_EPS = float(np.finfo(float).eps)
#: Factor on quadrature sums of bounds (a grid mean of a smooth positive bound).
_SAFETY = 1.25


def check_criterion(criterion) -> str:
    """Validate a stability criterion name (one of :data:`CRITERIA`)."""
    if not isinstance(criterion, str) or criterion not in CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r}; expected one of {CRITERIA}")
    return criterion


def _is_constant(pmf: np.ndarray) -> bool:
    return np.count_nonzero(pmf) == 1


# --------------------------------------------------------------------------------------
# Mean square: the frequency-domain gain
# --------------------------------------------------------------------------------------

class _Spectrum:
    """``z = e^{i theta_j}`` and ``D(z)`` on uniform grids of ``N`` points, cached per ``N``."""

    def __init__(self, pmf: np.ndarray, momentum: str, m: float):
        self.pmf, self.momentum, self.m = pmf, momentum, m
        self.beta = 1.0 if momentum == "none" else 1.0 - m
        self._grids = {}

    def grid(self, N: int):
        g = self._grids.get(N)
        if g is None:
            z = np.exp(2j * np.pi * np.arange(N) / N)
            D = np.fft.fft(self.pmf, N) if self.pmf.size <= N else _dft_folded(self.pmf, N)
            w = np.maximum(1.0 - (D.real**2 + D.imag**2), 0.0)  # 1 - |D|^2 >= 0
            if self.momentum == "none":
                c0, N0, f0 = z - 1.0, z - 1.0, 0.0 * z
            elif self.momentum == "standard":
                c0 = z - (1.0 + self.m) + self.m / z
                N0, f0 = c0, 0.0 * z
            else:
                f0 = self.m * (1.0 - 1.0 / z)
                c0 = z - 1.0 - D * f0
                N0 = z - 1.0
            g = (D, w, c0, N0, f0)
            self._grids[N] = g
        return g

    def terms(self, alpha: float, N: int):
        """``H = F/c``, ``dH/dalpha`` and the weight ``1 - |D|^2`` on the grid."""
        D, w, c0, N0, f0 = self.grid(N)
        b = self.beta
        c = c0 + alpha * b * D
        F = f0 - alpha * b
        H = F / c
        dH = -b * N0 / (c * c)
        return H, dH, w, c


def _dft_folded(pmf: np.ndarray, N: int) -> np.ndarray:
    """``sum_k p_k e^{-2 pi i j k / N}`` when the support is longer than ``N`` (fold mod N)."""
    folded = np.zeros(N)
    np.add.at(folded, np.arange(pmf.size) % N, pmf)
    return np.fft.fft(folded)


def _astrom(A: np.ndarray, B: np.ndarray):
    """:func:`_astrom_numpy` by the compiled loop of :mod:`stability._compiled` when numba is
    installed (the same operations in the same order: the same numbers, tested), else by
    numpy.  The numpy loop makes ``n`` passes of a few array operations each, about 0.1 s
    at degree 4096; the compiled loop does the same ``O(n^2)`` work in about 0.016 s."""
    kernel = _astrom_kernel()
    if kernel is None:
        return _astrom_numpy(A, B)
    s_, n1 = A.shape
    M = np.empty((s_, B.shape[1] + 1, n1))
    M[:, 0] = A
    M[:, 1:] = B
    out = np.empty((s_, B.shape[1]))
    stable = np.ones(s_, dtype=bool)
    kernel(M, stable, out)
    return out, stable


def _astrom_kernel():
    """The compiled Astrom loop, or None without numba (imported on first use only)."""
    return compiled_kernel("astrom", "auto")


def _astrom_numpy(A: np.ndarray, B: np.ndarray):
    """``(1/2pi) int |B(e^{it}) / A(e^{it})|^2 dt`` for many ``A`` and rows of ``B`` at once.

    ``A`` has shape ``(s, n+1)`` and ``B`` shape ``(s, r, n+1)``: real coefficients, highest
    power first.  Returns ``(I, stable)``: ``I`` of shape ``(s, r)`` and ``stable`` of shape
    ``(s,)``, True where every root of ``A`` is strictly inside the unit circle (``I`` is
    meaningless elsewhere).  The Schur-Cohn reduction ``a_i <- a_i - k a_{k-i}``,
    ``k = a_k / a_0`` (and ``b_i <- b_i - (b_k/a_0) a_{k-i}``) lowers the degree by one per
    step; ``A`` is stable iff every ``|k| < 1`` (Schur-Cohn-Jury), and then the integral is
    ``sum_k a_0^{(k)} (b_k^{(k)}/a_0^{(k)})^2 / a_0^{(n)}`` (K. J. Astrom, *Introduction
    to Stochastic Control Theory*, 1970, ch. 5): exact in ``O(n^2)`` operations, backward
    stable for a stable ``A``, and its cost does not depend on how close the roots are to
    the circle (a quadrature's does).
    """
    s_, n1 = A.shape
    n = n1 - 1
    if s_ == 1:
        return _astrom_one(A[0], B[0])
    M = np.empty((s_, B.shape[1] + 1, n1))
    M[:, 0] = A
    M[:, 1:] = B
    a0n = M[:, 0, 0].copy()
    total = np.zeros((s_, B.shape[1]))
    stable = np.ones(s_, dtype=bool)
    with np.errstate(all="ignore"):
        for k in range(n, 0, -1):
            ak0 = M[:, 0, 0]
            coef = M[:, :, k] / ak0[:, None]  # reflection coefficient (column 0) and the b's
            stable &= np.abs(coef[:, 0]) < 1.0
            total += ak0[:, None] * coef[:, 1:] ** 2
            M[:, :, :k] -= coef[:, :, None] * M[:, 0:1, k:0:-1]
        total += M[:, 1:, 0] ** 2 / M[:, 0:1, 0]
        out = total / a0n[:, None]
    stable &= np.all(np.isfinite(out), axis=1)
    return out, stable


def _astrom_one(A: np.ndarray, B: np.ndarray):
    """:func:`_astrom_numpy` for one ``A`` (fewer array operations per step)."""
    n = A.size - 1
    M = np.empty((B.shape[0] + 1, n + 1))
    M[0] = A
    M[1:] = B
    a0n = M[0, 0]
    total = np.zeros(B.shape[0])
    stable = True
    with np.errstate(all="ignore"):
        for k in range(n, 0, -1):
            coef = M[:, k] / M[0, 0]
            if not abs(coef[0]) < 1.0:
                stable = False
                break
            total += M[0, 0] * coef[1:] ** 2
            M[:, :k] -= np.multiply.outer(coef, M[0, k:0:-1])
        out = (total + M[1:, 0] ** 2 / M[0, 0]) / a0n
    stable = stable and bool(np.all(np.isfinite(out)))
    return out[None, :], np.array([stable])


#: A gain whose subtraction ``||h||^2 - ||D h||^2`` cancels more than this (ratio of
#: ``||h||^2`` to ``S``) is recomputed from the stick-breaking rows (see _gain_exact_pq).
GAIN_CANCEL_MAX = 1e3
#: Most stick-breaking rows per evaluation (each costs one more Astrom row, O(n^2)).
GAIN_MAX_ROWS = 64


def _stick_rows(pmf: np.ndarray, J: int):
    """Rows ``V_r`` (Laurent polynomials in ``z^-1``, coefficients over ``0..K``) and
    weights ``w_r`` with ``1 - |D/M_0|^2 = sum_r w_r |V_r(z)|^2`` on the unit circle.

    Support points sorted by decreasing mass ``a_0 >= a_1 >= ...`` (at delays ``k_i``),
    tail masses ``M_i = a_i + a_{i+1} + ...`` (summed from the small end).  The first
    ``J`` rows are ``V_i = z^{-k_i} - sum_{j>i} (a_j / M_{i+1}) z^{-k_j}`` (a delay minus
    the transform of the normalised rest) with weight ``a_i M_{i+1} / (M_0 M_i)``: no
    subtraction anywhere (each coefficient a quotient, each term non-negative; all
    coefficients and weights at most 1, so tiny masses neither overflow nor underflow
    them).  Unless ``J`` is the support size minus one (then the rest vanishes), two more
    rows carry the rest ``(M_J / M_0) (1 - |D_J / M_J|^2)``: ``V = 1`` with weight
    ``M_J / M_0`` and ``V = D_J / M_J`` with weight ``-M_J / M_0``.  Row 0 is always
    ``V = 1`` (``||h||^2``, weight 0 when there is no rest).  Also returns the tail masses
    ``M_i / M_0``."""
    K = pmf.size - 1
    support = np.flatnonzero(pmf)
    order = support[np.argsort(-pmf[support], kind="stable")]
    a = pmf[order]
    tails = np.cumsum(a[::-1])[::-1]  # M_i, from the small end
    M0 = float(tails[0])
    J = min(J, order.size - 1)
    rest = J < order.size - 1
    rows, weights = [], []
    one = np.zeros(K + 1)
    one[0] = 1.0
    rows.append(one)
    weights.append(float(tails[J]) / M0 if rest else 0.0)
    if rest:
        DJ = np.zeros(K + 1)
        DJ[order[J:]] = a[J:] / tails[J]
        rows.append(DJ)
        weights.append(-float(tails[J]) / M0)
    for i in range(J):
        V = np.zeros(K + 1)
        V[order[i + 1:]] = -a[i + 1:] / tails[i + 1]
        V[order[i]] = 1.0
        rows.append(V)
        weights.append(float(a[i]) / M0 * (float(tails[i + 1]) / float(tails[i])))
    return np.array(rows), np.array(weights), tails / M0


def _gain_rows(P, Q, momentum, m, alphas, rows, weights):
    """``(S, stable, I)``: ``S = sum_r w_r ||V_r h||^2`` by :func:`_astrom`, ``I`` the
    integrals ``||V_r F G||^2`` (without the factor ``(alpha beta)^2`` of plain/standard)."""
    beta = 1.0 if momentum == "none" else 1.0 - m
    A = P[None, :] + alphas[:, None] * Q[None, :]
    nr, K1 = rows.shape
    B = np.zeros((alphas.size, nr, P.size))
    if momentum == "shifted":  # F = f - m z^-1: the row times F, placed after the leading coefficient
        f = m - alphas * beta
        B[:, :, 1:K1 + 1] = f[:, None, None] * rows[None]
        B[:, :, 2:K1 + 2] -= m * rows[None]
        I, stable = _astrom(A, B)
        return I @ weights, stable, I
    B[:, :, 1:K1 + 1] = rows[None]
    I, stable = _astrom(A, B)
    return (alphas * beta) ** 2 * (I @ weights), stable, I


def _gain_exact_pq(P, Q, momentum, m, alphas):
    r"""``S`` at every ``alpha`` (array) by :func:`_astrom`, without cancellation;
    returns ``(S, mean_stable)``.

    ``1 - |D|^2`` is the variance of ``z^{-tau}`` (``|z| = 1``), and splitting the pmf
    into its largest mass ``a_0`` (at ``k_0``) and the rest ``nu`` (mass ``M_1``, transform
    ``D_1``) splits the variance as for any mixture:

    .. math::  1 - |D|^2 = \frac{a_0}{M_1} |M_1 z^{-k_0} - D_1|^2
               + \frac{1}{M_1}\bigl(M_1^2 - |D_1|^2\bigr),

    (expand both sides with ``D = a_0 z^{-k_0} + D_1``, ``a_0 + M_1 = 1``).  The second
    term is the same quantity for ``nu``, scaled; repeating the split ("stick breaking",
    :func:`_stick_rows`) writes ``1 - |D|^2`` as a sum of ``|V_r|^2`` with positive
    weights and coefficients formed without subtraction, so that
    ``S = sum_r w_r ||V_r h||^2``, each an Astrom integral of a non-negative function.
    The plain form ``S = ||h||^2 - ||D h||^2`` (two rows) loses ``log10(||h||^2 / S)``
    digits: about ``1 / e`` for mass ``1 - e`` at one delay.  So: first the two-row form;
    where its ratio ``||h||^2 / S`` exceeds ``GAIN_CANCEL_MAX = 1e3``, again with the
    fewest ``J`` split rows that bring the ratio of the rest, ``M_J ||h||^2 / S``, under
    that bound (at most ``GAIN_MAX_ROWS = 64``; with ``J`` = support size minus one
    there is no rest at all).  Hence ``S`` is computed with at most 1e3 times the
    rounding of one Astrom integral (in practice about 1e-13 relative), except for pmfs
    that need more than 64 split rows (more than 64 support points none of which
    dominates, and yet ``1 - |D|^2`` tiny at the crossing frequency), where the ratio left
    is ``M_64 ||h||^2 / S``.  The usual pmfs (ratio below 1e3) cost the two-row pass only.
    """
    return _gain_exact(P, Q, momentum, m, alphas)[:2]


def _gain_exact(P, Q, momentum, m, alphas, J: int = 0):
    """:func:`_gain_exact_pq` starting with ``J`` split rows (a hint: a caller that
    evaluates ``S`` many times passes the ``J`` returned last, and so avoids computing a
    point twice); returns ``(S, stable, ratio, J)``: ``ratio`` is ``||h||^2 / S``, the
    cancellation ratio of the plain form (``inf`` where ``S <= 0`` or the mean is
    unstable), ``J`` the split rows finally used."""
    alphas = np.atleast_1d(np.asarray(alphas, dtype=float))
    beta = 1.0 if momentum == "none" else 1.0 - m
    pmf = Q[1:] / beta  # z^n D(z): the pmf placed after the leading coefficient
    pmf = pmf[: int(np.flatnonzero(pmf)[-1]) + 1]
    size = np.count_nonzero(pmf)
    J = min(J, size - 1)
    tails = None
    if J == 0:  # the plain form, built directly: _stick_rows(pmf, 0) with less overhead
        rows = np.zeros((2, pmf.size))
        rows[0, 0] = 1.0
        rows[1] = pmf / float(np.sum(pmf))
        weights = np.array([1.0, -1.0])
        rest = 1.0
    else:
        rows, weights, tails = _stick_rows(pmf, J)
        rest = float(tails[J]) if J < size - 1 else 0.0
    S, stable, I = _gain_rows(P, Q, momentum, m, alphas, rows, weights)
    if size == 1:  # constant delay: |D| = 1 on the circle
        return np.zeros_like(S), stable, np.ones_like(S), 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        scale = 1.0 if momentum == "shifted" else (alphas * beta) ** 2
        ratio = np.where(stable & (S > 0), I[:, 0] * scale / S, np.inf)
        redo = np.flatnonzero(stable & ~(ratio * rest <= GAIN_CANCEL_MAX))
    if redo.size:
        # the rest after J rows has the ratio tails[J] * ratio: fewest J bringing it under the bound
        if tails is None:
            _, _, tails = _stick_rows(pmf, 0)
        need = GAIN_CANCEL_MAX / ratio[redo]
        ok = tails[None, :] <= need[:, None]
        ok[:, -1] = True  # J = support - 1: no rest
        J_new = min(int(np.max(np.argmax(ok, axis=1))), GAIN_MAX_ROWS)
        if J_new > J:
            J = J_new
            rows, weights, _ = _stick_rows(pmf, J)
            S[redo], stable[redo], _ = _gain_rows(P, Q, momentum, m, alphas[redo], rows, weights)
    return S, stable, ratio, J


def _start_grid(pmf: np.ndarray) -> int:
    return max(256, 1 << int(math.ceil(math.log2(4 * (pmf.size + 2)))))


def _gain(spec: _Spectrum, alpha: float, N: int, max_grid: int = _MAX_GRID):
    """``(S, S', N)``: gain and its alpha-derivative by the trapezoid rule, doubling N;
    the returned ``N`` is the smaller grid that already agreed (a start for the next call)."""
    prev = None
    while True:
        H, dH, w, _ = spec.terms(alpha, N)
        H2 = H.real**2 + H.imag**2
        S = float(np.mean(w * H2))
        dS = float(np.mean(w * 2.0 * (H.real * dH.real + H.imag * dH.imag)))
        # Rounding floor: 1 - |D|^2 carries an absolute error of a few eps per point.
        floor = 16 * _EPS * float(np.mean(H2))
        if prev is not None and abs(S - prev) <= _DOUBLING_RTOL * S + floor + 1e-300:
            return S, dS, N // 2  # N // 2 was already enough: start there next time
        if N >= max_grid:
            raise ArithmeticError(f"mean-square gain at alpha={alpha!r} not converged on {N} points "
                                  "(a root of the mean polynomial is too close to the unit circle)")
        prev = S
        N *= 2


def mean_square_gain(delay, alpha: float, *, momentum: str = "none", m: float = 0.0) -> float:
    r"""The renewal gain ``S(alpha)`` whose crossing of 1 is the mean-square edge.

    .. math::  S(\alpha) = \frac{1}{2\pi}\int_0^{2\pi} |H(e^{i\theta})|^2
               \bigl(1 - |D(e^{i\theta})|^2\bigr)\, d\theta, \qquad H = \frac{F}{z - 1 - D F}

    for plain and shifted momentum (standard: ``H = F / (z - (1+m) + m/z - D F)``), with
    ``F`` the filter whose stale value the step applies (:func:`mean_square_edge`, Notes).
    Only meaningful where the mean polynomial is stable (all roots inside the circle).

    Parameters
    ----------
    delay : int or DelayDistribution
        Constant delay or delay distribution.
    alpha : float
        ``a * eta > 0``, below the mean edge.
    momentum : {"none", "standard", "shifted"}
        Optimizer.
    m : float
        Momentum coefficient, ``0 <= m < 1``.

    Returns
    -------
    float
        ``S(alpha) >= 0``; 0 for a constant delay.  An ``alpha`` at or above the mean
        edge (mean recursion not stable, Schur-Cohn test) raises ValueError, and so does a
        support beyond ``MS_MAX_DELAY``.  Relative accuracy about ``GAIN_RTOL`` (1e-13),
        or ``16 eps ||h||^2`` absolute, whichever is larger: the trapezoid rule on ``N``
        points, doubling ``N`` until two successive values agree to 1e-7; the rule
        converges geometrically, like ``r^N`` with ``r`` the largest root modulus of the
        mean polynomial, so the accepted value's error is about the square of that
        difference.  Tested against Astrom's exact algorithm to 1e-11.  The absolute
        term is the rounding of the weight ``1 - |D|^2``; where it would dominate, i.e.
        where ``||h||^2 / S > GAIN_CANCEL_MAX = 1e3`` (nearly constant delays: about
        ``1 / e`` for a mass ``1 - e`` at one delay), the value is instead Astrom's
        without cancellation (see ``_gain_exact_pq``): relative accuracy about 1e-13 at
        small supports (tested against a 40-digit quadrature to 1e-11).

    Examples
    --------
    >>> from stability import Uniform
    >>> mean_square_gain(5, 0.1)
    0.0
    >>> round(mean_square_gain(Uniform(1, 2), 0.5), 12)
    0.107142857143
    """
    from .polynomials import polynomial_pair

    alpha = check_real(alpha, "alpha", low=0.0, low_inclusive=False)
    momentum, m = check_momentum(momentum, m)
    pmf = np.asarray(as_pmf(delay), dtype=float)
    _check_ms_size(pmf)
    # S is the gain of a renewal equation only while the mean recursion is stable; at or
    # above the mean edge the integral is a meaningless finite number: refuse it.
    P, Q = polynomial_pair(Empirical(pmf), momentum=momentum, m=m)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # a huge alpha overflows: unstable
        S_exact, stable, ratio, _ = _gain_exact(P, Q, momentum, m, np.array([alpha]))
    if not stable[0]:
        raise ValueError(f"alpha={alpha!r} is at or above the mean edge of delay={delay!r} "
                         f"(momentum={momentum!r}, m={m!r}): the mean-square gain is defined below it only")
    if _is_constant(pmf):
        return 0.0
    if not ratio[0] <= GAIN_CANCEL_MAX:  # the trapezoid's floor 16 eps ||h||^2 would dominate
        return float(S_exact[0])
    spec = _Spectrum(pmf, momentum, m)
    return _gain(spec, alpha, _start_grid(pmf))[0]


@dataclass(frozen=True)
class MeanSquareResult:
    """The mean-square edge with the evidence for it.

    Attributes
    ----------
    alpha : float
        Mean-square edge: the smallest ``alpha > 0`` at which the lifted second-moment map
        reaches spectral radius 1.
    limited_by : str
        ``"gain"`` (``S(alpha) = 1`` first), ``"mean"`` (the mean edge comes first, or the
        delay is constant), never both.
    bracket : tuple of float
        ``(lo, hi)``: ``S < 1`` is certified on ``(0, lo]`` and ``S(hi) >= 1`` (``hi`` is the
        mean edge when ``limited_by == "mean"``).
    evaluations : int
        Evaluations of ``S``.
    grid_size : int
        Largest quadrature grid used.
    certified : bool
        True when the ``"certified"`` method proved ``S < 1`` and mean stability on
        ``(0, bracket[0]]`` and ``S >= 1`` (or mean instability) at ``bracket[1]``, with a
        bracket at most ``CERTIFIED_WIDTH = 1e-6`` wide (relative), so that ``alpha`` is
        vouched for to that accuracy.  False for the scan, and where the march ran out of
        steps or stalled (momentum near 1): ``alpha`` is then the scan's crossing, which an
        earlier excursion may precede inside the bracket (seen 0.5% to 3.6% high at
        ``m = 0.999 .. 0.9999``); the bracket still holds the edge.
    """

    alpha: float
    limited_by: str
    bracket: tuple[float, float]
    evaluations: int
    grid_size: int
    certified: bool = False


def _certified_step(spec: _Spectrum, alpha: float, S: float, dS: float, N: int) -> float:
    """A step ``delta`` such that ``S < 1`` on ``[alpha, alpha + delta]`` (see Notes of
    :func:`mean_square_edge`): the larger of a first-order (Lipschitz) and a second-order
    (Taylor) certificate, each checked with bounds valid on the whole step."""
    H, _, w, c = spec.terms(alpha, N)
    D, _, _, N0, _ = spec.grid(N)
    absc, absD, absN0 = np.abs(c), np.abs(D), np.abs(N0)
    absH = np.abs(H)
    b = spec.beta
    cap = 0.5 * float(absc.min()) / b  # keeps |c| >= |c(alpha)| / 2 on the step
    room = 1.0 - math.sqrt(S)
    best = 0.0
    # First order: sqrt(S) is Lipschitz with constant sqrt(J), J = mean(w |dH/dalpha|^2).
    J0 = float(np.mean(w * (b * absN0) ** 2 / absc**4))
    delta = min(0.9 * room / math.sqrt(J0) if J0 > 0 else cap, cap)
    for _ in range(40):
        lower = absc - delta * b * absD
        J = _SAFETY * float(np.mean(w * (b * absN0) ** 2 / lower**4))
        if math.sqrt(S) + delta * math.sqrt(J) < 1.0:
            best = delta
            break
        delta *= 0.5
    # Second order: S(alpha + s) <= S + S' s + M2 s^2 / 2 with M2 >= |S''| on the step,
    # S'' = mean(w 2 (|H'|^2 + Re(conj(H) H''))), H' = -b N0 / c^2, H'' = 2 b^2 N0 D / c^3.
    M20 = float(np.mean(w * 2.0 * ((b * absN0) ** 2 / absc**4 + absH * 2 * b * b * absN0 * absD / absc**3)))
    delta = min(_quadratic_step(S, dS, 2.0 * M20), cap)
    for _ in range(40):
        if delta <= best:
            break
        lower = absc - delta * b * absD
        Hmax = absH * absc / lower + delta * b / lower  # |F| grows by at most delta b
        M2 = _SAFETY * float(np.mean(w * 2.0 * ((b * absN0) ** 2 / lower**4
                                                + Hmax * 2 * b * b * absN0 * absD / lower**3)))
        if S + max(dS, 0.0) * delta + 0.5 * M2 * delta * delta < 1.0:
            best = delta
            break
        delta *= 0.7
    return best


def _quadratic_step(S: float, dS: float, M2: float) -> float:
    """Largest ``s`` with ``S + max(dS, 0) s + M2 s^2 / 2 <= 1`` (times 0.999)."""
    g = max(dS, 0.0)
    room = 1.0 - S
    if M2 <= 0:
        return 0.999 * room / g if g > 0 else math.inf
    return 0.999 * 2.0 * room / (g + math.sqrt(g * g + 2.0 * M2 * room))


MS_METHODS = ("auto", "scan", "certified", "trapezoid")
#: Ratio between consecutive points of the upward scan of the "scan" method.
MS_SCAN_RATIO = 1.25
#: Points per batch of the scan (evaluated together by one vectorised Schur-Cohn pass).
MS_SCAN_POINTS = 8
#: Once the gain reaches this level the scan continues at the finer ratio below.
MS_FINE_LEVEL = 0.25
#: Ratio between consecutive points of the scan where the gain is at least MS_FINE_LEVEL.
MS_FINE_RATIO = 1.02
#: "auto" runs the certified march for supports up to this many points (measured worst case
#: 0.27 s on the inputs of benchmarks/bench_ms_certify.py, 0.85 s on a review's input where
#: the step budget ends it; the scan alone above).
MS_CERTIFY_SUPPORT = 65
#: ``MeanSquareResult.certified`` needs a certified bracket at most this wide (relative).
CERTIFIED_WIDTH = 1e-6
#: brentq stops at this relative bracket width (the gain itself is exact to ~1e-13).
_BRENT_RTOL = 1e-13
#: Largest delay (support ``0..MS_MAX_DELAY``) of the mean-square gain and edge: one
#: evaluation of the gain costs ``O(K^2)`` (measured at load 2.6: 0.17 s at this size, so
#: 3.5 s for the edge of uniform delays without momentum and 27 s with shifted momentum
#: 0.9; 3.3 s per evaluation at 65535, minutes per edge).  Larger supports raise
#: ValueError (the CLI: exit status 2).
MS_MAX_DELAY = 16384


#: From this degree of the mean polynomial on, the scan asks for the mean edge first.
_EAGER_MEAN_DEGREE = 2048
#: From this degree on, scan points are first screened by the bound ``S <= ||h||^2``.
_BOUND_DEGREE = 256


def _check_ms_size(pmf: np.ndarray) -> None:
    """Refuse a support beyond :data:`MS_MAX_DELAY` (ValueError naming both)."""
    if pmf.size - 1 > MS_MAX_DELAY:
        raise ValueError(f"the mean-square criterion supports delays up to MS_MAX_DELAY = {MS_MAX_DELAY}; "
                         f"this pmf reaches delay {pmf.size - 1} (each gain evaluation costs O(K^2))")


def _scan_batch(n: int) -> int:
    """Points per scan batch for a mean polynomial of degree ``n``: 8 where one evaluation
    costs less than numpy's overhead per call, down to 1 from degree 1024 on (each point
    past the first bad one is wasted, and batching saves nothing there)."""
    return int(np.clip(MS_SCAN_POINTS * (256.0 / max(n, 1)) ** 2, 1, MS_SCAN_POINTS))


def mean_square_edge_result(delay, *, momentum: str = "none", m: float = 0.0,
                            method: str = "auto") -> MeanSquareResult:
    """Mean-square edge with its bracket and cost.  See :func:`mean_square_edge`.

    Parameters
    ----------
    delay : int or DelayDistribution
        Constant delay or delay distribution.
    momentum : {"none", "standard", "shifted"}
        Optimizer.
    m : float
        Momentum coefficient.
    method : {"auto", "scan", "certified", "trapezoid"}
        ``"scan"``: exact gain by Astrom's algorithm, two-speed geometric scan and brentq
        (not certified).  ``"certified"``: the scan's edge confirmed, or lowered to an
        earlier crossing, by the certified march of :mod:`stability._ms_certify`.
        ``"auto"``: ``"certified"`` for supports up to ``MS_CERTIFY_SUPPORT`` points,
        ``"scan"`` above.  ``"trapezoid"``: the previous reference (trapezoid gain and a
        step-bounded march; slow; kept as an independent check).
    """
    from .thresholds import threshold

    if method not in MS_METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {MS_METHODS}")
    momentum, m = check_momentum(momentum, m)
    pmf = np.asarray(as_pmf(delay), dtype=float)
    if _is_constant(pmf):
        mean_edge = threshold(delay, momentum=momentum, m=m)
        return MeanSquareResult(mean_edge, "mean", (mean_edge, mean_edge), 0, 0)
    if method == "trapezoid":
        return _certified_edge(delay, pmf, momentum, m, threshold(delay, momentum=momentum, m=m))
    scan = _scan_edge(delay, pmf, momentum, m, lambda: threshold(delay, momentum=momentum, m=m))
    if method == "auto":
        method = "certified" if pmf.size <= MS_CERTIFY_SUPPORT else "scan"
    if method == "scan":
        return scan
    return _march_edge(delay, pmf, momentum, m, scan, lambda: threshold(delay, momentum=momentum, m=m))


def _march_edge(delay, pmf, momentum, m, scan: MeanSquareResult, mean_edge_fn) -> MeanSquareResult:
    """The scan's edge confirmed (or lowered) by the certified march of
    :mod:`stability._ms_certify`."""
    from scipy.optimize import brentq

    from . import _ms_certify
    from .closed_forms import edge_constant_delay
    from .polynomials import polynomial_pair

    P, Q = polynomial_pair(Empirical(pmf), momentum=momentum, m=m)
    evals = scan.evaluations

    def gain(a):
        nonlocal evals
        evals += 1
        with np.errstate(over="ignore", invalid="ignore"):
            S, stable = _gain_exact_pq(P, Q, momentum, m, np.array([a]))
        return float(S[0]), bool(stable[0])

    def root(lo, hi):
        return float(brentq(lambda a: _crossing_value(*gain(a)), lo, hi, xtol=1e-300, rtol=_BRENT_RTOL))

    known = []

    def mean_edge():
        if not known:
            known.append(float(mean_edge_fn()))
        return known[0]

    first = edge_constant_delay(int(math.ceil(float(np.dot(np.arange(pmf.size), pmf))))) / 8.0
    first = min(first, 0.5 * scan.alpha)
    try:
        # a "mean" scan aims at the certified mean edge itself: the scan labels "mean" a
        # brentq root next to a mean-unstable reading, which near m = 1 can lie 7e-9 below
        # the mean edge where S is far below 1 (the float stability test is noise there)
        march = _ms_certify.certified_first_crossing(
            P, Q, pmf, momentum, m, alpha_first=first,
            target=scan.alpha if scan.limited_by == "gain" else mean_edge(),
            target_bad=scan.limited_by == "gain", gain=gain, astrom=_astrom, root=root,
            mean_edge=mean_edge)
    except _ms_certify.NoStart:
        # the start interval could not be certified (momentum within about 1e-4 of 1):
        # the scan's answer, marked as not certified
        return MeanSquareResult(scan.alpha, scan.limited_by, scan.bracket, evals, 0, False)
    # hi: a point above the crossing where S >= 1 beyond its rounding allowance, or the
    # certified mean edge (times 1 + 1e-10); computed by the march (certified_bad_point)
    limited_by = "gain" if march.hi_bad else "mean"
    hi = march.bad
    # certified: the bracket is narrow enough to vouch for alpha (else alpha is the scan's,
    # and only the bracket is proved: the march ran out of steps or stalled, near m = 1)
    certified = hi - march.lo <= CERTIFIED_WIDTH * hi
    return MeanSquareResult(march.hi, limited_by, (march.lo, hi), evals, 0, certified)


def _crossing_value(S: float, mean_stable: bool) -> float:
    """What brentq solves for the crossing: ``1 - 1/S`` where the mean is stable, ``1``
    where it is not (its limit when ``S`` has a pole at the mean edge, so the function is
    continuous there).  ``S`` underflowing to 0 (a negligible tail) is still good: -1 (it
    used to return +1 there, and brentq saw no sign change)."""
    if not mean_stable:
        return 1.0
    return float(1.0 - 1.0 / S) if S > 1e-300 else -1.0


def _scan_edge(delay, pmf, momentum, m, mean_edge_fn) -> MeanSquareResult:
    from scipy.optimize import brentq

    from .closed_forms import edge_constant_delay
    from .polynomials import polynomial_pair

    _check_ms_size(pmf)
    P, Q = polynomial_pair(Empirical(pmf), momentum=momentum, m=m)
    batch = _scan_batch(P.size - 1)
    known = []

    def mean_edge():
        if not known:
            known.append(float(mean_edge_fn()))
        return known[0]

    # The mean edge bounds the scan (see below).  It costs as much as 100 evaluations of S
    # at degree 256, 20 at 1024 and 3 at 2048: ask for it first only where evaluations are
    # dear (and if it fails, scan without it, as below that degree).
    cap = math.inf
    if P.size - 1 >= _EAGER_MEAN_DEGREE:
        try:
            cap = mean_edge()
        except ArithmeticError:
            pass
    evals = 0
    seen = {}
    split = [0]

    def gain(alphas):
        nonlocal evals
        alphas = np.atleast_1d(np.asarray(alphas, dtype=float))
        if alphas.size == 1 and float(alphas[0]) in seen:
            return seen[float(alphas[0])]
        evals += alphas.size
        S, stable, _, J = _gain_exact(P, Q, momentum, m, alphas, split[0])
        split[0] = J  # the split rows this pmf needed: start there next time
        for a, S_a, st_a in zip(alphas, S, stable):
            seen[float(a)] = (np.array([S_a]), np.array([st_a]))
        return S, stable

    def bad(S, stable):
        return ~stable | (S >= 1.0)

    one = np.zeros((1, pmf.size))
    one[0, 0] = 1.0
    cheap = [P.size - 1 >= _BOUND_DEGREE]  # where a pass costs more than numpy's overhead

    def scan_gain(alphas, level):
        """``(S', stable)`` for the scan, which compares ``S`` with thresholds ``>= level``
        only: ``S' = S``, or the bound ``||h||^2 >= S`` where that is below ``level``
        (``0 <= 1 - |D|^2 <= 1``): one Astrom row fewer (3 passes instead of 4 per
        reduction step).  After the first point where the bound does not decide, ``S``
        itself (no point is reduced twice more than once)."""
        nonlocal evals
        alphas = np.atleast_1d(np.asarray(alphas, dtype=float))
        if not cheap[0]:
            return gain(alphas)
        evals += alphas.size
        U, stable, _ = _gain_rows(P, Q, momentum, m, alphas, one, np.ones(1))
        open_ = np.flatnonzero(stable & ~(U < level * (1.0 - 1e-9)))
        if open_.size:
            cheap[0] = False
            U[open_], stable[open_] = gain(alphas[open_])
        return U, stable

    # 1. The scan: MS_SCAN_POINTS points at ratio MS_SCAN_RATIO per batch, from a start
    #    well inside (lowered by 16 until the first point is mean stable with S < 1).
    start = edge_constant_delay(int(math.ceil(float(np.dot(np.arange(pmf.size), pmf))))) / 8.0
    for _ in range(40):
        S0, st0 = gain(start)
        if not bad(S0, st0)[0]:
            break
        start /= 16.0
    else:
        raise ArithmeticError(f"no mean-square stable alpha found (delay={delay!r}, momentum={momentum!r}, "
                              f"m={m!r}): the gain is {S0[0]:.6g} at alpha={start:.3g}")
    #    Two speeds: ratio MS_SCAN_RATIO while S < MS_FINE_LEVEL, then MS_FINE_RATIO from
    #    the last coarse point below that level (excursions of S above 1 seen in tests
    #    start from S >= 0.4 and span a factor >= 1.05; see mean_square_edge, Notes).
    #    The mean edge is an upper bound (bad, or the jump): a batch that would pass it
    #    ends there instead, so no point above it is evaluated while one below is unknown.
    lo, fine = start, float(S0[0]) >= MS_FINE_LEVEL
    for _ in range(4000):
        ratio = MS_FINE_RATIO if fine else MS_SCAN_RATIO
        grid = lo * ratio ** np.arange(1, batch + 1)
        if lo < cap <= grid[-1]:
            grid = np.append(grid[grid < cap], cap)
        S, stable = scan_gain(grid, 1.0 if fine else MS_FINE_LEVEL)
        b = bad(S, stable)
        stop = b if fine else b | (S >= MS_FINE_LEVEL)
        if stop.any():
            i = int(np.argmax(stop))
            if fine or b[i]:
                hi = float(grid[i])
                lo = float(grid[i - 1]) if i > 0 else lo
                if not fine:  # a bad point right after a coarse step: scan that cell finely
                    fine, lo_bad = True, hi
                    lo, hi = _fine_cell(lambda a: scan_gain(a, 1.0), bad, lo, lo_bad)
                break
            lo = float(grid[i - 1]) if i > 0 else lo
            fine = True
            continue
        lo = float(grid[-1])
    else:
        raise ArithmeticError(f"no mean-square edge found below alpha={lo:.4g} (delay={delay!r})")

    # 2. brentq on g = 1 - 1/S where the mean is stable, 1 where it is not: S usually
    #    has a pole at the mean edge, so g is continuous there (fewer iterations than S - 1).
    #    Every bad point brentq sees is kept: the one next to the root says which condition
    #    failed first.
    bad_pts = []

    def g(a):
        S_a, st_a = gain(a)
        if not st_a[0]:
            bad_pts.append((a, False))
            return 1.0
        val = _crossing_value(float(S_a[0]), True)
        if val >= 0:
            bad_pts.append((a, True))
        return val

    if hi == cap and not gain(cap)[1][0]:  # (seen in the scan: no evaluation)
        # The first bad point is the mean edge, mean unstable: unless S >= 1 just below it
        # (a pole of S, or a crossing), the edge is the mean edge within 2e-13: skip the
        # brentq iterations that a jump of g would cost (about 40, bisection).
        below = cap * (1.0 - 2 * _BRENT_RTOL)
        if below > lo and not bad(*gain(below))[0]:
            return MeanSquareResult(cap, "mean", (below, cap), evals, 0)
    alpha = brentq(g, lo, hi, xtol=1e-300, rtol=max(_BRENT_RTOL, 2 * _EPS * (P.size - 1)))
    # Which condition failed first: the gain (S reaches 1) or the mean recursion (the jump
    # of g from S - 1 < 0 to +1 at the mean edge)?  The bad point brentq ended next to
    # says: mean stable there (S >= 1) is a gain crossing, mean unstable is the jump (or
    # a gain crossing within brentq's tolerance of it).  (Deciding from the size of S at
    # the root was wrong for m near 1, where S carries rounding noise of 1e-3; deciding by
    # the distance to the mean edge, below 1e-10, returned the mean edge up to 1e-10
    # above a gain crossing just below it, for nearly constant delays.)
    end_stable = min((a, st_a) for a, st_a in bad_pts if a >= alpha)[1]  # hi is among them
    if not end_stable and abs(alpha / mean_edge() - 1.0) <= _MEAN_JUMP_RTOL:
        return MeanSquareResult(mean_edge(), "mean", (lo, hi), evals, 0)
    return MeanSquareResult(float(alpha), "gain" if end_stable else "mean", (lo, hi), evals, 0)


def _fine_cell(gain, bad, lo: float, hi: float):
    """First bad point of a fine scan (ratio ``MS_FINE_RATIO``) of ``(lo, hi]``, ``hi`` bad:
    returns ``(good, bad)`` neighbours."""
    n = max(1, int(math.ceil(math.log(hi / lo) / math.log(MS_FINE_RATIO))))
    grid = np.append(lo * (hi / lo) ** (np.arange(1, n) / n), hi)
    S, stable = gain(grid)
    i = int(np.argmax(bad(S, stable)))
    return (float(grid[i - 1]) if i > 0 else lo), float(grid[i])


def _certified_edge(delay, pmf, momentum, m, mean_edge) -> MeanSquareResult:
    spec = _Spectrum(pmf, momentum, m)
    N0 = _start_grid(pmf)
    N = N0
    N_used = N0
    evals = 0

    def gain(a, max_grid=_MAX_GRID):
        # Start one level below the last grid that sufficed, so the grid also shrinks.
        nonlocal N, N_used, evals
        evals += 1
        S, dS, N_ok = _gain(spec, a, max(N0, N // 2), max_grid=max_grid)
        N = N_ok
        N_used = max(N_used, 2 * N_ok)
        return S, dS

    # 1. A point inside: S -> S(0+) as alpha -> 0+ (0 without momentum), so go down until S < 1.
    lo = mean_edge / 16.0
    S_lo, dS_lo = gain(lo)
    while S_lo >= 1.0:
        lo /= 16.0
        if lo < mean_edge * 1e-12:
            raise ArithmeticError(f"the mean-square gain is {S_lo:.6g} >= 1 down to alpha={lo:.3g} "
                                  f"(delay={delay!r}, momentum={momentum!r}, m={m!r}): no mean-square "
                                  "stable learning rate")
        S_lo, dS_lo = gain(lo)
    hi, hi_is_mean = mean_edge, True
    # 2. Certified march: S < 1 on (0, lo] at every step; Newton probes find an upper end.
    for _ in range(_MAX_MARCH):
        delta = _certified_step(spec, lo, S_lo, dS_lo, N)
        if lo + delta >= hi:
            if hi_is_mean:
                return MeanSquareResult(mean_edge, "mean", (lo, hi), evals, N_used)
            raise ArithmeticError(f"certified step passed a point with S >= 1 (alpha={hi!r})")
        if delta <= 0.0 or lo >= mean_edge * (1 - 1e-13):
            if hi_is_mean:  # the march stalls only next to the mean edge (poles on the circle)
                return MeanSquareResult(mean_edge, "mean", (lo, hi), evals, N_used)
            break
        lo += delta
        S_lo, dS_lo = gain(lo)
        if S_lo >= 1.0:  # impossible by the certificate; guard against a bound failure
            raise ArithmeticError(f"certified step overshot at alpha={lo!r} (S={S_lo!r})")
        if not hi_is_mean and hi / lo - 1.0 <= BRACKET_RTOL:
            break
        if dS_lo > 0 and (1.0 - S_lo) / dS_lo < 4.0 * delta:  # probe only near the crossing
            # Twice the Newton step (S may be concave there), plus a hair above the rounding
            # level: once the certified point is within 1e-10 of the crossing, this brackets it.
            probe = lo + 2.0 * (1.0 - S_lo) / dS_lo + lo * 2e-10
            if probe < hi:
                try:  # a probe is optional: give up on it next to the mean edge
                    S_p, _ = gain(probe, max_grid=max(64 * N0, 4 * N))
                except ArithmeticError:
                    continue
                if S_p >= 1.0:
                    hi, hi_is_mean = probe, False
                    if hi / lo - 1.0 <= BRACKET_RTOL:
                        break
    else:
        raise ArithmeticError(f"mean-square edge not bracketed in {_MAX_MARCH} steps (delay={delay!r})")
    from scipy.optimize import brentq

    alpha = brentq(lambda a: gain(a)[0] - 1.0, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps)
    return MeanSquareResult(float(alpha), "gain", (lo, hi), evals, N_used)


def mean_square_edge(delay, *, momentum: str = "none", m: float = 0.0, method: str = "auto") -> float:
    r"""Mean-square edge: the largest ``alpha = a*eta`` below which ``E[x_t^2] -> 0``.

    Parameters
    ----------
    delay : int or DelayDistribution
        Constant delay or delay distribution (i.i.d. delays drawn from it).
    momentum : {"none", "standard", "shifted"}
        Optimizer.
    m : float
        Momentum coefficient, ``0 <= m < 1``.
    method : {"auto", "scan", "certified", "trapezoid"}
        ``"auto"``: ``"certified"`` for supports up to ``MS_CERTIFY_SUPPORT = 65`` points,
        ``"scan"`` above.  ``"scan"``: the gain exactly by Astrom's algorithm, a two-speed
        geometric scan and brentq (fast; the first crossing is not certified, see Notes).
        ``"certified"``: the scan's edge checked by a march that proves ``S < 1`` and mean
        stability below it, and finds an earlier crossing if there is one (see Notes;
        any support, 0.01 to 1 s at supports up to 64, seconds above 128).
        ``"trapezoid"``: the previous reference march on a trapezoid gain (slow).

    Returns
    -------
    float
        The edge; for a constant delay exactly the mean edge :func:`stability.threshold`.

    Raises
    ------
    ArithmeticError
        No mean-square stable ``alpha`` exists (``S(0+) >= 1``), or the quadrature did not
        converge (a root of the mean polynomial within about ``1e-6`` of the circle).
    ValueError
        A random delay whose support reaches beyond ``MS_MAX_DELAY`` (16384), by the
        default method.

    Notes
    -----
    **Frequency-domain form.**  Each scheme is ``x_{t+1} = (L x)_t + y_{t - tau_t}``: a
    deterministic linear part plus the stale value of a filtered signal ``y = F(z) x``
    (plain: ``F = -alpha``; standard: ``F = -alpha (1-m)`` with
    ``L x = (1+m) x_t - m x_{t-1}``; shifted: ``F = (m - alpha(1-m)) - m z^{-1}``).  Split
    the random selection into its mean and a fluctuation,

    .. math::  y_{t-\tau_t} = (Dy)_t + w_t, \quad (Dy)_t = \sum_k p_k y_{t-k}, \quad
               w_t = \sum_k (1[\tau_t = k] - p_k)\, y_{t-k}.

    Given the past ``F_t``, ``w_t`` has mean 0 and variance
    ``sum_k p_k y_{t-k}^2 - (Dy)_t^2``; the ``w_t`` are martingale differences, hence
    uncorrelated with each other and with everything before them.  The mean recursion is
    linear, so ``x = x^{det} + G w`` and ``y = y^{det} + H w`` with ``G = 1/c(z)``,
    ``c(z) = z - 1 - D F`` (standard: ``z - (1+m) + m/z - D F``, the paper's polynomial
    divided by a power of ``z``) and ``H = F G``, strictly causal (``h_0 = 0``), and
    ``x^{det}`` the mean iterate.  Taking expectations and using the orthogonality,

    .. math::  \sigma_t^2 = E w_t^2 = u_t + \sum_{j \ge 1} f_j \sigma_{t-j}^2,\qquad
               f_j = \sum_k p_k h_{j-k}^2 - \Bigl(\sum_k p_k h_{j-k}\Bigr)^2 \ge 0,

    with ``u_t = sum_k p_k (y^{det}_{t-k})^2 - ((D y^{det})_t)^2 >= 0``.  ``f_j`` is the
    variance of ``h_{j - tau}``: a renewal equation with a non-negative kernel whose total
    mass is, by Parseval,

    .. math::  S = \sum_j f_j = \|h\|^2 - \|D h\|^2
               = \frac{1}{2\pi}\int_0^{2\pi} |H|^2 (1 - |D|^2)\, d\theta .

    If the mean recursion is stable, ``h``, ``f`` and ``u`` decay geometrically.  Then
    ``S < 1`` makes ``sum_j f_j r^j < 1`` for some ``r > 1`` and ``sigma_t^2`` decays
    geometrically, and so does ``E x_t^2 = (x^{det}_t)^2 + sum_s g_{t-s}^2 sigma_s^2``;
    ``S >= 1`` keeps ``sigma_t^2`` from decaying (renewal theorem) whenever ``u != 0``,
    which some initial state achieves for every non-constant delay.  If the mean
    recursion is unstable, ``E x_t^2 >= (E x_t)^2`` does not decay.  Hence **mean-square
    stable iff mean stable and S < 1**, and, the lifted map's spectral radius being
    continuous in ``alpha``, the first ``alpha`` where it reaches 1 is the first point
    where the mean edge is reached or ``S = 1``.  For a constant delay ``|D| = 1`` on the
    circle, ``S = 0`` and the mean-square edge is the mean edge.

    **Scan ("scan"; the default above 65 points, and the candidate the certified march
    checks).**  ``S(alpha)`` is computed exactly from the polynomials
    ``c`` (the paper's, cleared of negative powers) and the cleared numerators by Astrom's
    algorithm, the Schur-Cohn reduction of ``c`` (``O(n^2)`` for degree ``n``,
    independent of how close the roots are to the circle; compiled by numba when it is
    installed); the same reduction says whether the mean recursion is stable (all
    reflection coefficients below 1 in modulus).  ``S = ||h||^2 - ||D h||^2`` loses
    ``log10(||h||^2 / S)`` digits to cancellation (about ``1/e`` for a mass ``1 - e`` at
    one delay); where that ratio exceeds 1e3 the gain is recomputed as a sum of
    non-negative integrals, ``1 - |D|^2`` split into squares by breaking off the largest
    masses one by one (derivation in ``_gain_exact_pq``).  Let ``bad(alpha)`` be "mean
    unstable or ``S >= 1``".  The scan starts at an eighth of the constant-delay edge at
    the mean delay (divided by 16 until it is good) and walks up geometrically, by
    ``MS_SCAN_RATIO = 1.25`` while ``S < MS_FINE_LEVEL = 0.25`` and by
    ``MS_FINE_RATIO = 1.02`` from the last point below that level on, to the first bad
    point (batches of 8 points evaluated together at small degree, down to 1 from degree
    1024, where every point past the first bad one would be wasted).  From degree 2048 on,
    where one evaluation costs about as much as computing the mean edge, the mean edge
    (:func:`stability.threshold`, certified) is computed first, and a batch that would
    pass it ends at it (it is bad or the jump).  From degree 256 on a scan point is first
    screened by the bound ``S <= ||h||^2`` (``0 <= 1 - |D|^2 <= 1``; one Astrom row
    fewer), ``S`` itself being computed from the first point where the bound does not
    decide on.  None of this changes which points are examined or the verdict on them.
    :func:`scipy.optimize.brentq` (relative width ``max(1e-13, 2 eps n)``) refines the
    cell on ``1 - 1/S`` (set to ``1`` where the mean is unstable, its limit when ``S``
    has a pole at the mean edge).  The bad point next to its root decides what failed
    first: mean stable there (``S >= 1``) is a gain crossing, returned as found; mean
    unstable is the jump at the mean edge, and the mean edge itself is returned (labelled
    ``"mean"``) when it is within 1e-10 of the root.  When the first bad point is the
    mean edge itself and ``S < 1`` at ``(1 - 2e-13)`` times it, the mean edge is returned
    without brentq.

    **What the scan does not certify.**  ``S`` is *not* monotone in ``alpha``, and it
    can cross 1 several times below the mean edge: for mass 0.95 at delay 0 and 0.05 at
    delay 31 with standard momentum ``m = 0.95``, ``S >= 1`` on ``[0.426, 0.513]`` times
    the mean edge, ``S < 1`` above it up to ``0.664``.  The scan finds the first crossing
    unless an excursion of ``S`` above 1 either rises from ``S < 0.25`` within one coarse
    step (a factor 1.25), or lies entirely inside one fine step (narrower than a factor
    1.02), or lies below the scan's first point; nothing bounds ``S`` between its points.
    Measured: on 8418 random inputs built to be hard (two-point pmfs with mass 0.5 to
    0.995 at delay 0, geometric tails with ``q`` up to 0.99, spiky random pmfs; supports 2
    to 60; all schemes, ``m`` up to 0.99) the first bad point of a 6000-point grid was
    never below the scan's edge.  (A scan at ratio 1.25 throughout returned a later
    crossing on 2 of 7264 such inputs, up to 2.1x too high.)

    **Certified method ("certified", the default up to 65 points).**  The march of
    :mod:`stability._ms_certify` (its module docstring has the proofs) proves ``S < 1``
    and mean stability on ``(0, lo]`` for increasing ``lo``: first on a start interval
    ``(0, alpha_0]`` (a bound on ``|N_0 / c|`` certified by the positivity of two cosine
    polynomials, which controls ``S`` all the way down to ``alpha -> 0``, where the mean
    polynomial has a root tending to ``z = 1``), then step by step with an exact
    second-order bound ``S(alpha_1 + s) <= B(s)`` from the resolvent identity
    ``H(alpha) - H(alpha_1) = -s b N_0 G(alpha) G(alpha_1)``; ``B`` uses ``S``, its
    complex-step derivative and ``||N_0 G||_w`` (Astrom, exact) and a certified lower bound
    of ``min |c|`` on the circle (FFT grid with second-order cells).  A step never passes a
    point where ``S >= 1``, so the march cannot step over an excursion; where it stalls
    below the scan's candidate, probes find the earlier crossing and brentq refines it, and
    the march goes on towards that one (only where the float gain there is trusted:
    ``min |c|`` certified and the rounding allowance of ``S`` at most 1/2, or ``S`` above
    1 beyond its allowance just above; next to the mean edge the float gain can read 1 or
    more where the exact one is 0.006, and such a root used to be returned as a certified
    gain edge, up to 3.6e-7 low; and where the scan says "mean" the march aims at the
    certified mean edge itself, not at the scan's root).  ``MeanSquareResult.bracket = (lo, hi)`` then
    holds the edge: ``S < 1`` proved on ``(0, lo]``, and ``hi`` the first point above the
    crossing found where ``S`` exceeds 1 by more than its rounding allowance (or the
    certified mean edge times ``1 + 1e-10``); ``alpha`` is the crossing found (brentq on
    the gain), inside the bracket.  The march has a budget of ``MAX_STEPS = 1500`` steps;
    past it, or where it stalls, it stops and the bracket says how far it got.  Where no
    start interval can be certified (shifted momentum within about 1e-4 of 1) the scan's
    result is returned with ``certified=False``.  Measured bracket widths: 1e-9 relative on
    most inputs, including bimodal pmfs limited by the mean edge and nearly constant delays
    (``Empirical([0, 1-1e-10, 1e-10])``, standard ``m = 0.5``: 1.9e-9, at the budget),
    up to 3.7e-8 with shifted ``m = 0.99`` (uniform ``{1..64}``: 1.2e-8), and 1.9e-6 for
    ``[0.9, 0, 0, 0, 0.1]`` (``S = 1`` exactly at the mean edge, at the budget).  Near
    ``m = 1`` brackets widen: 5e-7 to 3e-5 at ``m = 0.999 .. 0.9999`` on two-point pmfs,
    and up to the whole range (``lo`` far below ``alpha``) for nearly constant delays at
    ``m = 0.9999``, whose edges are in the thousands (the budget runs out).  An
    independent review (about 1,100 hard inputs, supports 2 to 65, ``m`` up to 0.9999,
    truths by residues on mpmath roots and by the lifted map at 30 to 50 digits) found
    ``lo`` above the true edge never.  What is not proved: floating-point rounding in Astrom's values is covered
    by a modelled allowance (4 eps times the integrals times ``sum|a_j| / min|c|``; measured
    errors against a 40-digit recursion were at most 0.08 eps in those units, ``m`` up to
    0.9999), not by interval arithmetic.  Cost: 40 to 1500 steps of ``O(n^2)`` each: at
    most 0.8 s on the benchmark's inputs at supports up to 64, and up to 3.6 s on the
    review's hardest (nearly two-point pmfs, ``m = 0.9 .. 0.9999``, where the step budget
    ends the march).  ``MeanSquareResult.certified`` is True only when the bracket is at
    most ``CERTIFIED_WIDTH = 1e-6`` wide: then ``alpha`` is vouched for; otherwise only the
    bracket is (a re-run of the review on the fixed code, 1,091 inputs: the 40-digit edge
    inside every bracket; 12 results not certified at all, all shifted ``m = 0.9999``).

    **Trapezoid reference ("trapezoid").**  The previous march: ``S`` and ``S'`` by the
    trapezoid rule (doubling ``N`` until two sums agree to 1e-7), steps from a Lipschitz
    and a Taylor bound whose constants are grid means times a 1.25 safety factor (so not
    proved), Newton probes and brentq.  Slow (minutes) when the mean roots are close to
    the circle; kept as an independent second method in the tests.

    Accuracy: both methods agree with the spectral radius of the dense Kronecker map
    (:func:`kronecker_edge`) to 1e-10 relative (measured: at most 3e-13) for supports up to
    5, all three schemes with ``m`` up to 0.9, and with each other to 1e-10 on supports of
    64 and 300.  Near ``m = 1`` Astrom's reduction loses digits (roots close to ``z = 1``):
    at ``m = 0.9999`` the gain carries rounding noise of about 1e-3 and the default's edge
    is good to about 1e-7 (measured 4e-8 against the 30-digit dense map, support 3).
    Nearly constant delays (a mass ``1 - e`` at one delay, ``e`` at one or more others)
    are as accurate as any other pmf: the promise is 1e-10 relative, never above the edge
    by more than that, tested against the dense map in mpmath at 40 digits for
    ``e = 1e-6 .. 1e-12``, three two-point shapes and all schemes with ``m`` up to 0.9
    (measured: at most 1.5e-12, and at most 4e-15 above the edge; the plain subtraction
    used before was off by up to 2.1e-8, 3.2e-9 above).  Narrow pmfs at a large mean
    delay cancel the same way (the crossing frequency is about ``1/K``, where
    ``1 - |D|^2 ~ Var(tau) theta^2``, so ``||h||^2 / S ~ (E tau / sd tau)^2``):
    ``DiscreteGaussian(200, sigma=0.5)`` with shifted ``m = 0.9`` was 5.4e-9 off and is
    now bracketed within 1e-10 by ``S`` evaluated at 40 digits (tested).  Where ``S``
    tends to exactly 1 at the mean edge (the mean root leaves through a point where
    ``|D| = 1``, e.g.
    ``Empirical([.9, 0, 0, 0, .1])`` without momentum: the edge is the mean edge, 2) the
    edge is returned to 1e-12 (the subtraction's rounding, growing like ``||h||^2`` next to
    the pole, used to make ``S`` reach 1 about 6e-9 early).  Large supports: Astrom's own
    rounding grows with the degree (``S`` to about 1e-9 at uniform ``{1..4096}``, shifted
    ``m = 0.9``; the edge there is reproducible to about 2e-11).  Supports beyond
    ``MS_MAX_DELAY = 16384`` raise ValueError (``O(K^2)`` per evaluation: minutes at 65535).
    Cost of the scan: about 25 to 70 evaluations of ``S`` of ``O(K^2)`` each, up to
    about 200 with shifted momentum, where ``S(0+)`` is already above 0.25 and the whole
    scan runs at the fine ratio (with numba, ``benchmarks/bench_moments.py`` at load 2.5
    to 3: support 64 under 1 ms for the scan, 26 to 34 ms with the certified march; uniform ``{1..4096}`` about 0.25 s without momentum, 25
    evaluations, and 1.5 s with shifted ``m = 0.9``, 154 evaluations; before the mean
    edge bounded the scan and the bound ``S <= ||h||^2`` screened its points, 44 and 165
    evaluations, 2.3x and 1.3x the time in the same run; the numpy loop is about 5x
    slower at 4096).  The certified march adds 3x to 175x the scan's time
    (``benchmarks/bench_ms_certify.py``: at most 0.8 s up to support 64, 1.3 s at 128).

    Examples
    --------
    >>> from stability import Uniform, threshold
    >>> mean_square_edge(16) == threshold(16)
    True
    >>> round(mean_square_edge(Uniform(1, 2)), 10)   # the mean edge is 2 sqrt(2) - 2 = 0.828...
    0.7639320225
    """
    return mean_square_edge_result(delay, momentum=momentum, m=m, method=method).alpha


# --------------------------------------------------------------------------------------
# The dense lifted map (small supports; a cross-check)
# --------------------------------------------------------------------------------------

def _state_matrices(pmf: np.ndarray, alpha, momentum: str, m: float):
    """``A(k)`` for every ``k`` in the support, acting on ``(x_t, ..., x_{t-n+1})``: pairs
    ``(p_k, A)`` with ``A`` of shape ``(len(alpha), n, n)``, one matrix per value of
    ``alpha`` (a 1-D array; every matrix is built by the same operations as for one)."""
    K = pmf.size - 1
    n = {"none": K + 1, "standard": max(K, 1) + 1, "shifted": K + 2}[momentum]
    alpha = np.asarray(alpha, dtype=float)
    mats = []
    for k in np.flatnonzero(pmf):
        A = np.zeros((alpha.size, n, n))
        A[:, 1:, :-1] = np.eye(n - 1)  # shift
        if momentum == "none":
            A[:, 0, 0] += 1.0
            A[:, 0, k] -= alpha
        elif momentum == "standard":
            A[:, 0, 0] += 1.0 + m
            A[:, 0, 1] -= m
            A[:, 0, k] -= alpha * (1.0 - m)
        else:
            A[:, 0, 0] += 1.0
            A[:, 0, k] += m - alpha * (1.0 - m)
            A[:, 0, k + 1] -= m
        mats.append((pmf[k], A))
    return mats


def _lifted_matrices(pmf: np.ndarray, alpha, momentum: str, m: float) -> np.ndarray:
    """:func:`lifted_matrix` for every value in the 1-D array ``alpha``, stacked: ``p * np.kron(A, A)``
    summed over the support in the same order (the same numbers as one at a time)."""
    out = 0
    for p, A in _state_matrices(pmf, alpha, momentum, m):
        N, n, _ = A.shape
        out = out + p * (A[:, :, None, :, None] * A[:, None, :, None, :]).reshape(N, n * n, n * n)
    return out


def lifted_matrix(delay, alpha: float, *, momentum: str = "none", m: float = 0.0) -> np.ndarray:
    """Dense matrix ``sum_k p_k A(k) (x) A(k)`` of the second-moment map (small supports).

    ``vec(E[s_{t+1} s_{t+1}^T]) = L vec(E[s_t s_t^T])`` for the state ``s_t`` of the last
    iterates (``K + 1`` of them for plain A-SGD, ``max(K, 1) + 1`` for standard momentum,
    ``K + 2`` for shifted momentum), so ``L`` has that size squared.

    Parameters
    ----------
    delay : int or DelayDistribution
        Delay; the support must be at most 30 (the matrix has ``(K+2)**4`` entries).
    alpha : float
        ``a * eta``.
    momentum : {"none", "standard", "shifted"}
        Optimizer.
    m : float
        Momentum coefficient.
    """
    alpha = check_real(alpha, "alpha")
    momentum, m = check_momentum(momentum, m)
    pmf = np.asarray(as_pmf(delay), dtype=float)
    if pmf.size > 31:
        raise ValueError(f"lifted_matrix is a dense small-K check; support up to 30, got {pmf.size - 1}")
    return _lifted_matrices(pmf, np.array([alpha]), momentum, m)[0]


def lifted_spectral_radius(delay, alpha: float, *, momentum: str = "none", m: float = 0.0) -> float:
    """Spectral radius of :func:`lifted_matrix` (dense eigenvalues).

    Parameters
    ----------
    delay : int or DelayDistribution
        Delay with support up to 30.
    alpha : float
        ``a * eta``.
    momentum : {"none", "standard", "shifted"}
        Optimizer.
    m : float
        Momentum coefficient.
    """
    return float(np.max(np.abs(np.linalg.eigvals(lifted_matrix(delay, alpha, momentum=momentum, m=m)))))


def kronecker_edge(delay, *, momentum: str = "none", m: float = 0.0, scan_ratio: float = 1.01) -> float:
    """Mean-square edge from the dense lifted map: independent of :func:`mean_square_edge`.

    Scans ``alpha`` upward geometrically by ``scan_ratio`` from ``1e-4`` until the spectral
    radius of :func:`lifted_matrix` reaches 1, then runs :func:`scipy.optimize.brentq` on
    ``rho - 1`` in the last cell.  A cost of ``O((K+2)**6)`` per point: small supports only.

    Parameters
    ----------
    delay : int or DelayDistribution
        Delay with support up to 30.
    momentum : {"none", "standard", "shifted"}
        Optimizer.
    m : float
        Momentum coefficient.
    scan_ratio : float
        Ratio between scanned points (> 1).
    """
    from scipy.optimize import brentq

    scan_ratio = check_real(scan_ratio, "scan_ratio", low=1.0, low_inclusive=False)

    def gap(a):
        return lifted_spectral_radius(delay, a, momentum=momentum, m=m) - 1.0

    momentum, m = check_momentum(momentum, m)
    pmf = np.asarray(as_pmf(delay), dtype=float)
    lo = 1e-4
    if gap(lo) >= 0:
        raise ArithmeticError(f"lifted map unstable already at alpha={lo}")
    hi = lo * scan_ratio
    # the scan: hi, hi * r, hi * r * r, ... until rho >= 1 (every point below stable), its
    # points taken 64 at a time with one stacked eigvals (the same radii as one by one)
    while True:
        pts = [hi]
        while len(pts) < 64 and pts[-1] * scan_ratio <= 1e4:
            pts.append(pts[-1] * scan_ratio)
        radii = np.max(np.abs(np.linalg.eigvals(_lifted_matrices(pmf, np.array(pts), momentum, m))), axis=1)
        up = np.flatnonzero(radii - 1.0 >= 0)
        if up.size:
            j = int(up[0])
            lo, hi = (pts[j - 1] if j else lo), pts[j]
            break
        lo, hi = pts[-1], pts[-1] * scan_ratio
        if hi > 1e4:
            raise ArithmeticError("no mean-square edge below alpha=1e4")
    return float(brentq(gap, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps))


# --------------------------------------------------------------------------------------
# Almost sure: Lyapunov exponents by simulation
# --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LyapunovEstimate:
    """Top Lyapunov exponents estimated on a grid of ``alpha`` with common random numbers.

    Attributes
    ----------
    alphas : ndarray
        The grid, shape ``(n,)``.
    exponent : ndarray
        Mean over streams of the per-stream estimate (log growth per step), ``(n,)``.
    stderr : ndarray
        Standard error of that mean across the independent streams, ``(n,)``.
    per_stream : ndarray
        ``(n, streams)`` per-stream estimates; stream ``j`` uses the same delay sequence
        and initial state at every ``alpha``.
    steps, burn_in : int
        Steps simulated per stream, and the first ones left out of the estimate.
    """

    alphas: np.ndarray
    exponent: np.ndarray
    stderr: np.ndarray
    per_stream: np.ndarray
    steps: int
    burn_in: int


#: Most independent streams of the Lyapunov simulation (memory grows with streams x grid).
MAX_STREAMS = 1000


def _check_int(value, name, low, high=None):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer >= {low}, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be an integer >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name}={value!r} is above the limit {high}")
    return int(value)


def _as_generator(rng) -> np.random.Generator:
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, np.random.SeedSequence):
        return np.random.default_rng(rng)
    if isinstance(rng, bool) or not isinstance(rng, (int, np.integer)):
        raise TypeError(f"rng must be a numpy Generator, SeedSequence or an integer seed >= 0, got {rng!r}")
    if rng < 0:
        raise ValueError(f"rng seed must be >= 0, got {rng!r}")
    return np.random.default_rng(int(rng))


def _lyapunov_steps_numpy(buf, taus, ab, coef, m, mode, t0, nstep, renorm, steps, norms, at) -> int:
    """Steps ``t0 .. t0 + nstep - 1`` of :func:`lyapunov_exponents`, a numpy operation per step.

    The reference for :func:`stability._compiled.lyapunov_steps` (same arguments, same
    numbers bit for bit): ``buf`` ``(L, B)`` is advanced in place, and at every
    renormalisation the columns' max norms are divided out (0, inf or NaN: 1 instead) and
    written to ``norms[e]``, the step count to ``at[e]``.  Returns the count ``e``.
    """
    L, B = buf.shape
    flat = buf.reshape(-1)
    # flat index of x_{t - tau} (and x_{t - tau - 1}) for every step of the chunk
    t = np.arange(t0, t0 + nstep)[:, None]
    idx = ((t - taus) % L) * B + np.arange(B)
    idx1 = ((t - taus - 1) % L) * B + np.arange(B)
    e = 0
    for j in range(nstep):
        tt = t0 + j
        cur = buf[tt % L]
        xd = flat[idx[j]]
        if mode == 0:
            new = cur - ab * xd
        elif mode == 1:
            new = (1.0 + m) * cur - m * buf[(tt - 1) % L] - ab * xd
        else:
            new = cur + coef * xd - m * flat[idx1[j]]
        buf[(tt + 1) % L] = new
        s = tt + 1
        if s % renorm == 0 or s == steps:
            norm = np.max(np.abs(buf), axis=0)
            norms[e] = norm
            buf /= np.where((norm > 0) & (norm < np.inf), norm, 1.0)
            at[e] = s
            e += 1
    return e


def lyapunov_exponents(delay, alphas, *, momentum: str = "none", m: float = 0.0, steps: int = 20000,
                       streams: int = 16, burn_in: int | None = None, rng=0,
                       engine: str = "auto") -> LyapunovEstimate:
    """Top Lyapunov exponent of the random product, by simulating the scalar recurrence.

    Every stream draws one i.i.d. delay sequence and one Gaussian initial history and
    runs it at **every** ``alpha`` of the grid (common random numbers), so the estimate is
    a smooth function of ``alpha`` within a stream and differences between grid points
    are far more precise than the points themselves.  The state (the last ``K + 2``
    iterates) is renormalised every 8 steps and the log norms are accumulated.

    Parameters
    ----------
    delay : int or DelayDistribution
        Delay distribution (a constant delay gives ``log rho`` of the mean polynomial).
    alphas : float or array_like
        Values of ``a * eta > 0``.
    momentum : {"none", "standard", "shifted"}
        Optimizer.
    m : float
        Momentum coefficient.
    steps : int
        Steps per stream (>= 100).
    streams : int
        Independent streams (2 to ``MAX_STREAMS`` = 1000), for the standard error.
    burn_in : int, optional
        Steps left out at the start (default ``steps // 10``), so that the state direction
        has forgotten its start.
    rng : numpy.random.Generator, SeedSequence or int
        Seed of the delay sequences and initial states (default 0: reproducible).
    engine : {"auto", "numba", "numpy"}
        ``"numba"``: the step loop compiled by numba (:mod:`stability._compiled`);
        ``"numpy"``: a numpy operation per step; ``"auto"`` (default): numba when it is
        installed.  Both perform the same floating-point operations in the same order and
        give the same numbers bit for bit (tested); the compiled loop is about 10x faster.

    Returns
    -------
    LyapunovEstimate
        Per stream, the least-squares slope of ``log ||s_t||`` (max norm over the state)
        against ``t`` over ``[B, T]``; it converges to the top Lyapunov exponent almost
        surely (Furstenberg-Kesten) with statistical error ``O(T^{-1/2})``.  A stream whose
        state leaves double precision's range between two renormalisations (growth by more
        than about 1e308 in 8 steps, e.g. ``alpha > 1e38``) gets ``+inf`` (its mean too, and
        a NaN standard error).
    """
    momentum, m = check_momentum(momentum, m)
    a = np.atleast_1d(np.asarray(alphas, dtype=float))
    if a.ndim != 1 or a.size == 0 or not np.all(np.isfinite(a)) or np.any(a <= 0):
        raise ValueError(f"alphas must be finite and > 0, got {alphas!r}")
    steps = _check_int(steps, "steps", 100, MAX_STEPS)
    streams = _check_int(streams, "streams", 2, MAX_STREAMS)
    burn_in = steps // 10 if burn_in is None else _check_int(burn_in, "burn_in", 0)
    if burn_in >= steps:
        raise ValueError(f"burn_in={burn_in} must be below steps={steps}")
    gen = _as_generator(rng)
    pmf = np.asarray(as_pmf(delay), dtype=float)
    K = pmf.size - 1
    L = K + 3
    n = a.size
    B = n * streams
    beta = 1.0 if momentum == "none" else 1.0 - m
    ab = np.repeat(a * beta, streams)
    coef = m - ab  # shifted: coefficient of x_{t - tau}
    buf = np.empty((L, B))
    buf[:] = np.tile(gen.standard_normal((L, streams)), (1, n))
    logscale = np.zeros(B)
    # Least-squares slope of log ||s_t|| against t over [burn_in, steps], sampled at every
    # renormalisation: unlike a difference of two end points it averages out the bounded
    # oscillation of the log norm (rotating eigenvectors), whose effect on the end-point
    # estimate is of order 1/steps and is not seen by the spread across streams.
    sums = np.zeros((3, B))  # sum y, sum t*y over samples; counts in scalars
    n_s, st_, stt = 0, 0.0, 0.0
    support = np.flatnonzero(pmf)
    constant = support.size == 1
    chunk = 1024
    renorm = 8
    kernel = compiled_kernel("lyapunov_steps", engine)
    mode = ("none", "standard", "shifted").index(momentum)
    norms = np.empty((chunk // renorm + 1, B))  # the norms divided out in one chunk
    at = np.empty(chunk // renorm + 1, dtype=np.int64)  # ... and their step counts
    overflow = np.zeros(B, dtype=bool)  # the state left double precision's range
    for t0 in range(0, steps, chunk):
        nstep = min(chunk, steps - t0)
        if constant:
            taus = np.full((nstep, B), support[0], dtype=np.int64)
        else:
            taus = np.tile(gen.choice(K + 1, size=(nstep, streams), p=pmf), (1, n))
        if kernel is not None:  # the same operations in the same order, compiled
            count = kernel(buf, taus, ab, coef, m, mode, t0, nstep, renorm, steps, norms, at)
        else:
            with np.errstate(over="ignore", invalid="ignore"):  # overflow: flagged below
                count = _lyapunov_steps_numpy(buf, taus, ab, coef, m, mode, t0, nstep, renorm, steps, norms, at)
        seen = norms[:count]
        finite = np.isfinite(seen)
        overflow |= ~finite.all(axis=0)
        for norm_log, s in zip(np.log(np.where(finite & (seen > 0), seen, 1.0)), at[:count]):
            logscale += norm_log
            if s >= burn_in:
                ts = float(s - burn_in)
                sums[0] += logscale
                sums[1] += ts * logscale
                n_s += 1
                st_ += ts
                stt += ts * ts
    if n_s < 2:
        raise ValueError(f"steps={steps} with burn_in={burn_in} leave fewer than {2 * renorm} steps to fit")
    est = (n_s * sums[1] - st_ * sums[0]) / (n_s * stt - st_ * st_)
    est[overflow] = np.inf
    est = est.reshape(n, streams)
    mean = est.mean(axis=1)
    with np.errstate(invalid="ignore"):  # inf - inf where a stream overflowed: NaN
        se = est.std(axis=1, ddof=1) / math.sqrt(streams)
    return LyapunovEstimate(a, mean, se, est, steps, burn_in)


@dataclass(frozen=True)
class AlmostSureResult:
    """The almost-sure edge (top Lyapunov exponent = 0), estimated by simulation.

    Attributes
    ----------
    alpha : float
        Point estimate of the edge.
    ci : tuple of float
        Confidence interval ``(low, high)`` for the edge at level ``confidence``.
    confidence : float
        Level of ``ci``.
    mean_square_edge : float
        The exact mean-square edge, a lower bound of the almost-sure edge (Jensen).
    steps, streams : int
        Simulation size of the final grid.
    slope : float
        ``d lambda / d alpha`` at the edge (from the fine grid).
    """

    alpha: float
    ci: tuple[float, float]
    confidence: float
    mean_square_edge: float
    steps: int
    streams: int
    slope: float

    @property
    def relative_halfwidth(self) -> float:
        """Half-width of the interval relative to the estimate."""
        return 0.5 * (self.ci[1] - self.ci[0]) / self.alpha


def _first_positive(alphas, lam):
    pos = np.flatnonzero(lam > 0)
    return int(pos[0]) if pos.size else None


def almost_sure_edge(delay, *, momentum: str = "none", m: float = 0.0, rtol: float = 0.01,
                     confidence: float = 0.95, streams: int = 16, steps: int | None = None,
                     max_steps: int | None = None, rng=0) -> AlmostSureResult:
    """Almost-sure edge: the ``alpha`` where the top Lyapunov exponent crosses 0.

    Parameters
    ----------
    delay : int or DelayDistribution
        Delay distribution.
    momentum : {"none", "standard", "shifted"}
        Optimizer.
    m : float
        Momentum coefficient.
    rtol : float
        Target relative half-width of the confidence interval, in ``(0, 0.5]``; steps are
        doubled (up to ``max_steps``) until it is met.  Default 1%.
    confidence : float
        Level of the interval, in ``(0, 1)``; default 0.95.
    streams : int
        Independent streams (2 to ``MAX_STREAMS`` = 1000; default 16).
    steps : int, optional
        Steps per stream of the first fine pass (default ``200 (K + 2) + 4000``).
    max_steps : int, optional
        Largest number of steps per stream (default ``16 * steps``).
    rng : numpy.random.Generator, SeedSequence or int
        Seed (default 0, so that the result is reproducible).

    Returns
    -------
    AlmostSureResult

    Notes
    -----
    1. Lower end: the exact mean-square edge ``alpha_ms``; Jensen's inequality gives
       ``lambda <= (1/2) log rho(lifted map) <= 0`` below it, so the almost-sure edge is
       not below it.
    2. Coarse pass: ``lambda`` on 12 points geometrically spaced over
       ``[alpha_ms, 4 alpha_ms]`` (extended by factors of 4 until a positive value is
       seen), with a quarter of the steps; the first positive point and the one before
       bracket the first crossing *on that grid* (an excursion of ``lambda`` above 0
       narrower than one grid cell, 12% in ``alpha``, could be missed).
    3. Fine pass: 12 points equally spaced over that bracket, common random numbers; the
       edge is the first zero of the linear interpolant of the stream average, and its
       interval is the delta-method t-interval
       ``alpha +- t_{streams-1} se(lambda) / |lambda'|`` (``se`` across the independent
       streams at the edge, ``lambda'`` the slope of the interpolant there).  If the
       half-width exceeds ``rtol``, the steps double and the fine pass is repeated.

    The interval covers the statistical error; the bias of the finite-time estimate
    (``O(1/steps)``, from the initial direction) is far smaller at these sizes, and the
    tests check the interval against exact values for constant delays.
    """
    from scipy.special import stdtrit  # the t quantile of scipy.stats, without its 1 s import

    momentum, m = check_momentum(momentum, m)
    rtol = check_real(rtol, "rtol", low=0.0, high=0.5, low_inclusive=False)
    confidence = check_real(confidence, "confidence", low=0.0, high=1.0, low_inclusive=False,
                            high_inclusive=False)
    streams = _check_int(streams, "streams", 2, MAX_STREAMS)
    gen = _as_generator(rng)
    pmf = np.asarray(as_pmf(delay), dtype=float)
    K = pmf.size - 1
    steps = 200 * (K + 2) + 4000 if steps is None else _check_int(steps, "steps", 100, MAX_STEPS)
    max_steps = 16 * steps if max_steps is None else _check_int(max_steps, "max_steps", steps, MAX_STEPS)
    ams = mean_square_edge(delay, momentum=momentum, m=m)
    seeds = gen.bit_generator.seed_seq.spawn(2) if hasattr(gen.bit_generator, "seed_seq") else [0, 1]

    def lyap(grid, n_steps, seed):
        return lyapunov_exponents(delay, grid, momentum=momentum, m=m, steps=n_steps, streams=streams,
                                  rng=np.random.default_rng(seed))

    # Coarse pass.
    lo_end = ams
    for _ in range(8):
        grid = lo_end * np.geomspace(1.0, 4.0, 13)[1:]
        coarse = lyap(grid, max(1000, steps // 4), seeds[0])
        i = _first_positive(grid, coarse.exponent)
        if i is not None:
            break
        lo_end = grid[-1]
    else:
        raise ArithmeticError(f"no positive Lyapunov exponent found up to alpha={lo_end:.4g}")
    a0 = lo_end if i == 0 else grid[i - 1]
    a1 = grid[i]
    n_steps = steps
    tq = float(stdtrit(streams - 1, 0.5 + confidence / 2))
    while True:
        fine_grid = np.linspace(a0, a1, 12)
        fine = lyap(fine_grid, n_steps, seeds[1])
        lam = fine.exponent
        j = _first_positive(fine_grid, lam)
        if j is None:  # the coarse pass was too optimistic: extend the bracket upward
            a0, a1 = a1, a1 * 1.25
            continue
        if j == 0:
            if a0 <= ams * (1 + 1e-12):  # lambda(ams) <= 0 in theory: the edge is at ams within noise
                j = 1
            else:
                a0, a1 = max(ams, a0 - (a1 - a0)), a0
                continue
        x0, x1 = fine_grid[j - 1], fine_grid[j]
        y0, y1 = lam[j - 1], lam[j]
        slope = (y1 - y0) / (x1 - x0)
        edge = max(x0 - y0 / slope if slope > 0 else x0, ams)  # lambda <= 0 below ams (Jensen)
        wgt = (edge - x0) / (x1 - x0)
        per = (1 - wgt) * fine.per_stream[j - 1] + wgt * fine.per_stream[j]
        se = float(per.std(ddof=1) / math.sqrt(streams))
        half = tq * se / slope if slope > 0 else math.inf
        if half <= rtol * edge or 2 * n_steps > max_steps:
            return AlmostSureResult(float(edge), (float(edge - half), float(edge + half)), confidence,
                                    ams, n_steps, streams, float(slope))
        n_steps *= 2


def criterion_edge(delay, *, momentum: str = "none", m: float = 0.0, criterion: str = "mean",
                   mean_edge=None) -> float:
    """The edge under ``criterion`` (the dispatch behind ``threshold(criterion=...)``).

    Parameters
    ----------
    delay : int or DelayDistribution
        Constant delay or delay distribution.
    momentum : {"none", "standard", "shifted"}
        Optimizer.
    m : float
        Momentum coefficient.
    criterion : {"mean", "mean-square", "almost-sure"}
        Stability notion.  For a constant delay the random product is deterministic and
        all three edges are the mean edge, which is returned.
    mean_edge : callable, optional
        Returns the mean edge (default: :func:`stability.threshold`).
    """
    criterion = check_criterion(criterion)
    momentum, m = check_momentum(momentum, m)
    if mean_edge is None:
        from .thresholds import threshold

        def mean_edge():
            return threshold(delay, momentum=momentum, m=m)
    pmf = as_pmf(delay)
    if criterion == "mean" or _is_constant(pmf):
        return float(mean_edge())
    if criterion == "mean-square":
        return mean_square_edge(delay, momentum=momentum, m=m)
    return almost_sure_edge(delay, momentum=momentum, m=m).alpha
