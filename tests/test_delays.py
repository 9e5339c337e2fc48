import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import integrate

from stability import DiscreteGaussian, Empirical, Uniform, as_pmf, mean_delay


@given(st.integers(0, 200), st.integers(0, 200))
def test_uniform_pmf_and_mean(a, b):
    low, high = min(a, b), max(a, b)
    d = Uniform(low, high)
    assert d.pmf.shape == (high + 1,)
    assert_allclose(d.pmf[low:], 1 / (high - low + 1), rtol=1e-15)
    assert np.all(d.pmf[:low] == 0)
    assert d.mean == (low + high) / 2
    assert_allclose(d.pmf.sum(), 1.0, rtol=1e-12)


# The normal law written out with the C library's exp and erfc: independent of the
# scipy.special.ndtr the package uses (and of scipy.stats, whose import costs a second).
def _normal_pdf(x, mu=0.0, sigma=1.0):
    return math.exp(-0.5 * ((x - mu) / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))


def _normal_cdf(x, mu=0.0, sigma=1.0):
    return 0.5 * math.erfc(-(x - mu) / (sigma * math.sqrt(2)))


@pytest.mark.parametrize("mu", [1, 2, 3, 7, 30])
@pytest.mark.parametrize("sigma", [0.5, 1.0, 3.0])
def test_discrete_gaussian_raw_weights_are_interval_probabilities(mu, sigma):
    raw = DiscreteGaussian(mu, sigma=sigma, normalize=False)
    # weights that underflow to 0 at the top of the support are trimmed
    assert raw.pmf[0] == 0 and raw.pmf.size <= 2 * mu + 1
    assert raw.pmf.size == 2 * mu + 1 or raw.pmf[-1] > 0
    full = np.zeros(2 * mu + 1)
    full[: raw.pmf.size] = raw.pmf
    for k in range(1, 2 * mu + 1):
        # independent: integrate the normal density over [k - 0.5, k + 0.5]
        expected, _ = integrate.quad(_normal_pdf, k - 0.5, k + 0.5, args=(mu, sigma), epsabs=0, epsrel=1e-13)
        assert_allclose(full[k], expected, rtol=1e-9, atol=1e-300)
    total = _normal_cdf(2 * mu + 0.5, mu, sigma) - _normal_cdf(0.5, mu, sigma)
    assert_allclose(raw.mass, total, rtol=1e-12)


def test_discrete_gaussian_normalised_and_true_mean():
    g = DiscreteGaussian(1)
    assert_allclose(g.pmf.sum(), 1.0, rtol=1e-15)
    # mu = 1: support {1, 2} with weights Phi(.5)-Phi(-.5) and Phi(1.5)-Phi(.5)
    w1 = _normal_cdf(0.5) - _normal_cdf(-0.5)
    w2 = _normal_cdf(1.5) - _normal_cdf(0.5)
    assert_allclose(g.mean, (w1 + 2 * w2) / (w1 + w2), rtol=1e-14)
    assert g.mean > 1.38  # not mu: the support 1..2mu is not centred on mu
    assert_allclose(DiscreteGaussian(30).mean, 30.0, rtol=1e-12)


def test_discrete_gaussian_raw_mean_is_the_same_distribution_mean():
    assert_allclose(DiscreteGaussian(2, normalize=False).mean, DiscreteGaussian(2).mean, rtol=1e-14)


def test_empirical_mean_and_normalize():
    d = Empirical([0.25, 0.0, 0.75])
    assert d.mean == 1.5
    assert_allclose(Empirical([1, 0, 3], normalize=True).pmf, [0.25, 0, 0.75])


def test_empirical_trailing_zero_weights_are_dropped():
    d = Empirical([0.5, 0.5, 0.0, 0.0])
    assert d.max_delay == 1 and d.pmf.size == 2


def test_pmf_is_read_only():
    d = Uniform(1, 3)
    with pytest.raises(ValueError):
        d.pmf[0] = 1.0
    with pytest.raises(ValueError):
        as_pmf(4)[0] = 1.0


def test_constant_delay_pmf_and_mean():
    assert_allclose(as_pmf(3), [0, 0, 0, 1])
    assert mean_delay(3) == 3.0
    assert mean_delay(Uniform(2, 4)) == 3.0


def test_equality_and_hash():
    assert Uniform(1, 3) == Uniform(1, 3)
    assert hash(Uniform(1, 3)) == hash(Uniform(1, 3))
    assert Uniform(1, 3) != Uniform(1, 4)


@pytest.mark.parametrize(
    "make, exc, match",
    [
        (lambda: Empirical([]), ValueError, "empty"),
        (lambda: Empirical([0.5, -0.1, 0.6]), ValueError, r"negative weight -0.1 at index 1"),
        (lambda: Empirical([0.5, float("nan")]), ValueError, r"non-finite weight nan at index 1"),
        (lambda: Empirical([0.5, float("inf")]), ValueError, r"non-finite weight inf"),
        (lambda: Empirical([0.5, 0.4]), ValueError, r"sum to 0.9.*normalize=True"),
        (lambda: Empirical([0.0, 0.0], normalize=True), ValueError, r"sum to 0.0"),
        (lambda: Empirical([[0.5, 0.5]]), ValueError, r"one-dimensional"),
        (lambda: Empirical("0.5 0.5"), TypeError, r"sequence of numbers"),
        (lambda: Empirical([0.5, 0.5], normalize=1), TypeError, r"normalize"),
        (lambda: Uniform(3, 1), ValueError, r"low=3, high=1"),
        (lambda: Uniform(-1, 1), ValueError, r"low must be >= 0, got -1"),
        (lambda: Uniform(0.5, 1), TypeError, r"low must be an integer"),
        (lambda: DiscreteGaussian(0), ValueError, r"mu >= 1, got mu=0"),
        (lambda: DiscreteGaussian(2.5), TypeError, r"mu must be an integer"),
        (lambda: DiscreteGaussian(2, sigma=0.0), ValueError, r"sigma > 0, got sigma=0.0"),
        (lambda: DiscreteGaussian(2, sigma=-1.0), ValueError, r"sigma=-1.0"),
        (lambda: DiscreteGaussian(2, sigma=float("nan")), ValueError, r"sigma must be finite"),
        (lambda: DiscreteGaussian(True), TypeError, r"boolean"),
    ],
)
def test_bad_distributions_raise_naming_the_value(make, exc, match):
    with pytest.raises(exc, match=match):
        make()


def test_sum_tolerance_is_1e9():
    Empirical([0.5, 0.5 + 5e-10])  # within tolerance
    with pytest.raises(ValueError, match="not 1"):
        Empirical([0.5, 0.5 + 5e-9])


def test_mean_is_exact_for_large_support():
    w = np.full(1001, 1 / 1001)
    assert math.isclose(Empirical(w).mean, 500.0, rel_tol=1e-14)
