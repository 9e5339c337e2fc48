"""Async-MSGD on streaming PCA: the vectorised update, convergence, the hand-derived
Jacobian, the stability prediction, and bad input."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

import stability
from stability.pca import (
    BoundedData,
    GaussianData,
    async_msgd,
    expected_update,
    jacobian_at_optimum,
    largest_good_delay,
    linearised_alphas,
    predicted_largest_stable_delay,
)

LAM = (4.0, 3.0, 2.0, 1.0)


def plain_loop(lam, eta, mu, tau, xs, v0):
    """Liu et al.'s eq. 5 for one run and one delay, one step at a time."""
    v = [np.array(v0, float)]

    def past(k):
        return v[k] if k >= 0 else v[0]

    for k, X in enumerate(xs):
        w = past(k - tau)
        step = (np.eye(len(lam)) - np.outer(w, w)) @ np.outer(X, X) @ w
        v.append(v[k] + mu * (v[k] - past(k - 1)) + eta * step)
    return np.array(v)


def test_vectorised_update_equals_a_plain_loop():
    mus, delays, runs, steps = [0.0, 0.9], [0, 3, 7], 2, 40
    B = len(mus) * len(delays) * runs
    rng = np.random.default_rng(1)
    xs = rng.standard_normal((steps, B, 4)) * np.sqrt(LAM)
    v0 = np.array([0.3, 0.8, -0.2, 0.1])
    res = async_msgd(LAM, 0.01, mus, delays, runs=runs, steps=steps, window=1, v0=v0, samples=lambda k: xs[k])
    b = 0
    for i, mu in enumerate(mus):
        for j, tau in enumerate(delays):
            for r in range(runs):
                path = plain_loop(LAM, 0.01, mu, tau, xs[:, b], v0)
                final = path[-1]
                expected_err = 1 - final[0] ** 2 / (final @ final)
                assert_allclose(res.errors[i, j, r], expected_err, rtol=1e-12, atol=1e-15)
                b += 1


def test_delay_0_no_momentum_converges_to_e1():
    # from the saddle e2, the noise pushes the iterate off and it settles at +-e1 up to
    # fluctuations of order eta: sin^2 of the angle, averaged over the last 2000 steps
    res = async_msgd(LAM, 1e-3, [0.0], [0], runs=8, steps=20000, window=2000, rng=3)
    assert np.all(res.errors < 0.05) and res.errors.mean() < 0.015
    start = async_msgd(LAM, 1e-3, [0.0], [0], runs=8, steps=10, window=10, rng=3)
    assert np.all(start.errors > 0.99)  # it did start at the saddle


def test_bounded_data_is_bounded_with_covariance_sigma():
    x = BoundedData(LAM).draw(np.random.default_rng(0), 200_000)
    assert np.max(np.linalg.norm(x, axis=1)) <= np.sqrt(3 * sum(LAM)) + 1e-12
    assert_allclose(np.cov(x.T), np.diag(LAM), atol=0.05)
    g = GaussianData(LAM).draw(np.random.default_rng(0), 200_000)
    assert_allclose(np.cov(g.T), np.diag(LAM), atol=0.05)
    res = async_msgd(LAM, 1e-3, [0.0], [0], runs=8, steps=20000, window=2000, rng=3, data="bounded")
    assert np.all(res.errors < 0.05) and res.errors.mean() < 0.02


def test_hand_derived_jacobian_equals_finite_differences():
    eta, mu, h = 5e-4, 0.8, 1e-6
    e1 = np.eye(4)[0]
    J = np.empty((4, 4))
    for j in range(4):
        dw = np.zeros(4)
        dw[j] = h
        plus = expected_update(e1, e1, e1 + dw, LAM, eta, mu)
        minus = expected_update(e1, e1, e1 - dw, LAM, eta, mu)
        J[:, j] = (plus - minus) / (2 * h)
    assert_allclose(J, jacobian_at_optimum(LAM, eta), rtol=1e-7, atol=1e-12)
    # and with respect to v_k and v_{k-1}: (1 + mu) I and -mu I
    Jv = np.column_stack([(expected_update(e1 + h * np.eye(4)[j], e1, e1, LAM, eta, mu)
                           - expected_update(e1 - h * np.eye(4)[j], e1, e1, LAM, eta, mu)) / (2 * h) for j in range(4)])
    assert_allclose(Jv, (1 + mu) * np.eye(4), atol=1e-8)


