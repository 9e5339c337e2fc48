"""Input validation shared by every public function.

All checks live here so that every entry point rejects bad input the same way and
every message names the offending value (the habit of numpy's ``as_series``).
"""

from __future__ import annotations

import functools
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

#: Largest number of steps of one simulation run (a longer run would take hours).
MAX_STEPS = 10**9

#: Tolerance on the total mass of a probability mass function.
PMF_SUM_TOL = 1e-9

#: Largest delay (largest value ``K`` of a delay's support) any function accepts.  Every
#: characteristic polynomial has degree at most ``K + 2``, so this is the boundary-locus
#: limit; it is checked from the delay's *description* (the int, ``Uniform``'s ``high``,
#: ``DiscreteGaussian``'s ``2 mu``, the length of a pmf) before any array is allocated.
MAX_DELAY = MAX_LOCUS_DEGREE - 2

#: Largest momentum coefficient accepted.  Closer to 1 the characteristic polynomial has
#: a nearly double root at ``z = 1`` and the edge can no longer be computed to the
#: promised 1e-10 relative in double precision (see :func:`stability.threshold`).
MAX_MOMENTUM = 0.9999

#: Largest number of float64 elements a single working array may hold (256 MB): the
#: simulation kernels check their buffers against it before allocating.
MAX_ARRAY_ELEMENTS = 2**25


def check_delay_int(value, name: str = "delay", *, limit: int | None = MAX_DELAY) -> int:
    """Return ``value`` as a Python int after checking it is an integer ``0..limit``.

    Booleans and floats (even integral ones such as ``3.0``) are rejected with a
    :class:`TypeError`, negative values and values above ``limit`` (default
    :data:`MAX_DELAY`; None for no limit) with a :class:`ValueError`.
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
    if limit is not None and value > limit:
        raise ValueError(f"{name}={_short(value)} is above {limit}, the largest delay supported "
                         f"(its characteristic polynomial, of degree {_short(value + 1)} or more, would not "
                         "fit the boundary-locus method)")
    return value


def _short(value: int) -> str:
    """An int for a message: huge ones as ``1.0e+100`` rather than a hundred digits."""
    return str(value) if abs(value) < 10**15 else f"{float(value):.6g}" if abs(value) < 10**300 else "10**" + str(len(str(abs(value))) - 1) + "+"


def check_support(max_delay: int, what: str) -> None:
    """Refuse a delay distribution whose support ends above :data:`MAX_DELAY`.

    Called with the largest delay computed from a distribution's *parameters*, before
    its pmf is allocated.
    """
    if max_delay > MAX_DELAY:
        raise ValueError(f"{what} reaches delay {_short(max_delay)}, above {MAX_DELAY}, the largest delay "
                         "supported (its pmf and characteristic polynomial would not fit in memory)")


def check_count(value, name: str, *, low: int = 1, high: int | None = None) -> int:
    """Return ``value`` as an int in ``[low, high]``; bools and non-integers are a TypeError."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} of type {type(value).__name__}")
    value = operator.index(value)
    if value < low:
        raise ValueError(f"{name} must be a positive integer, got {value}" if low == 1 else
                         f"{name} must be >= {low}, got {value}")
    if high is not None and value > high:
        raise ValueError(f"{name}={_short(value)} is above the limit {high}")
    return value


