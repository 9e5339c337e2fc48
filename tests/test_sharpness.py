import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

import stability
from stability.sharpness import lanczos, power_iteration, recommended_learning_rate, sharpness


def random_symmetric(seed, n, shift):
    rng = np.random.default_rng(seed)
    A = rng.standard_normal((n, n))
    return (A + A.T) / 2 + shift * np.eye(n)


@given(st.integers(0, 10_000), st.integers(3, 40), st.sampled_from([0.0, -15.0, 15.0, -100.0]))
@settings(max_examples=30)
@example(1, 33, 0.0)  # found by hypothesis: |lambda_min| close to lambda_max, power iteration slow
def test_recover_the_top_eigenvalue(seed, n, shift):
    A = random_symmetric(seed, n, shift)
    w = np.linalg.eigvalsh(A)
    top_vec = np.linalg.eigh(A)[1][:, -1]
    # power iteration converges like ratio**k, with ratio that of the operator it iterates
    mags = np.sort(np.abs(w))
    mu = w[np.argmax(np.abs(w))]
    ratio = mags[-2] / mags[-1] if mu > 0 else (w[-2] - mu) / (w[-1] - mu)
    if w[-1] - w[-2] < 1e-3 * max(1.0, abs(w[-1])):
        return  # a near-double top eigenvalue: the vector is not determined
    r = lanczos(lambda v: A @ v, n, tol=1e-12)
    assert r.converged
    assert_allclose(r.value, w[-1], rtol=1e-9, atol=1e-9)
    assert_allclose(abs(r.vector @ top_vec), 1.0, atol=1e-5)
    p = power_iteration(lambda v: A @ v, n, tol=1e-12, maxiter=20_000)
    if ratio < 0.995:  # 20 000 iterations suffice for 1e-12
        assert p.converged
    if p.converged:
        assert_allclose(p.value, w[-1], rtol=1e-9, atol=1e-9)
        assert_allclose(abs(p.vector @ top_vec), 1.0, atol=1e-5)
    assert p.residual == pytest.approx(np.linalg.norm(A @ p.vector - p.value * p.vector), rel=1e-6)


def test_dominant_negative_eigenvalue_is_not_reported_as_the_top():
    A = np.diag([-10.0, -3.0, 1.0, 2.0])
    for method in ("power", "lanczos"):
        assert_allclose(sharpness(lambda v: A @ v, 4, method=method).value, 2.0, rtol=1e-9)
    A = np.diag([-10.0, -3.0, -1.0])  # all negative: the top one is -1
    assert_allclose(power_iteration(lambda v: A @ v, 3).value, -1.0, rtol=1e-9)
    assert_allclose(lanczos(lambda v: A @ v, 3).value, -1.0, rtol=1e-9)


def test_recommended_learning_rate_chains_sharpness_and_threshold():
    A = random_symmetric(5, 30, 0.0)
    A = A @ A.T  # positive semi-definite
    top = np.linalg.eigvalsh(A)[-1]
    eta = recommended_learning_rate(lambda v: A @ v, 30, 16, momentum="shifted", m=0.9)
    assert_allclose(eta, stability.threshold(16, momentum="shifted", m=0.9) / top, rtol=1e-9)
    with pytest.raises(ValueError, match="top Hessian eigenvalue is"):
        recommended_learning_rate(lambda v: -v, 5, 3)


def test_bad_inputs():
    with pytest.raises(TypeError, match="callable"):
        lanczos(np.eye(3), 3)
    with pytest.raises(ValueError, match="dim must be a positive integer"):
        power_iteration(lambda v: v, 0)
    with pytest.raises(ValueError, match=r"hvp returned shape \(2,\), expected \(3,\)"):
        power_iteration(lambda v: v[:2], 3)
    with pytest.raises(ValueError, match="non-finite"):
        lanczos(lambda v: v * np.nan, 5)
    with pytest.raises(ValueError, match="unknown method 'qr'"):
        sharpness(lambda v: v, 3, method="qr")
