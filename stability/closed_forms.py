"""Closed-form edges of stability from the paper, each an independent check of the core."""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._validation import check_momentum, check_real, check_result

__all__ = ["edge_constant_delay", "inverse_edge_approx", "heavy_ball_edge",
           "LargeDelayLaw", "large_delay_law", "large_delay_edge"]


def edge_constant_delay(tau) -> float:
    """Paper eq. 6: plain A-SGD with a constant delay loses stability at

    .. math::  \\alpha^* = a\\eta = 2 \\sin\\left(\\frac{\\pi}{4\\tau + 2}\\right)

    (Appendix B of the paper drops the factor 2 in its last line; eq. 6 is right).
    ``tau`` is normally an integer ``>= 0``; a real ``tau >= 0`` is accepted so the
    formula can be evaluated at a mean delay.

    Parameters
    ----------
    tau : float
        Delay, ``>= 0``.

    Examples
    --------
    >>> edge_constant_delay(0)
    2.0
    >>> round(edge_constant_delay(32), 16)
    0.0483274904722646
    """
    tau = check_real(tau, "tau", low=0.0)
    return check_result(2.0 * math.sin(math.pi / (4.0 * tau + 2.0)), f"edge_constant_delay({tau!r})")


def inverse_edge_approx(tau) -> float:
    """Paper eq. 7: ``1 / alpha* ~ (2 tau + 1) / pi``.

    The next term of the expansion is ``pi / (24 (2 tau + 1))``, so the approximation
    is below the exact ``1/alpha*`` by at most 0.0451 for ``tau >= 1`` (attained at
    ``tau = 1``; the paper's "below 0.05" holds) and by 0.18 at ``tau = 0``.

    Parameters
    ----------
    tau : float
        Delay, ``>= 0``.

    Examples
    --------
    >>> round(inverse_edge_approx(32), 6)
    20.690142
    """
    tau = check_real(tau, "tau", low=0.0)
    return check_result((2.0 * tau + 1.0) / math.pi, f"inverse_edge_approx({tau!r})")


def heavy_ball_edge(m) -> float:
    """Edge of dampened heavy-ball momentum without delay: ``2 (1 + m) / (1 - m)``.

    At ``tau = 0`` the characteristic polynomial ``z**2 - (1 + m - alpha (1-m)) z + m``
    has a root at ``z = -1`` exactly at this ``alpha``.

    Parameters
    ----------
    m : float
        Momentum coefficient, ``0 <= m < 1``.

    Examples
    --------
    >>> heavy_ball_edge(0.9)
    38.00000000000001
    """
    m = check_real(m, "m", low=0.0, high=1.0, high_inclusive=False)
    return check_result(2.0 * (1.0 + m) / (1.0 - m), f"heavy_ball_edge({m!r})")


@dataclass(frozen=True)
class LargeDelayLaw:
    """``1/alpha*(tau) = slope * tau + offset + correction / tau + O(tau**-2)``.

    ``slope * tau`` is the leading term, ``offset`` the first correction (both derived,
    see :func:`large_delay_law`), ``correction / tau`` the next term, whose size sets how
    far the two-term law ``slope * tau + offset`` can be from the edge.

    Attributes
    ----------
    momentum : str
    m : float
    slope, offset, correction : float
    """

    momentum: str
    m: float
    slope: float
    offset: float
    correction: float

    def inverse_edge(self, tau, *, terms: int = 3) -> float:
        """``1/alpha*`` from the first ``terms`` (1, 2 or 3) terms of the law, ``tau > 0``."""
        tau = check_real(tau, "tau", low=0.0, low_inclusive=False)
        if terms not in (1, 2, 3):
            raise ValueError(f"terms must be 1, 2 or 3, got {terms!r}")
        value = self.slope * tau
        if terms >= 2:
            value += self.offset
        if terms == 3:
            value += self.correction / tau
        return value

    @property
    def gain_over_plain(self) -> float:
        """``lim alpha*(tau) / alpha*_plain(tau)`` as ``tau -> infinity``: ``(2/pi) / slope``."""
        return (2.0 / math.pi) / self.slope


