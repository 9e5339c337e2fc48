import numpy as np
import pytest
from numpy.testing import assert_allclose

from stability import max_root_modulus, polynomial_roots
from stability._validation import MAX_ROOTS_DEGREE


def test_leading_zero_is_refused_not_dropped():
    # numpy.roots would silently treat [0, 1, -2] as z - 2
    assert np.roots([0.0, 1.0, -2.0]).size == 1
    with pytest.raises(ValueError, match="leading coefficient is zero"):
        polynomial_roots([0.0, 1.0, -2.0])


def test_known_roots():
    r = np.sort_complex(polynomial_roots([1.0, -3.0, 2.0]))
    assert_allclose(r, [1.0, 2.0], rtol=1e-15)


def test_tau0_plain_root_is_one_minus_alpha():
    for alpha in (0.1, 0.5, 1.7, 2.5):
        assert_allclose(max_root_modulus(0, alpha), abs(1 - alpha), rtol=1e-14)


def test_heavy_ball_roots_have_modulus_sqrt_m_when_complex():
    # z^2 - (1 + m - alpha(1-m)) z + m: complex pair of modulus sqrt(m)
    m, alpha = 0.81, 1.0
    assert_allclose(max_root_modulus(0, alpha, momentum="standard", m=m), np.sqrt(m), rtol=1e-13)


def test_polish_improves_clustered_roots():
    # z^258 - z^257 + alpha: roots crowd the unit circle; the polished modulus of the
    # root that crosses at eq. 6 is 1 to near machine precision.
    tau = 256
    alpha = 2 * np.sin(np.pi / (4 * tau + 2))
    assert abs(max_root_modulus(tau, alpha) - 1) < 1e-14


@pytest.mark.parametrize("bad", [[], [[1.0, 2.0]], [1.0, np.nan], [1.0, np.inf]])
def test_bad_coefficients(bad):
    with pytest.raises(ValueError):
        polynomial_roots(bad)


def test_too_large_degree_is_refused_with_a_reason():
    with pytest.raises(ValueError, match=r"degree 5001, above 2050.*numpy.roots"):
        max_root_modulus(5000, 0.001)
    assert MAX_ROOTS_DEGREE >= 258