def test_expected_update_fixes_the_optimum():
    e1 = np.eye(4)[0]
    assert_allclose(expected_update(e1, e1, e1, LAM, 0.1, 0.5), e1, atol=1e-15)


def test_prediction_decreases_with_momentum():
    mus = np.linspace(0.0, 0.95, 20)
    pred = [predicted_largest_stable_delay(LAM, 5e-4, mu) for mu in mus]
    assert all(a > b for a, b in zip(pred, pred[1:])), pred


def test_prediction_matches_a_direct_simulation_of_the_linearised_recurrence():
    # no toolkit mapping involved: iterate the undampened scalar recurrence of the most
    # unstable (radial) direction, delta+ = (1+mu) delta - mu delta_prev - eta 2 lambda_1 delta_{k-tau}
    eta, mu = 5e-4, 0.85
    tau_max = predicted_largest_stable_delay(LAM, eta, mu)

    def growth(tau, steps=40000):
        x = np.ones(steps + 1)
        for k in range(steps):
            x[k + 1] = (1 + mu) * x[k] - mu * x[k - 1 if k >= 1 else 0] - eta * 2 * LAM[0] * x[max(k - tau, 0)]
        tail = np.abs(x[-2000:]).max()
        mid = np.abs(x[steps // 2 - 2000 : steps // 2]).max()
        return np.log(tail / mid)

    assert growth(tau_max) < 0 < growth(tau_max + 2)


def test_alphas_map_onto_dampened_momentum():
    a = linearised_alphas(LAM, 5e-4, 0.9)
    assert_allclose(a, 5e-4 * np.array([8.0, 1.0, 2.0, 3.0]) / 0.1)
    tau = predicted_largest_stable_delay(LAM, 5e-4, 0.9)
    assert stability.max_root_modulus(tau, a.max(), momentum="standard", m=0.9) < 1
    assert stability.max_root_modulus(tau + 1, a.max(), momentum="standard", m=0.9) >= 1


@pytest.mark.parametrize("mu", [0.5, 0.9, 0.95])
def test_every_direction_is_stable_at_the_predicted_delay(mu):
    # the confirmation predicted_largest_stable_delay no longer repeats for every alpha_i
    tau = predicted_largest_stable_delay(LAM, 5e-4, mu)
    for a in linearised_alphas(LAM, 5e-4, mu):
        assert stability.max_root_modulus(tau, a, momentum="standard", m=mu) < 1, a


def test_largest_good_delay_on_known_errors():
    delays = np.array([0, 10, 20, 30, 40])
    errors = np.array([[1.0] * 4, [1.5] * 4, [1.9] * 4, [2.5] * 4, [1.0] * 4])
    assert largest_good_delay(delays, errors) == (20, 20, 20)
    with pytest.raises(ValueError, match="increase from 0"):
        largest_good_delay([5, 10], errors[:2])


@pytest.mark.parametrize("kwargs, match", [
    (dict(v0=[0.0, 1.0, 0.0]), r"v0 has 3 entries but Sigma has dimension 4"),
    (dict(eta=0.0), r"eta must be > 0, got 0.0"),
    (dict(eta=-1e-3), r"eta must be > 0, got -0.001"),
    (dict(mus=[1.0]), r"mu must be < 1.0, got 1.0"),
    (dict(mus=[-0.1]), r"mu must be >= 0.0, got -0.1"),
    (dict(delays=[-2]), r"delay must be >= 0, got -2"),
    (dict(eigenvalues=[1.0, 2.0]), r"sorted descending"),
    (dict(eigenvalues=[2.0, 2.0]), r"lambda_1 > lambda_2"),
    (dict(data="cauchy"), r"data must be 'gaussian' or 'bounded', got 'cauchy'"),
    (dict(window=50), r"window=50 is longer than steps=10"),
])
def test_bad_inputs_name_the_value(kwargs, match):
    base = dict(eigenvalues=LAM, eta=1e-3, mus=[0.5], delays=[0], runs=1, steps=10, window=5)
    base.update(kwargs)
    with pytest.raises((ValueError, TypeError), match=match):
        async_msgd(base.pop("eigenvalues"), base.pop("eta"), base.pop("mus"), base.pop("delays"), **base)
