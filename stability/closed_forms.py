"""Closed-form edges of stability from the paper, each an independent check of the core."""

from __future__ import annotations

import math

from ._validation import check_real, check_result

__all__ = ["edge_constant_delay", "inverse_edge_approx", "heavy_ball_edge"]


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
