"""Delay distributions: how stale a gradient is when it is applied.

A delay is either a plain ``int >= 0`` (every gradient is exactly that many steps old)
or one of the distributions below, each a probability mass function (pmf) over
``0..K``.  The stability analysis only needs the pmf: it enters the characteristic
equation through ``D(z) = sum_k p_k z**(-k)`` (paper eq. 19).
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import check_bool, check_delay_int, check_real, check_support, check_weights

__all__ = ["DelayDistribution", "Uniform", "DiscreteGaussian", "Empirical", "as_pmf", "mean_delay"]


class DelayDistribution:
    """Base class: a distribution of integer delays with a pmf over ``0..K``.

    Attributes
    ----------
    pmf : ndarray
        Read-only weights ``pmf[k] = Pr(tau = k)`` for ``k = 0..K``, with ``pmf[K] > 0``.
    mean : float
        The exact mean ``sum_k k * pmf[k] / sum_k pmf[k]`` of the distribution.
    """

    def __init__(self, pmf: np.ndarray):
        pmf = check_weights(pmf, "pmf", any_total=True)
        last = np.flatnonzero(pmf)[-1]  # trailing zero weights carry no delay
        pmf = pmf[: last + 1].copy()
        pmf.setflags(write=False)
        self._pmf = pmf

    @property
    def pmf(self) -> np.ndarray:
        return self._pmf

    @property
    def max_delay(self) -> int:
        """Largest delay with non-zero probability, ``K``."""
        return self._pmf.size - 1

    @property
    def mass(self) -> float:
        """Total weight ``sum_k pmf[k]``: 1 except for un-normalised paper weights."""
        top = float(self._pmf.max())
        return top * math.fsum(self._pmf / top)  # scaled: cannot overflow on the way

    @property
    def mean(self) -> float:
        k = np.arange(self._pmf.size)
        top = float(self._pmf.max())
        return math.fsum(k * (self._pmf / top)) / math.fsum(self._pmf / top)

    def __eq__(self, other):
        return type(self) is type(other) and np.array_equal(self._pmf, other._pmf)

    def __hash__(self):
        return hash((type(self).__name__, self._pmf.tobytes()))


class Uniform(DelayDistribution):
    """Delay drawn uniformly from ``{low, ..., high}`` (paper eq. 20).

    Parameters
    ----------
    low, high : int
        Inclusive bounds, ``0 <= low <= high <= MAX_DELAY`` (``2**20``; larger ``high``
        is refused before the pmf is allocated).

    Examples
    --------
    >>> Uniform(1, 4).pmf
    array([0.  , 0.25, 0.25, 0.25, 0.25])
    >>> Uniform(1, 4).mean
    2.5
    """

    def __init__(self, low: int, high: int):
        low = check_delay_int(low, "low")
        high = check_delay_int(high, "high")
        if high < low:
            raise ValueError(f"Uniform needs low <= high, got low={low}, high={high}")
        self.low, self.high = low, high
        pmf = np.zeros(high + 1)
        pmf[low:] = 1.0 / (high - low + 1)
        super().__init__(pmf)

    @property
    def mean(self) -> float:
        return (self.low + self.high) / 2

    def __repr__(self):
        return f"Uniform({self.low}, {self.high})"


class DiscreteGaussian(DelayDistribution):
    """The paper's discretised Gaussian delay (Fig. 8).

    .. math::  w_k = \\Pr(k - 0.5 \\le Z \\le k + 0.5), \\quad Z \\sim N(\\mu, \\sigma^2),
               \\quad k = 1, \\dots, 2\\mu .

    The support ``1..2mu`` is not centred on ``mu`` (its midpoint is ``mu + 1/2``) and
    the weights do not sum to one: for ``mu = 1`` they sum to 0.62 and the true mean is
    1.387, not 1; the gap falls below 1e-4 from ``mu = 5`` on.  By default the weights are
    divided by their sum, giving a proper pmf; ``normalize=False`` keeps the raw weights
    exactly as printed in the paper, and they are then used as given in the
    characteristic polynomial.  :attr:`mean` is always the true mean
    ``sum_k k w_k / sum_k w_k``, never ``mu``.

    Parameters
    ----------
    mu : int
        Centre of the Gaussian, an integer ``>= 1`` (the support is ``1..2mu``), with
        ``2 mu <= MAX_DELAY`` (``2**20``), checked before the pmf is allocated.
    sigma : float, optional
        Standard deviation, ``0 < sigma <= 1e300``.  Default 1.0 as in the paper.

    Notes
    -----
    Each weight is computed to about 1e-13 relative or better for every ``sigma`` (tested
    against 400-digit mpmath; 1e-15 except in the deep tails): where a cell is
    narrow against the Gaussian's local scale (``h = 1/(2 sigma) <= 1`` and
    ``|c| h <= 1`` for the cell centre ``c = (k - mu)/sigma``) the difference of CDFs,
    which would cancel (losing digits as ``1/sigma``: 1e-4 at ``sigma = 1e12``), is
    replaced by ``2 h phi(c)`` times a 12-point Gauss-Legendre average of
    ``exp(-c s - s**2/2)`` over ``s`` in ``[-h, h]`` (an entire function; the rule is
    exact to rounding there); elsewhere the CDFs differ by more than they are large and
    the difference of CDFs (or of survival functions above the centre) is accurate.
    normalize : bool, optional
        Divide the weights by their sum (default ``True``).

    Examples
    --------
    >>> g = DiscreteGaussian(3)
    >>> g.support
    (1, 6)
    >>> round(g.mean, 6)
    3.018047
    >>> round(DiscreteGaussian(1, normalize=False).mass, 6)
    0.624655
    """

    def __init__(self, mu: int, sigma: float = 1.0, normalize: bool = True):
        mu = check_delay_int(mu, "mu", limit=None)
        if mu < 1:
            raise ValueError(f"DiscreteGaussian needs mu >= 1, got mu={mu}")
        check_support(2 * mu, f"DiscreteGaussian(mu={mu}) (support 1..2mu)")
        sigma = check_real(sigma, "sigma")
        if sigma <= 0:
            raise ValueError(f"DiscreteGaussian needs sigma > 0, got sigma={sigma!r}")
        if sigma > _MAX_SIGMA:
            raise ValueError(f"DiscreteGaussian needs sigma <= {_MAX_SIGMA:g}, got sigma={sigma!r}")
        normalize = check_bool(normalize, "normalize")
        self.mu, self.sigma, self.normalize = mu, sigma, normalize
        pmf = np.concatenate([[0.0], _gaussian_cells(mu, sigma)])
        if normalize:
            pmf = pmf / math.fsum(pmf)
        super().__init__(pmf)

    @property
    def support(self) -> tuple[int, int]:
        return (1, 2 * self.mu)

    def __repr__(self):
        return f"DiscreteGaussian({self.mu}, sigma={self.sigma!r}, normalize={self.normalize})"


_MAX_SIGMA = 1e300
_GL_NODES, _GL_WEIGHTS = np.polynomial.legendre.leggauss(12)


def _gaussian_cells(mu: int, sigma: float) -> np.ndarray:
    """``Pr(k - 1/2 <= Z <= k + 1/2)`` for ``Z ~ N(mu, sigma**2)``, ``k = 1..2mu`` (see Notes above)."""
    from scipy.special import ndtr  # lazily: scipy.special costs 0.2 s to import

    k = np.arange(1, 2 * mu + 1, dtype=float)
    h = 0.5 / sigma
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        c = (k - mu) / sigma
        lo, hi = (k - 0.5 - mu) / sigma, (k + 0.5 - mu) / sigma
        # Difference of CDFs below the centre, of survival functions above it, so that
        # neither tail loses digits to cancellation.
        w = np.where(hi <= 0, ndtr(hi) - ndtr(lo), ndtr(-lo) - ndtr(-hi))
        narrow = np.abs(c) * h <= 1.0 if h <= 1.0 else np.zeros(c.shape, dtype=bool)
        if narrow.any():
            cn = c[narrow]
            s = h * _GL_NODES  # Gauss-Legendre nodes on [-h, h]
            avg = np.exp(-np.multiply.outer(cn, s) - 0.5 * s * s) @ (_GL_WEIGHTS / 2)
            w[narrow] = (2.0 * h) * (np.exp(-0.5 * cn * cn) / math.sqrt(2.0 * math.pi)) * avg
    return w


class Empirical(DelayDistribution):
    """Any pmf over ``0..K``, for example a measured staleness histogram.

    Parameters
    ----------
    pmf : sequence of float
        ``pmf[k] = Pr(tau = k)``.  Weights must be finite and non-negative and sum to 1
        within 1e-9, unless ``normalize=True``.
    normalize : bool, optional
        Divide the weights by their sum (so raw counts can be passed).  Default ``False``.

    Examples
    --------
    >>> Empirical([0, 0.5, 0.5]).mean
    1.5
    >>> Empirical([2, 6, 2], normalize=True).pmf
    array([0.2, 0.6, 0.2])
    """

    def __init__(self, pmf, normalize: bool = False):
        normalize = check_bool(normalize, "normalize")
        super().__init__(check_weights(pmf, "pmf", normalize=normalize))

    def __repr__(self):
        w = self.pmf.tolist()
        if len(w) <= _REPR_WEIGHTS:
            return f"Empirical({w!r})"
        # a long pmf would make every error message naming it megabytes long
        ends = ", ".join(map(repr, w[:3])) + ", ..., " + ", ".join(map(repr, w[-3:]))
        return f"Empirical([{ends}]; {len(w)} weights, {np.count_nonzero(self.pmf)} non-zero)"


#: Empirical pmfs longer than this are summarised by their repr (first and last weights).
_REPR_WEIGHTS = 64


def as_pmf(delay) -> np.ndarray:
    """Return the pmf of ``delay`` over ``0..K`` (``pmf[K] > 0``), read-only.

    Parameters
    ----------
    delay : int or DelayDistribution
        An ``int >= 0`` (a constant delay, whose pmf is a unit vector) or a distribution.
    """
    if isinstance(delay, DelayDistribution):
        return delay.pmf
    tau = check_delay_int(delay)
    pmf = np.zeros(tau + 1)
    pmf[tau] = 1.0
    pmf.setflags(write=False)
    return pmf


def mean_delay(delay) -> float:
    """Exact mean of a constant delay or a delay distribution.

    Parameters
    ----------
    delay : int or DelayDistribution
    """
    if isinstance(delay, DelayDistribution):
        return delay.mean
    return float(check_delay_int(delay))