def check_bool(value, name: str) -> bool:
    """``value`` must be exactly True or False (numpy bools accepted)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return bool(value)


def check_elements(n: int, what: str) -> None:
    """Refuse to allocate working arrays of more than :data:`MAX_ARRAY_ELEMENTS` floats."""
    if n > MAX_ARRAY_ELEMENTS:
        raise ValueError(f"{what} would need {_short(n)} floats ({n * 8 / 2**20:.3g} MiB), above the "
                         f"limit of {MAX_ARRAY_ELEMENTS} ({MAX_ARRAY_ELEMENTS * 8 // 2**20} MiB)")


def check_result(value: float, what: str) -> float:
    """A computed positive quantity must be a finite, normal float.

    Raises :class:`OverflowError` (an :class:`ArithmeticError`) when valid inputs give a
    result that double precision cannot hold: ``inf``, NaN, or a value that underflowed
    to zero or into the subnormal range (where its relative accuracy is lost).
    """
    value = float(value)
    if not math.isfinite(value):
        raise OverflowError(f"{what} is {value!r}: the result overflows double precision")
    if value != 0.0 and abs(value) < np.finfo(float).tiny or value == 0.0:
        raise OverflowError(f"{what} is {value!r}: the result underflows double precision "
                            f"(below {np.finfo(float).tiny:.3g})")
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


def check_momentum(momentum, m, *, names: tuple[str, str] = ("momentum", "m")) -> tuple[str, float]:
    """Validate a momentum scheme name and coefficient ``0 <= m <= MAX_MOMENTUM`` (0.9999).

    With ``momentum="none"`` the coefficient must be 0 (a non-zero ``m`` with no
    momentum is almost certainly a mistake, so it is refused rather than ignored).
    ``names`` are the argument names the messages use (e.g. the reference configuration's).
    """
    mom_name, m_name = names
    if not isinstance(momentum, str):
        raise TypeError(f"{mom_name} must be one of {MOMENTUM_SCHEMES}, got {momentum!r}")
    if momentum not in MOMENTUM_SCHEMES:
        raise ValueError(f"unknown {mom_name} {momentum!r}; expected one of {MOMENTUM_SCHEMES}")
    m = check_real(m, m_name, low=0.0, high=1.0, high_inclusive=False)
    if m > MAX_MOMENTUM:
        raise ValueError(f"{m_name}={m!r} is above {MAX_MOMENTUM!r}, the largest momentum accepted: closer "
                         "to 1 the edge of stability cannot be computed accurately in double precision "
                         "(see stability.threshold)")
    if momentum == "none" and m != 0.0:
        raise ValueError(f"{m_name}={m!r} was given with {mom_name}='none'; use 'standard' or 'shifted'")
    return momentum, m


def check_alpha(alpha) -> float:
    """``alpha = a * eta`` must be a finite real number."""
    return check_real(alpha, "alpha")


def check_weights(weights, name: str = "pmf", *, normalize: bool = False, any_total: bool = False) -> np.ndarray:
    """Validate a probability mass function over ``0..K`` and return a float copy.

    The weights must be a non-empty 1-D array of finite, non-negative numbers that sum
    to 1 within :data:`PMF_SUM_TOL`.  With ``normalize=True`` any positive total is
    accepted and the weights are divided by it; with ``any_total=True`` any positive,
    finite total is accepted and the weights are returned as they are (un-normalised
    weights such as the paper's raw Gaussian ones).
    """
    if isinstance(weights, (str, bytes, dict, set)) or weights is None:
        raise TypeError(f"{name} must be a sequence of numbers, got {_brief(weights)}")
    try:
        n = len(weights)
    except TypeError:
        raise TypeError(f"{name} must be a sequence of numbers, got {_brief(weights)}") from None
    if n - 1 > MAX_DELAY:
        raise ValueError(f"{name} has {n} weights (delays 0..{n - 1}), above {MAX_DELAY + 1}, "
                         f"the longest pmf supported (delays up to {MAX_DELAY})")
    if isinstance(weights, np.ndarray) and weights.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got an array of dtype {weights.dtype}")
    try:
        arr = np.array(weights, dtype=float)
    except (TypeError, ValueError, OverflowError) as exc:
        raise TypeError(f"{name} must be a sequence of real numbers, got {_brief(weights)}") from exc
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
    top = float(arr.max())
    # fsum of the weights scaled by the largest cannot overflow (1e308 + 1e308 would)
    total = top * math.fsum(arr / top) if top > 0 else 0.0
    if total <= 0:
        raise ValueError(f"{name} weights sum to {total!r}; at least one must be positive")
    if normalize:
        arr = arr / top
        arr = arr / math.fsum(arr)
    elif any_total:
        if not math.isfinite(total):
            raise ValueError(f"{name} weights sum to {total!r}, beyond double precision")
    elif abs(total - 1.0) > PMF_SUM_TOL:
        raise ValueError(
            f"{name} weights sum to {total!r}, not 1 (tolerance {PMF_SUM_TOL:g}); "
            "pass normalize=True to rescale them"
        )
    return arr


def check_leading_ratio(c: np.ndarray) -> np.ndarray:
    """Return ``c / c[0]`` (the same roots), which must stay finite: ``[5e-324, 1]`` has a
    root at -2e323, beyond double precision."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        monic = c / c[0]
    if not np.all(np.isfinite(monic)):
        raise ValueError(f"coefficients {_brief(c)} have roots beyond double precision: dividing by the "
                         f"leading coefficient {c[0]!r} overflows")
    return monic


def check_roots(roots: np.ndarray, c: np.ndarray) -> np.ndarray:
    """Roots that came out non-finite (coefficients near the overflow threshold) are an
    :class:`OverflowError`, never returned."""
    if not np.all(np.isfinite(roots)):
        raise OverflowError(f"the roots of {_brief(c)} overflow double precision")
    return roots


def _brief(value) -> str:
    """``repr`` of a value, cut short for messages."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


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


ENGINES = ("auto", "numba", "numpy")


def check_engine(engine) -> str:
    """``engine`` if it is one of :data:`ENGINES`, else ValueError naming it."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, got {engine!r}")
    return engine


def compiled_kernel(name: str, engine: str):
    """The numba-compiled function ``name`` of :mod:`stability._compiled`, or None.

    None for ``engine="numpy"``, and for ``"auto"`` when numba is not installed (the callers'
    numpy loops give the same numbers); ``"numba"`` without numba raises ImportError.
    Looked up once per ``(name, engine)``: hot loops may call this every time.
    """
    return _kernel(name, check_engine(engine))


@functools.cache
def _kernel(name: str, engine: str):
    if engine == "numpy":
        return None
    try:
        from . import _compiled  # numba is imported only here, on first use
    except ImportError:
        if engine == "numba":
            raise
        return None
    return getattr(_compiled, name)