def large_delay_law(*, momentum: str = "none", m: float = 0.0) -> LargeDelayLaw:
    r"""How the edge ``alpha*`` of a constant delay ``tau`` behaves as ``tau -> infinity``.

    All three laws read ``1/alpha* = slope tau + offset + correction/tau + O(tau^-2)``.

    **Plain A-SGD.** From eq. 6, ``1/alpha* = 1/(2 sin x)`` with ``x = pi/(4 tau + 2)``, and
    ``1/(2 sin x) = 1/(2x) + x/12 + O(x^3)``:

    .. math:: 1/\alpha^* = \frac{2\tau + 1}{\pi} + \frac{\pi}{24(2\tau+1)} + O(\tau^{-3}),

    so slope ``2/pi``, offset ``1/pi``, correction ``pi/48``.

    **Standard (dampened) momentum, eq. 26.** The polynomial factors as
    ``(z - 1)(z - m) z^(tau-1) + alpha (1 - m)``.  A root ``z = e^{i theta}`` on the unit
    circle needs ``alpha (1-m) = -(z-1)(z-m) z^(tau-1)`` to be real and positive.  With
    ``z - 1 = 2 i sin(theta/2) e^{i theta/2}`` and ``phi(theta) = arg(e^{i theta} - m)``
    the phase condition of the first crossing and the modulus are

    .. math:: (\tau - \tfrac12)\theta + \varphi(\theta) = \tfrac{\pi}{2}, \qquad
              \alpha = \frac{2 \sin(\theta/2)\,|e^{i\theta} - m|}{1 - m}.

    For small ``theta``, ``phi = theta/(1-m) + k3 theta^3 + O(theta^5)`` with
    ``k3 = -m(1+m)/(6(1-m)^3)`` (integrate ``phi' = (1 - m cos t)/(1 - 2m cos t + m^2)``),
    and ``alpha = theta + c3 theta^3 + O(theta^5)`` with ``c3 = m/(2(1-m)^2) - 1/24``.
    Put ``N = 2 tau + (1+m)/(1-m)``: the phase condition is ``N theta/2 + k3 theta^3 = pi/2``,
    so ``theta = pi/N - 2 k3 pi^3/N^4 + ...`` and

    .. math:: 1/\alpha^* = \frac{N}{\pi} - \frac{c_3 \pi}{N} + \frac{2 k_3 \pi}{N^2} + O(N^{-3}).

    Slope ``2/pi`` for every ``m`` (the same as without momentum); offset
    ``(1+m)/(pi (1-m))``: dampened momentum acts like ``m/(1-m)`` extra steps of delay.
    Correction ``(pi/2)(1/24 - m/(2(1-m)^2))``.  The expansion needs ``theta << 1 - m``,
    i.e. ``tau >> 1/(1-m)``; the ``N^-2`` term ``2 k3 pi / N^2`` grows like ``(1-m)^-3``.

    **Shifted momentum, eq. 11.** The polynomial factors as
    ``(z - 1)(z^(tau+1) - m) + alpha (1-m) z``.  On ``z = e^{i theta}`` the imaginary part
    vanishes iff ``cos(M theta) = m cos(theta/2)`` with ``M = tau + 1/2``, and then

    .. math:: \alpha = \frac{2 \sin(\theta/2)\,(\sin(M\theta) + m \sin(\theta/2))}{1 - m}.

    Here ``psi = M theta`` stays of order one: ``psi = psi0 + psi2/M^2 + ...`` with
    ``psi0 = arccos m``, ``s0 = sqrt(1 - m^2)``, ``psi2 = m psi0^2 / (8 s0)``, and
    ``alpha = A/M + B/M^2 + C/M^3 + O(M^-4)`` with

    ``A = psi0 s0/(1-m)``, ``B = m psi0^2/(2(1-m))``,
    ``C = (psi2 (m psi0 + s0) - s0 psi0^3/24)/(1-m)``.

    Inverting, ``1/alpha* = M/A - B/A^2 + (B^2 - A C)/(A^3 M) + O(M^-2)``: slope
    ``1/A = 1/(arccos(m) sqrt((1+m)/(1-m)))``, offset ``1/(2A) - B/A^2``, correction
    ``(B^2 - A C)/A^3``.  ``A`` grows from ``pi/2`` (``m = 0``) to ``2`` (``m -> 1``), so
    shifted momentum raises the large-delay edge by the factor ``2A/pi``, at most
    ``4/pi = 1.273``.  The expansion needs ``theta^2 << s0^2``, i.e. ``tau >> 1/sqrt(1-m)``.

    At ``m = 0`` both momentum laws reduce to the plain one.

    Parameters
    ----------
    momentum : {"none", "standard", "shifted"}
    m : float
        ``0 <= m < 1`` (ignored for ``"none"``).

    Returns
    -------
    LargeDelayLaw

    Notes
    -----
    Accuracy: the three-term law errs by ``O(tau^-2)`` in ``1/alpha*``; tested against
    :func:`stability.threshold` for ``tau`` up to ``10**5`` and against a 30-digit solution
    of the unit-circle conditions above.  Which crossing is the *first* (smallest
    ``alpha``) is not derived here but checked: the tests compare with ``threshold``.

    Examples
    --------
    >>> law = large_delay_law(momentum="standard", m=0.9)
    >>> round(law.slope, 6), round(law.offset, 4)
    (0.63662, 6.0479)
    >>> round(large_delay_law(momentum="shifted", m=0.9).gain_over_plain, 4)
    1.2517
    """
    momentum, m = check_momentum(momentum, m)
    if momentum == "none" or m == 0.0:
        return LargeDelayLaw(momentum, m, 2.0 / math.pi, 1.0 / math.pi, math.pi / 48.0)
    if momentum == "standard":
        return LargeDelayLaw(momentum, m, 2.0 / math.pi, (1.0 + m) / (math.pi * (1.0 - m)),
                             0.5 * math.pi * (1.0 / 24.0 - m / (2.0 * (1.0 - m) ** 2)))
    psi0 = math.acos(m)
    s0 = math.sqrt((1.0 - m) * (1.0 + m))
    psi2 = m * psi0**2 / (8.0 * s0)
    A = psi0 * s0 / (1.0 - m)
    B = m * psi0**2 / (2.0 * (1.0 - m))
    C = (psi2 * (m * psi0 + s0) - s0 * psi0**3 / 24.0) / (1.0 - m)
    return LargeDelayLaw(momentum, m, 1.0 / A, 0.5 / A - B / A**2, (B * B - A * C) / A**3)


def large_delay_edge(tau, *, momentum: str = "none", m: float = 0.0) -> float:
    """``alpha*`` from the three-term large-delay law of :func:`large_delay_law`.

    Relative error ``O(tau^-3)`` once ``tau`` is large against ``1/(1-m)`` (standard) or
    ``1/sqrt(1-m)`` (shifted).

    Parameters
    ----------
    tau : float
        Delay, ``> 0``.
    momentum : {"none", "standard", "shifted"}
    m : float

    Examples
    --------
    >>> round(large_delay_edge(1000), 12) == round(edge_constant_delay(1000), 12)
    True
    """
    return check_result(1.0 / large_delay_law(momentum=momentum, m=m).inverse_edge(tau),
                        f"large_delay_edge({tau!r}, momentum={momentum!r}, m={m!r})")
