"""Input validation shared by every public function.

All checks live here so that every entry point rejects bad input the same way and
every message names the offending value (the habit of numpy's ``as_series``).
"""

from __future__ import annotations

import math
import numbers
import operator

import numpy as np

MOMENTUM_SCHEMES = ("none", "standard", "shifted")

#: Largest polynomial degree handed to :func:`numpy.roots`.  Its companion matrix has
#: ``degree**2`` entries and the eigenvalue solve costs ``O(degree**3)``: at 2048 one
#: call already takes several seconds on a laptop-class core.
MAX_ROOTS_DEGREE = 2050

#: Largest degree the boundary-locus method accepts: its grid holds about 16 complex
#: numbers per degree (a few hundred MB at this size).
MAX_LOCUS_DEGREE = 2**20 + 2

#: Tolerance on the total mass of a probability mass function.
PMF_SUM_TOL = 1e-9


def check_delay_int(value, name: str = "delay") -> int:
    """Return ``value`` as a Python int after checking it is an integer >= 0.

    Booleans and floats (even integral ones such as ``3.0``) are rejected with a
    :class:`TypeError`, negative values with a :class:`ValueError`.
    """
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer >= 0, got the boolean {value!r}")
    if not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer >= 0 or a delay distribution, "
            f"got {value!r} of type {type(value).__name__}"
        )
    value = operator.index(value)
    if value < 0:
        raise ValueError(f"{name} must be >= 0, got {value}")
    return value


def check_real(value, name: str, *, low=None, high=None, low_inclusive=True,
               high_inclusive=True) -> float:
    """Return ``value`` as a finite float, optionally inside ``[low, high]``."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a real number, got the boolean {value!r}")
    if not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if low is not None:
        if (value < low) if low_inclusive else (value <= low):
            op = ">=" if low_inclusive else ">"
            raise ValueError(f"{name} must be {op} {low}, got {value!r}")
    if high is not None:
        if (value > high) if high_inclusive else (value >= high):
            op = "<=" if high_inclusive else "<"
            raise ValueError(f"{name} must be {op} {high}, got {value!r}")
    return value


def check_momentum(momentum, m) -> tuple[str, float]:
    """Validate a momentum scheme name and coefficient ``0 <= m < 1``.

    With ``momentum="none"`` the coefficient must be 0 (a non-zero ``m`` with no
    momentum is almost certainly a mistake, so it is refused rather than ignored).
    """
    if not isinstance(momentum, str):
        raise TypeError(f"momentum must be one of {MOMENTUM_SCHEMES}, got {momentum!r}")
    if momentum not in MOMENTUM_SCHEMES:
        raise ValueError(f"unknown momentum {momentum!r}; expected one of {MOMENTUM_SCHEMES}")
    m = check_real(m, "m", low=0.0, high=1.0, high_inclusive=False)
    if momentum == "none" and m != 0.0:
        raise ValueError(f"m={m!r} was given with momentum='none'; use momentum='standard' or 'shifted'")
    return momentum, m


def check_alpha(alpha) -> float:
    """``alpha = a * eta`` must be a finite real number."""
    return check_real(alpha, "alpha")


def check_weights(weights, name: str = "pmf", *, normalize: bool = False) -> np.ndarray:
    """Validate a probability mass function over ``0..K`` and return a float copy.

    The weights must be a non-empty 1-D array of finite, non-negative numbers that sum
    to 1 within :data:`PMF_SUM_TOL`.  With ``normalize=True`` any positive total is
    accepted and the weights are divided by it.
    """
    if isinstance(weights, (str, bytes)):
        raise TypeError(f"{name} must be a sequence of numbers, got {weights!r}")
    try:
        arr = np.array(weights, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a sequence of numbers, got {weights!r}") from exc
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name} is empty")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise ValueError(f"{name} has a non-finite weight {float(arr[bad[0]])!r} at index {bad[0]}")
    neg = np.flatnonzero(arr < 0)
    if neg.size:
        raise ValueError(f"{name} has a negative weight {float(arr[neg[0]])!r} at index {neg[0]}")
    total = math.fsum(arr)
    if total <= 0:
        raise ValueError(f"{name} weights sum to {total!r}; at least one must be positive")
    if normalize:
        arr = arr / total
    elif abs(total - 1.0) > PMF_SUM_TOL:
        raise ValueError(
            f"{name} weights sum to {total!r}, not 1 (tolerance {PMF_SUM_TOL:g}); "
            "pass normalize=True to rescale them"
        )
    return arr


def check_degree(degree: int, what: str, *, method: str = "brentq") -> None:
    """Refuse polynomials too large for the method that would handle them."""
    if method == "locus" and degree > MAX_LOCUS_DEGREE:
        raise ValueError(
            f"{what} gives a characteristic polynomial of degree {degree}, above "
            f"{MAX_LOCUS_DEGREE}, the largest the boundary-locus method handles "
            "(its grid needs about 16 complex numbers per degree)"
        )
    if method == "brentq" and degree > MAX_ROOTS_DEGREE:
        raise ValueError(
            f"{what} gives a characteristic polynomial of degree {degree}, above "
            f"{MAX_ROOTS_DEGREE}, the largest this numpy.roots-based method handles "
            "(its companion matrix needs O(degree**2) memory and O(degree**3) time)"
        )
