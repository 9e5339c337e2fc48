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


# --- the companion matrix's eigenvalues by LAPACK's dlahqr (degrees 75..1024) ----------

from stability import roots as _roots  # noqa: E402
from stability import _lahqr  # noqa: E402


def _numpy_path(c):
    """polynomial_roots as it was: numpy.roots, then the same polish."""
    monic = np.asarray(c, dtype=float) / c[0]
    return _roots._polish(monic, np.roots(monic))


def _matched_distance(a, b):
    """Largest distance from a root of ``a`` to the nearest root of ``b``, both ways."""
    d = np.abs(a[:, None] - b[None, :])
    return max(d.min(axis=1).max(), d.min(axis=0).max())


def test_dlahqr_is_reachable_and_used_in_its_degree_range(monkeypatch):
    # a binding that silently failed would fall back to numpy.roots (correct, but 3-4x
    # slower at degree 258): check that the pointer loads and that the range uses it
    assert _lahqr._load()
    calls = []
    real = _lahqr.hessenberg_eigenvalues
    monkeypatch.setattr(_lahqr, "hessenberg_eigenvalues", lambda h: calls.append(h.shape[0]) or real(h))
    lo, hi = _roots.LAHQR_DEGREES
    assert lo <= 258 <= hi  # the degree of the brentq reference's longest promised delays
    monkeypatch.setattr(_roots, "LAHQR_DEGREES", (lo, 130))  # the bounds, at affordable sizes
    for n in (lo - 1, lo, 100, 130, 131):
        c = np.zeros(n + 1)
        c[0], c[1], c[-1] = 1.0, -1.0, 1e-3
        polynomial_roots(c)
    assert calls == [lo, 100, 130]


@pytest.mark.parametrize("n", [75, 100, 257, 400])
@pytest.mark.parametrize("radius", [0.99, 1.0, 1.001])
def test_roots_of_z_to_the_n_minus_c_against_the_closed_form(n, radius):
    # z^n - c: the roots c^(1/n) exp(2 pi i k / n) (c = radius^n rounded, so the modulus
    # is that double's n-th root), n of them evenly on a circle near the unit circle, as
    # the characteristic polynomials' roots crowd it.  (With a tiny c, e.g. 0.9^600, the
    # roots are ill-conditioned: numpy.roots itself is then wrong by 0.03.)
    c = radius**n
    coeffs = np.zeros(n + 1)
    coeffs[0], coeffs[-1] = 1.0, -c
    r = polynomial_roots(coeffs)
    exact = c ** (1.0 / n) * np.exp(2j * np.pi * np.arange(n) / n)
    assert _matched_distance(r, exact) < 4e-15


@pytest.mark.parametrize("tau, scheme, m", [(74, "none", 0.0), (100, "shifted", 0.99), (256, "none", 0.0),
                                            (256, "standard", 0.99), (300, "shifted", 0.9)])
def test_dlahqr_roots_are_numpy_roots_up_to_rounding(tau, scheme, m):
    # the same balanced companion matrix, another QR variant: after the polish the roots
    # agree with the numpy.roots path to rounding, and the largest modulus to 1e-14
    from stability import characteristic_polynomial, threshold

    for alpha in threshold(tau, momentum=scheme, m=m) * np.array([0.3, 1.0, 1.7]):
        c = characteristic_polynomial(tau, alpha, momentum=scheme, m=m)
        new, old = polynomial_roots(c), _numpy_path(c)
        assert _matched_distance(new, old) < 1e-9  # roots crowding the circle: ill-conditioned
        assert abs(np.max(np.abs(new)) - np.max(np.abs(old))) < 1e-14


def test_numpy_roots_takes_over_when_dlahqr_gives_up(monkeypatch):
    # dlahqr reports non-convergence as info > 0: hessenberg_eigenvalues returns None and
    # polynomial_roots must give numpy.roots' answer (polished), not fail
    monkeypatch.setattr(_lahqr, "hessenberg_eigenvalues", lambda h: None)
    c = np.zeros(131)
    c[0], c[1], c[-1] = 1.0, -1.0, 0.01
    assert np.array_equal(polynomial_roots(c), _numpy_path(c))


def test_dlahqr_refuses_a_matrix_it_would_misread():
    # LAPACK reads column-major memory: a C-ordered (or non-float64) matrix would be read
    # transposed, i.e. as a different matrix; it is refused, naming what it got
    with pytest.raises(ValueError, match=r"Fortran-ordered float64 array, got shape \(3, 3\)"):
        _lahqr.hessenberg_eigenvalues(np.eye(3))
    h = np.asfortranarray(np.diag([2.0, 3.0]) + np.diag([1.0], -1))
    assert_allclose(np.sort(_lahqr.hessenberg_eigenvalues(h).real), [2.0, 3.0], rtol=1e-15)
