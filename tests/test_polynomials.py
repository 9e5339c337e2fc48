"""Characteristic polynomials: the paper's equations, coefficient order, and the
eigenvalues of each recurrence's own state matrix."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy.optimize import linear_sum_assignment

import stability
from stability import Uniform, characteristic_polynomial, polynomial_pair

from .strategies import delays, scheme_and_m


def test_coefficient_order_is_highest_power_first():
    # z^3 - z^2 + alpha: numpy.roots order; numpy.polynomial would be reversed.
    c = characteristic_polynomial(2, 0.3)
    assert_array_equal(c, [1.0, -1.0, 0.0, 0.3])
    # evaluating with numpy.polyval (highest first) at z = 2: 8 - 4 + 0.3
    assert np.polyval(c, 2.0) == pytest.approx(4.3)
    # and the leading coefficient is 1 for every scheme
    for scheme, m in [("none", 0.0), ("standard", 0.5), ("shifted", 0.5)]:
        assert characteristic_polynomial(Uniform(1, 5), 0.7, momentum=scheme, m=m)[0] == 1.0


@pytest.mark.parametrize("tau", [0, 1, 2, 5, 17])
def test_eq4_plain_constant_delay(tau):
    alpha = 0.123
    expected = np.zeros(tau + 2)
    expected[0], expected[1] = 1, -1
    expected[-1] += alpha  # z^(tau+1) - z^tau + alpha (tau = 0: z - 1 + alpha)
    assert_allclose(characteristic_polynomial(tau, alpha), expected, rtol=0, atol=1e-15)


@pytest.mark.parametrize("tau", [1, 2, 5, 17])
def test_eq26_standard_momentum(tau):
    alpha, m = 0.3, 0.7
    expected = np.zeros(tau + 2)  # z^(tau+1) - (1+m) z^tau + m z^(tau-1) + alpha (1-m)
    expected[0], expected[1], expected[2] = 1, -(1 + m), m
    expected[-1] += alpha * (1 - m)
    assert_allclose(characteristic_polynomial(tau, alpha, momentum="standard", m=m), expected, atol=1e-15)


def test_eq26_tau0_has_its_own_clearing_power():
    alpha, m = 0.3, 0.7
    expected = [1.0, -(1 + m - alpha * (1 - m)), m]
    assert_allclose(characteristic_polynomial(0, alpha, momentum="standard", m=m), expected, atol=1e-15)


@pytest.mark.parametrize("tau", [0, 1, 2, 5, 17])
def test_eq11_shifted_momentum(tau):
    alpha, m = 0.3, 0.7
    expected = np.zeros(tau + 3)  # z^(tau+2) - z^(tau+1) + (alpha(1-m) - m) z + m
    expected[0] += 1
    expected[1] -= 1
    expected[-2] += alpha * (1 - m) - m
    expected[-1] += m
    assert_allclose(characteristic_polynomial(tau, alpha, momentum="shifted", m=m), expected, atol=1e-15)


def test_eq20_uniform_delay():
    # z - 1 + alpha/n sum_{k=a}^{b} z^-k, times z^b
    a, b, alpha = 2, 5, 0.4
    n = b - a + 1
    expected = np.zeros(b + 2)
    expected[0], expected[1] = 1, -1
    for k in range(a, b + 1):
        expected[k + 1] += alpha / n  # z^(b-k) sits at index (b+1) - (b-k)
    assert_allclose(characteristic_polynomial(Uniform(a, b), alpha), expected, atol=1e-15)


@given(delays(), scheme_and_m(), st.floats(0.0, 5.0))
def test_linear_in_alpha_and_root_at_one(delay, sm, alpha):
    scheme, m = sm
    P, Q = polynomial_pair(delay, momentum=scheme, m=m)
    assert P[0] == 1 and Q[0] == 0
    assert_allclose(characteristic_polynomial(delay, alpha, momentum=scheme, m=m), P + alpha * Q, atol=1e-15)
    assert abs(np.polyval(P, 1.0)) < 1e-12  # z = 1 is a root at alpha = 0
    # the root z = 1 moves with dz/dalpha = -Q(1)/P'(1) = -1 when the pmf sums to 1
    assert_allclose(-np.polyval(Q, 1.0) / np.polyval(np.polyder(P), 1.0), -1.0, rtol=1e-9)


# --- the recurrence's own state matrix --------------------------------------------------

def state_matrix(pmf, alpha, scheme, m):
    """Transition matrix of the state (x_t, x_{t-1}, ..., x_{t-L+1}) built from the
    update rule itself, with no reference to the polynomial code."""
    K = len(pmf) - 1
    # coefficients of x_{t-j} in x_{t+1}, j = 0..L-1
    if scheme == "none":
        L = K + 1
        row = np.zeros(L)
        row[0] += 1
        for k, p in enumerate(pmf):
            row[k] -= alpha * p
    elif scheme == "standard":
        L = max(K, 1) + 1
        row = np.zeros(L)
        row[0] += 1 + m
        row[1] -= m
        for k, p in enumerate(pmf):
            row[k] -= alpha * (1 - m) * p
    else:  # x+ = x + sum_k p_k [m (x_{t-k} - x_{t-k-1}) - alpha (1-m) x_{t-k}]
        L = K + 2
        row = np.zeros(L)
        row[0] += 1
        for k, p in enumerate(pmf):
            row[k] += m * p - alpha * (1 - m) * p
            row[k + 1] -= m * p
    A = np.zeros((L, L))
    A[0] = row
    A[1:, :-1] = np.eye(L - 1)
    return A


@given(delays(max_tau=30), scheme_and_m(), st.floats(0.01, 2.0))
@settings(max_examples=60)
@example(0, ("standard", 0.5), 1.0)
@example(stability.Uniform(1, 3), ("shifted", 0.9), 0.3)
def test_roots_equal_eigenvalues_of_the_state_matrix(delay, sm, alpha):
    scheme, m = sm
    pmf = stability.as_pmf(delay)
    eig = np.linalg.eigvals(state_matrix(pmf, alpha, scheme, m))
    roots = np.roots(characteristic_polynomial(delay, alpha, momentum=scheme, m=m))
    assert roots.size == eig.size
    cost = np.abs(roots[:, None] - eig[None, :])
    r, c = linear_sum_assignment(cost)
    # simple roots agree to ~1e-12; a k-fold root (e.g. z = 0) only to ~eps**(1/k)
    assert np.max(cost[r, c]) < 1e-5
    assert_allclose(np.max(np.abs(eig)), stability.max_root_modulus(delay, alpha, momentum=scheme, m=m),
                    rtol=1e-7)


def test_state_matrix_determinant_identity():
    # det(zI - A) equals c(z) at deg+1 points: the two polynomials are identical.
    for delay, scheme, m in [(7, "shifted", 0.8), (Uniform(2, 6), "standard", 0.4), (3, "none", 0.0)]:
        pmf = stability.as_pmf(delay)
        A = state_matrix(pmf, 0.37, scheme, m)
        c = characteristic_polynomial(delay, 0.37, momentum=scheme, m=m)
        zs = 1.1 * np.exp(2j * np.pi * np.arange(c.size) / c.size)
        dets = np.array([np.linalg.det(z * np.eye(len(A)) - A) for z in zs])
        assert_allclose(dets, np.polyval(c, zs), rtol=1e-11)
