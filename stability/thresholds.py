"""The edge of stability ``alpha* = a * eta`` and the learning-rate rule built on it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.optimize import brentq

from ._validation import check_degree, check_momentum, check_real
from .closed_forms import edge_constant_delay
from .delays import as_pmf, mean_delay
from .polynomials import polynomial_pair
from .roots import polynomial_roots

__all__ = ["ThresholdResult", "threshold", "threshold_result", "scaled_learning_rate",
           "scaled_learning_rate_approx", "SCAN_RATIO"]

#: Ratio between consecutive points of the upward scan that locates the first crossing.
SCAN_RATIO = 1.25
#: The scan starts this many times below a rough estimate of the edge.
_SCAN_START_FACTOR = 2.0**-8
#: Give up (and say so) if no crossing is found below this alpha.
_ALPHA_MAX = 1e12


@dataclass(frozen=True)
class ThresholdResult:
    """The edge of stability with the evidence for it.

    Attributes
    ----------
    alpha : float
        ``alpha* = a * eta`` at the edge: the smallest ``alpha > 0`` with ``rho(alpha) = 1``.
    bracket : tuple of float
        ``(lo, hi)`` handed to brentq: ``rho(lo) < 1 <= rho(hi)`` and every scanned point
        below ``lo`` was stable.
    iterations : int
        brentq iterations.
    function_calls : int
        Evaluations of ``rho`` in all (scan and brentq), each one :func:`numpy.roots` call.
    residual : float
        ``rho(alpha) - 1`` at the returned ``alpha``.
    method : str
        How the edge was found (``"brentq"``: scan + brentq on ``rho - 1``).
    """

    alpha: float
    bracket: tuple[float, float]
    iterations: int
    function_calls: int
    residual: float
    method: str = "brentq"

    @property
    def inverse(self) -> float:
        """``1 / alpha*``, the quantity the paper plots."""
        return 1.0 / self.alpha


def _rough_edge(delay, momentum: str, m: float) -> float:
    """A cheap estimate of the edge, only used to place the scan (within ~100x is plenty)."""
    est = edge_constant_delay(mean_delay(delay)) if mean_delay(delay) > 0 else 2.0
    if momentum == "standard" and as_pmf(delay).size == 1:
        est = 2.0 * (1.0 + m) / (1.0 - m)
    return est


def threshold_result(delay, *, momentum: str = "none", m: float = 0.0) -> ThresholdResult:
    """Edge of stability with its bracket, iteration count and residual.

    See :func:`threshold` for the method, its accuracy and its parameters.
    """
    momentum, m = check_momentum(momentum, m)
    P, Q = polynomial_pair(delay, momentum=momentum, m=m)
    check_degree(P.size - 1, f"delay with largest value {as_pmf(delay).size - 1}")
    calls = 0

    def gap(alpha: float) -> float:
        nonlocal calls
        calls += 1
        return float(np.max(np.abs(polynomial_roots(P + alpha * Q)))) - 1.0

    est = _rough_edge(delay, momentum, m)
    # 1. A point strictly inside the stable interval.  rho(alpha) -> 1 from below as
    #    alpha -> 0+, so step down until rho < 1 is seen (normally at once).
    lo = est * _SCAN_START_FACTOR
    g_lo = gap(lo)
    while g_lo >= 0.0:
        lo /= 16.0
        if lo < est * 1e-14:
            raise ArithmeticError(
                f"no stable alpha found down to {lo:.3g}: rho - 1 = {g_lo:.3g} (delay={delay!r}, "
                f"momentum={momentum!r}, m={m!r}); the roots may be too close to the unit circle "
                "to resolve in double precision"
            )
        g_lo = gap(lo)
    # 2. Walk up by SCAN_RATIO until rho >= 1: every point visited below the bracket is
    #    stable, so the bracket holds the first crossing (up to excursions shorter than a
    #    factor SCAN_RATIO, which the tests rule out against an independent method).
    hi, g_hi = lo, g_lo
    while g_hi < 0.0:
        lo, g_lo = hi, g_hi
        hi = lo * SCAN_RATIO
        if hi > _ALPHA_MAX:
            raise ArithmeticError(f"no edge found below alpha={_ALPHA_MAX:g} for delay={delay!r}")
        g_hi = gap(hi)
    if g_hi == 0.0:
        return ThresholdResult(hi, (lo, hi), 0, calls, 0.0)
    alpha, info = brentq(gap, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps,
                         maxiter=200, full_output=True)
    return ThresholdResult(float(alpha), (lo, hi), info.iterations, calls, gap(alpha))


def threshold(delay, *, momentum: str = "none", m: float = 0.0) -> float:
    """Edge of stability: the smallest ``alpha = a*eta > 0`` with ``rho(alpha) = 1``.

    Below it every root of the characteristic polynomial lies strictly inside the unit
    circle and the minimum of sharpness ``a`` is stable (in expectation); at it the
    largest root reaches the circle.  For plain A-SGD with a constant delay this is paper
    eq. 6, ``2 sin(pi / (4 tau + 2))``.

    Parameters
    ----------
    delay : int or DelayDistribution
        Constant delay ``tau >= 0`` or a delay distribution.
    momentum : {"none", "standard", "shifted"}
        Optimizer: plain A-SGD (eq. 2), dampened heavy ball (eq. 9) or shifted momentum
        (eq. 10).
    m : float
        Momentum coefficient, ``0 <= m < 1`` (0 for ``"none"``).

    Returns
    -------
    float
        ``alpha*``.  The largest stable learning rate at sharpness ``a`` is ``alpha*/a``.

    Raises
    ------
    TypeError, ValueError
        Bad delay, momentum name or coefficient.  A polynomial of degree above 2050
        (delays beyond about 2048) is refused: numpy.roots cannot handle it in
        reasonable time.
    ArithmeticError
        No crossing could be located (not observed for any valid input).

    Notes
    -----
    ``rho(alpha) - 1`` tends to 0 from below as ``alpha -> 0+`` (the root ``z = 1`` moves
    inward with ``dz/dalpha = -1``) and is not monotone, so a bracket for the root finder
    must start strictly inside the stable interval and end at the *first* sign change.
    The method:

    1. start at ``alpha_0 = est / 256`` where ``est`` is a rough estimate of the edge,
       and check ``rho(alpha_0) < 1`` (halving further by 16 until it is);
    2. walk up geometrically by a factor 1.25 until ``rho >= 1``; the last two points are
       the bracket ``(lo, hi)``, and every point visited below ``lo`` is stable;
    3. :func:`scipy.optimize.brentq` on ``rho(alpha) - 1`` over ``(lo, hi)`` with
       ``xtol=1e-300, rtol=4*eps``, i.e. until the bracket is as narrow as double
       precision allows; ``rho`` comes from :func:`numpy.roots` with each root
       Newton-polished (see :func:`polynomial_roots`).

    A root that left and re-entered the circle between two scan points (within a factor
    1.25 in ``alpha``) would be missed; the test suite checks the result against an
    independent boundary-locus computation in 40-digit arithmetic over all three
    schemes, momenta up to 0.99 and random pmfs, and finds no such case.

    Accuracy: relative error below 1e-10 (measured: at most about 2e-12, typically
    1e-14) for constant delays up to
    256, all three schemes with ``0 <= m <= 0.99``, and uniform, discretised-Gaussian and
    empirical delays with support up to 128.  The error grows with the degree because
    the roots of a degree-``n`` polynomial cluster near the unit circle; beyond these
    ranges it is not promised.  Each ``rho`` costs ``O(K**3)``: about 1 ms at
    ``tau = 64`` and 60 ms at ``tau = 256``.

    Examples
    --------
    >>> round(threshold(32), 10)
    0.0483274905
    >>> round(threshold(0, momentum="standard", m=0.5), 10)   # heavy ball: 2(1+m)/(1-m)
    6.0
    """
    return threshold_result(delay, momentum=momentum, m=m).alpha


def scaled_learning_rate(eta0: float, delay, *, momentum: str = "none", m: float = 0.0,
                         reference=0, reference_momentum: str | None = None,
                         reference_m: float | None = None) -> float:
    """Learning rate that keeps the same minima stable after a change of delay or momentum.

    Paper eq. 8 done exactly: if ``eta0`` is at the edge of stability for a minimum of
    sharpness ``a = alpha*_ref / eta0`` in the reference configuration, the target
    configuration keeps that minimum exactly at its edge with

    .. math::  \\eta = \\eta_0 \\, \\alpha^*_{\\rm target} / \\alpha^*_{\\rm ref}.

    Parameters
    ----------
    eta0 : float
        Learning rate (``> 0``) in the reference configuration.
    delay : int or DelayDistribution
        Target delay.
    momentum, m :
        Target optimizer and momentum coefficient.
    reference : int or DelayDistribution, optional
        Reference delay, default 0 (synchronous training).
    reference_momentum, reference_m : optional
        Reference optimizer and coefficient; default: the same as the target.

    Returns
    -------
    float
        The rescaled learning rate; its relative accuracy is that of :func:`threshold`
        (1e-10) in both configurations.

    Examples
    --------
    From ``eta0 = 0.8`` at ``tau = 0`` to ``tau = 32`` (the paper's Fig. 12):

    >>> round(scaled_learning_rate(0.8, 32), 8)
    0.0193310
    >>> round(scaled_learning_rate_approx(0.8, 32), 8)    # eq. 8's approximation
    0.01933288
    """
    eta0 = check_real(eta0, "eta0")
    if eta0 <= 0:
        raise ValueError(f"eta0 must be > 0, got {eta0!r}")
    ref_momentum = momentum if reference_momentum is None else reference_momentum
    if reference_m is None:
        reference_m = m if reference_momentum is None else 0.0
    target = threshold(delay, momentum=momentum, m=m)
    ref = threshold(reference, momentum=ref_momentum, m=reference_m)
    return eta0 * target / ref


def scaled_learning_rate_approx(eta0: float, tau) -> float:
    """The paper's approximation to eq. 8 for plain A-SGD from ``tau = 0``.

    .. math::  \\eta \\approx \\frac{\\pi \\eta_0}{4 (\\tau + 0.5)}

    It follows from eq. 7 and is accurate to about ``pi**2 / (24 (2 tau + 1)**2)``
    relative (0.3% at ``tau = 4``, 1e-4 at ``tau = 32``); :func:`scaled_learning_rate`
    is exact.

    Parameters
    ----------
    eta0 : float
        Learning rate at ``tau = 0``, ``> 0``.
    tau : float
        Constant delay, or a mean delay, ``>= 0``.
    """
    eta0 = check_real(eta0, "eta0")
    if eta0 <= 0:
        raise ValueError(f"eta0 must be > 0, got {eta0!r}")
    tau = check_real(tau, "tau", low=0.0)
    return math.pi * eta0 / (4.0 * (tau + 0.5))
