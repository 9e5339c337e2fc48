"""Characteristic polynomials of delayed gradient descent, linear in ``alpha = a*eta``.

Every array of coefficients in this module is ordered **highest power first**, as
:func:`numpy.roots` and :func:`numpy.polyval` take them (``numpy.polynomial`` uses the
opposite order).  The leading coefficient is always 1.

For a delay pmf ``p_k`` over ``k = 0..K`` write ``D(z) = sum_k p_k z**(-k)``.  The three
optimizers and their characteristic equations are

============  ===============================================  ===============================================
momentum      linearised scalar update                         characteristic equation
============  ===============================================  ===============================================
``none``      x+ = x - alpha x_d                               z - 1 + alpha D(z) = 0
``standard``  x+ = x + m (x - x_prev) - alpha (1-m) x_d        z - (1+m) + m/z + alpha (1-m) D(z) = 0
``shifted``   x+ = x + m (x_d - x_{d-1}) - alpha (1-m) x_d     z - 1 - m (1 - 1/z) D(z) + alpha (1-m) D(z) = 0
============  ===============================================  ===============================================

where ``x_d`` is the iterate ``d`` steps old and ``d`` is drawn from the delay
distribution (the analysis is of the expected iterate).  Multiplying by the smallest
power of ``z`` that clears the negative exponents gives ``c(z) = P(z) + alpha Q(z)``:

* ``none``: ``z**(K+1) - z**K + alpha sum_k p_k z**(K-k)``; a constant delay gives
  paper eq. 4/5, ``z**(tau+1) - z**tau + alpha``, and a random delay eq. 19/20;
* ``standard`` (``n = max(K, 1)``): ``z**(n+1) - (1+m) z**n + m z**(n-1)
  + alpha (1-m) sum_k p_k z**(n-k)``; a constant ``tau >= 1`` gives eq. 26 and
  ``tau = 0`` gives ``z**2 - (1 + m - alpha (1-m)) z + m``;
* ``shifted``: ``z**(K+2) - z**(K+1) - m sum_k p_k (z**(K+1-k) - z**(K-k))
  + alpha (1-m) sum_k p_k z**(K+1-k)``; a constant delay gives eq. 11,
  ``z**(tau+2) - z**(tau+1) + (alpha (1-m) - m) z + m``.
"""

from __future__ import annotations

import numpy as np

from ._validation import check_alpha, check_momentum
from .delays import as_pmf

__all__ = ["polynomial_pair", "characteristic_polynomial"]


def polynomial_pair(delay, *, momentum: str = "none", m: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(P, Q)`` with ``c(z) = P(z) + alpha * Q(z)``, highest power first.

    Both arrays have length ``degree + 1``; ``P[0] == 1`` and ``Q[0] == 0`` (so the
    degree never drops, whatever ``alpha``).  ``P(1) == 0``: ``z = 1`` is a root at
    ``alpha = 0``.

    Parameters
    ----------
    delay : int or DelayDistribution
        Constant delay ``tau >= 0`` or a delay distribution.
    momentum : {"none", "standard", "shifted"}
    m : float
        Momentum coefficient, ``0 <= m <= 0.9999`` (must be 0 for ``"none"``).

    Examples
    --------
    Paper eq. 11 for ``tau = 2``: ``z**4 - z**3 + (alpha (1-m) - m) z + m``.

    >>> P, Q = polynomial_pair(2, momentum="shifted", m=0.5)
    >>> P
    array([ 1. , -1. ,  0. , -0.5,  0.5])
    >>> Q
    array([0. , 0. , 0. , 0.5, 0. ])
    """
    momentum, m = check_momentum(momentum, m)
    p = as_pmf(delay)
    K = p.size - 1
    if momentum == "none":
        # z^(K+1) - z^K + alpha * sum_k p_k z^(K-k);  z^j sits at index K+1-j.
        P = np.zeros(K + 2)
        P[0], P[1] = 1.0, -1.0
        Q = np.zeros(K + 2)
        Q[1:] = p
    elif momentum == "standard":
        n = max(K, 1)
        # z^(n+1) - (1+m) z^n + m z^(n-1) + alpha (1-m) sum_k p_k z^(n-k)
        P = np.zeros(n + 2)
        P[0], P[1], P[2] = 1.0, -(1.0 + m), m
        Q = np.zeros(n + 2)
        Q[1 : K + 2] = (1.0 - m) * p
    else:  # shifted
        # z^(K+2) - z^(K+1) - m sum_k p_k (z^(K+1-k) - z^(K-k)) + alpha (1-m) sum_k p_k z^(K+1-k)
        P = np.zeros(K + 3)
        P[0], P[1] = 1.0, -1.0
        P[1 : K + 2] -= m * p
        P[2 : K + 3] += m * p
        Q = np.zeros(K + 3)
        Q[1 : K + 2] = (1.0 - m) * p
    return P, Q


def characteristic_polynomial(delay, alpha: float, *, momentum: str = "none", m: float = 0.0) -> np.ndarray:
    """Coefficients of the characteristic polynomial, **highest power first**.

    The result can be passed straight to :func:`numpy.roots`.  See the module docstring
    for the three families; for a constant delay they are exactly paper eqs. 4, 26 and
    11, for a random delay eqs. 19 and 20 (and their momentum analogues).

    Parameters
    ----------
    delay : int or DelayDistribution
        Constant delay ``tau >= 0`` or a delay distribution.
    alpha : float
        ``a * eta``, sharpness times learning rate (finite).
    momentum : {"none", "standard", "shifted"}
    m : float
        Momentum coefficient, ``0 <= m <= 0.9999``.

    Returns
    -------
    ndarray
        ``c`` with ``c[0] == 1``; ``c[j]`` multiplies ``z**(len(c) - 1 - j)``.

    Examples
    --------
    Paper eq. 4 with ``tau = 3``: ``z**4 - z**3 + alpha``.

    >>> characteristic_polynomial(3, 0.25)
    array([ 1.  , -1.  ,  0.  ,  0.  ,  0.25])

    Paper eq. 26 with ``tau = 0`` needs its own clearing power:

    >>> characteristic_polynomial(0, 1.0, momentum="standard", m=0.5)
    array([ 1. , -1. ,  0.5])
    """
    alpha = check_alpha(alpha)
    P, Q = polynomial_pair(delay, momentum=momentum, m=m)
    return P + alpha * Q
