"""Roots of characteristic polynomials and the largest root modulus ``rho``."""

from __future__ import annotations

import numpy as np

from ._validation import check_degree, check_leading_ratio, check_roots
from .polynomials import characteristic_polynomial

__all__ = ["polynomial_roots", "max_root_modulus"]


#: Newton steps applied to every root the eigenvalue solver returns.
POLISH_STEPS = 3


def _horner(coeffs: np.ndarray, x: np.ndarray, out: np.ndarray) -> np.ndarray:
    """``numpy.polyval(coeffs, x)`` into ``out``: the same operations in the same order
    (so the same numbers), in place, without a temporary array per coefficient."""
    out[...] = 0
    for a in coeffs:
        out *= x
        out += a
    return out


def _polish(c: np.ndarray, r: np.ndarray) -> np.ndarray:
    """Newton-polish the roots ``r`` of ``c`` (highest power first), guarded.

    A step is taken only if it is shorter than a third of the distance to the nearest
    other root, so that a root cannot jump onto a neighbour (which could hide the
    largest one); multiple roots (0/0 steps) are left as they are.
    """
    if r.size < 2:
        return r
    dc = np.polyder(c)
    dist = np.abs(r[:, None] - r[None, :])
    np.fill_diagonal(dist, np.inf)
    reach = dist.min(axis=1) / 3.0
    dtype = np.result_type(c, r)
    value, slope = np.empty(r.shape, dtype), np.empty(r.shape, dtype)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for _ in range(POLISH_STEPS):
            step = _horner(c, r, value) / _horner(dc, r, slope)
            ok = np.abs(step) < reach
            r = np.where(ok, r - step, r)
    return r


#: Degrees whose companion matrices go to LAPACK's ``dlahqr`` directly (see
#: :mod:`stability._lahqr`); outside this range (and for complex coefficients) numpy.roots.
LAHQR_DEGREES = (75, 1024)


def _companion_eigenvalues(monic: np.ndarray) -> np.ndarray:
    """The roots of ``monic`` as eigenvalues of its balanced companion matrix: numpy.roots,
    or for degrees in :data:`LAHQR_DEGREES` the same matrix handed to ``dlahqr`` (numpy's
    ``dhseqr`` would use its multishift QR there, 2.6 to 3.7 times slower on these matrices
    at degrees 129 to 258, 1.4 times at 1001)."""
    n = monic.size - 1
    if LAHQR_DEGREES[0] <= n <= LAHQR_DEGREES[1] and monic.dtype == np.float64 and monic[-1] != 0:
        from ._lahqr import balanced_companion, hessenberg_eigenvalues

        h = balanced_companion(monic)
        roots = None if h is None else hessenberg_eigenvalues(h)
        if roots is not None:
            return roots
    return np.roots(monic)


def polynomial_roots(coeffs) -> np.ndarray:
    """All roots of a polynomial given **highest power first**.

    The roots are the eigenvalues of the balanced companion matrix, as
    :func:`numpy.roots` computes them (for real coefficients of degree 75 to 1024 the
    same matrix goes to LAPACK's double-shift QR ``dlahqr`` directly, 2.6 to 3.7 times
    faster than numpy's route at degrees 129 to 258 and 1.4 times at 1001:
    :mod:`stability._lahqr`), then improved by up to three
    guarded Newton steps each.  The polish brings the largest root modulus of the
    characteristic polynomials here from about 1e-12 to about 1e-15 near degree 256,
    where many roots crowd the unit circle (after it, the two eigenvalue routes agree to
    rounding: tests/test_roots.py).

    Unlike :func:`numpy.roots`, a zero leading coefficient is an error rather than a
    silent drop in degree: a characteristic polynomial that lost its leading term would
    lose roots, and with them possibly the one that decides stability.

    Parameters
    ----------
    coeffs : array_like
        Real or complex coefficients, highest power first, ``coeffs[0] != 0``.

    Returns
    -------
    ndarray
        The ``len(coeffs) - 1`` roots (complex), in no particular order.

    Raises
    ------
    ValueError
        If the array is empty, not 1-D, not finite, has a zero leading coefficient, or a
        degree above ``MAX_ROOTS_DEGREE``.
    """
    return polished_roots(*eigenvalue_roots(coeffs))


def eigenvalue_roots(coeffs) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The first half of :func:`polynomial_roots`: the checked coefficients ``c``, the
    monic polynomial and its roots as the eigenvalue solver returns them (before the
    polish).  ``polished_roots(*eigenvalue_roots(c))`` is ``polynomial_roots(c)``."""
    c = np.asarray(coeffs)
    if c.ndim != 1 or c.size == 0:
        raise ValueError(f"coefficients must be a non-empty 1-D array, got shape {c.shape}")
    if not np.all(np.isfinite(c)):
        raise ValueError(f"coefficients must be finite, got {c!r}")
    if c[0] == 0:
        raise ValueError(
            "leading coefficient is zero: coefficients are highest power first and "
            "numpy.roots would silently lower the degree"
        )
    check_degree(c.size - 1, "this polynomial")
    monic = check_leading_ratio(c)
    with np.errstate(over="ignore", invalid="ignore"):  # huge coefficients: checked below
        return c, monic, check_roots(_companion_eigenvalues(monic), c)


def polished_roots(c: np.ndarray, monic: np.ndarray, roots: np.ndarray) -> np.ndarray:
    """The second half of :func:`polynomial_roots`: the guarded Newton polish of the
    eigenvalues ``roots`` of ``monic`` (``c``: the coefficients as given, for messages)."""
    with np.errstate(over="ignore", invalid="ignore"):  # huge coefficients: checked below
        return check_roots(_polish(monic, roots), c)


def max_root_modulus(delay, alpha: float, *, momentum: str = "none", m: float = 0.0) -> float:
    """Largest root modulus ``rho(alpha)`` of the characteristic polynomial.

    The expected iterate is asymptotically stable iff ``rho < 1`` (paper, Definition 1).

    Parameters
    ----------
    delay : int or DelayDistribution
    alpha : float
        ``a * eta``.
    momentum : {"none", "standard", "shifted"}
    m : float
        Momentum coefficient, ``0 <= m <= 0.9999``.

    Notes
    -----
    The roots come from :func:`polynomial_roots` (companion-matrix eigenvalues,
    Newton-polished).  For
    the polynomials here the largest root modulus is accurate to about 1e-15 up to
    degree ~256 (the tests check the edges it yields against 40-digit arithmetic), but a
    root of multiplicity ``k`` is only accurate to about ``eps**(1/k)``: at
    ``alpha = 0`` with ``m = 0`` the zero root of multiplicity ``tau`` is harmless, but do
    not read digits from ``rho`` at exactly repeated roots.

    Examples
    --------
    >>> round(max_root_modulus(0, 0.5), 12)   # x+ = x - 0.5 x  ->  root 0.5
    0.5
    >>> max_root_modulus(32, 0.06) > 1         # above the tau = 32 edge 0.04833
    True
    """
    c = characteristic_polynomial(delay, alpha, momentum=momentum, m=m)
    return float(np.max(np.abs(polynomial_roots(c))))
