"""Delay distributions: how stale a gradient is when it is applied.

A delay is either a plain ``int >= 0`` (every gradient is exactly that many steps old)
or one of the distributions below, each a probability mass function (pmf) over
``0..K``.  The stability analysis only needs the pmf: it enters the characteristic
equation through ``D(z) = sum_k p_k z**(-k)`` (paper eq. 19).
"""

from __future__ import annotations

import math

import numpy as np

from ._validation import check_delay_int, check_real, check_weights

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
        pmf = np.asarray(pmf, dtype=float)
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
        return math.fsum(self._pmf)

    @property
    def mean(self) -> float:
        k = np.arange(self._pmf.size)
        return math.fsum(k * self._pmf) / self.mass

    def __eq__(self, other):
        return type(self) is type(other) and np.array_equal(self._pmf, other._pmf)

    def __hash__(self):
        return hash((type(self).__name__, self._pmf.tobytes()))


class Uniform(DelayDistribution):
    """Delay drawn uniformly from ``{low, ..., high}`` (paper eq. 20).

    Parameters
    ----------
    low, high : int
        Inclusive bounds, ``0 <= low <= high``.

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
        Centre of the Gaussian, an integer ``>= 1`` (the support is ``1..2mu``).
    sigma : float, optional
        Standard deviation, ``> 0``.  Default 1.0 as in the paper.
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
        mu = check_delay_int(mu, "mu")
        if mu < 1:
            raise ValueError(f"DiscreteGaussian needs mu >= 1, got mu={mu}")
        sigma = check_real(sigma, "sigma")
        if sigma <= 0:
            raise ValueError(f"DiscreteGaussian needs sigma > 0, got sigma={sigma!r}")
        if not isinstance(normalize, bool):
            raise TypeError(f"normalize must be True or False, got {normalize!r}")
        self.mu, self.sigma, self.normalize = mu, sigma, normalize
        from scipy.special import ndtr  # lazily: scipy.special costs 0.2 s to import

        k = np.arange(1, 2 * mu + 1, dtype=float)
        lo = (k - 0.5 - mu) / sigma
        hi = (k + 0.5 - mu) / sigma
        # Difference of CDFs below the centre, of survival functions above it, so that
        # neither tail loses digits to cancellation.
        w = np.where(hi <= 0, ndtr(hi) - ndtr(lo), ndtr(-lo) - ndtr(-hi))
        pmf = np.concatenate([[0.0], w])
        if normalize:
            pmf = pmf / math.fsum(pmf)
        super().__init__(pmf)

    @property
    def support(self) -> tuple[int, int]:
        return (1, 2 * self.mu)

    def __repr__(self):
        return f"DiscreteGaussian({self.mu}, sigma={self.sigma!r}, normalize={self.normalize})"


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
        if not isinstance(normalize, bool):
            raise TypeError(f"normalize must be True or False, got {normalize!r}")
        super().__init__(check_weights(pmf, "pmf", normalize=normalize))

    def __repr__(self):
        return f"Empirical({self.pmf.tolist()!r})"


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
