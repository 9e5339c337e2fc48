"""The delayed-SGD kernel: against a plain loop, against the theory's edge, bad input."""

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

import stability
from stability.simulation import (
    GaussianNoise,
    SampledQuadratics,
    edge_learning_rate,
    run_delayed_sgd,
)


def plain_loop(H, eta, tau, scheme, m, steps, x0):
    """Eqs. 2, 9, 10 written out for one configuration, one step at a time."""
    H = np.asarray(H, float)
    x = [np.array(x0, float)]  # x[t]; history before 0 is x0
    v = [np.zeros_like(x[0])]  # v[t]; history before 0 is 0

    def X(s):
        return x[s] if s >= 0 else x[0]

    def Vv(s):
        return v[s] if s >= 0 else np.zeros_like(x[0])

    for t in range(steps):
        g = H @ X(t - tau) if H.ndim == 2 else H * X(t - tau)
        if scheme == "none":
            x.append(x[t] - eta * g)
            v.append(x[t + 1] - x[t])
        elif scheme == "standard":
            v.append(m * v[t] - eta * (1 - m) * g)
            x.append(x[t] + v[t + 1])
        else:
            v.append(m * Vv(t - tau) - eta * (1 - m) * g)
            x.append(x[t] + v[t + 1])
    return np.array([np.linalg.norm(xi) for xi in x])


@pytest.mark.parametrize("scheme, m", [("none", 0.0), ("standard", 0.7), ("shifted", 0.7)])
@pytest.mark.parametrize("tau", [0, 1, 5])
def test_batched_kernel_equals_a_plain_loop(scheme, m, tau):
    rng = np.random.default_rng(7)
    A = rng.standard_normal((4, 4))
    H = A @ A.T / 4
    etas = np.array([0.05, 0.2, 0.4])
    x0 = rng.standard_normal(4)
    res = run_delayed_sgd(H, etas, tau, momentum=scheme, m=m, steps=60, x0=x0, record_norms=True, blowup=1e300)
    for b, eta in enumerate(etas):
        assert_allclose(res.norms[:, b], plain_loop(H, eta, tau, scheme, m, 60, x0), rtol=1e-12, atol=1e-300)
    # eigenvalue (diagonal) form: the same dynamics in the eigenbasis
    w, U = np.linalg.eigh(H)
    res2 = run_delayed_sgd(w, etas, tau, momentum=scheme, m=m, steps=60, x0=U.T @ x0, record_norms=True,
                           blowup=1e300)
    assert_allclose(res2.norms, res.norms, rtol=1e-10)


@pytest.mark.parametrize("noise", [None, GaussianNoise(0.3),
                                   SampledQuadratics(np.array([[1.0, 3.0], [3.0, 1.0]]),
                                                     np.array([[0.5, -0.5], [-0.5, 0.5]]))])
@pytest.mark.parametrize("scheme", ["none", "standard", "shifted"])
def test_batch_equals_loop_over_single_runs_bit_for_bit(noise, scheme):
    seeds = np.random.SeedSequence(99).spawn(5)
    etas = np.linspace(0.05, 0.3, 5)
    delay = stability.Uniform(0, 6)
    kw = dict(momentum=scheme, m=0.0 if scheme == "none" else 0.5, steps=700, noise=noise, record_norms=True,
              chunk=64)
    batch = run_delayed_sgd([2.0, 1.0], etas, delay, rng=seeds, **kw)
    for b in range(5):
        one = run_delayed_sgd([2.0, 1.0], etas[b : b + 1], delay, rng=[seeds[b]], **kw)
        assert_array_equal(one.norms[:, 0], batch.norms[:, b])
        assert one.diverged_at[0] == batch.diverged_at[b]


@pytest.mark.parametrize("scheme, m", [("none", 0.0), ("shifted", 0.6), ("standard", 0.6)])
def test_mean_over_seeds_follows_the_expected_recurrence(scheme, m):
    # the expected iterate obeys the linear recurrence with the delay pmf (paper eq. 16-18);
    # the average over many independent runs must match it within its standard error
    delay = stability.Uniform(0, 4)
    p = stability.as_pmf(delay)
    alpha = 0.7 * stability.threshold(delay, momentum=scheme, m=m)
    n, steps = 20000, 25
    res = run_delayed_sgd([1.0], np.full(n, alpha), delay, momentum=scheme, m=m, steps=steps, rng=11,
                          x0=[1.0], blowup=1e300)
    x = np.ones(steps + 1)
    hist = lambda s: x[s] if s >= 0 else 1.0  # noqa: E731
    for t in range(steps):  # expected recurrence, from the DESIGN table
        xd = sum(pk * hist(t - k) for k, pk in enumerate(p))
        if scheme == "none":
            x[t + 1] = x[t] - alpha * xd
        elif scheme == "standard":
            x[t + 1] = x[t] + m * (x[t] - hist(t - 1)) - alpha * (1 - m) * xd
        else:
            xd1 = sum(pk * hist(t - k - 1) for k, pk in enumerate(p))
            x[t + 1] = x[t] + m * (xd - xd1) - alpha * (1 - m) * xd
    sample = res.final_x[:, 0]
    se = sample.std() / np.sqrt(n)
    assert abs(sample.mean() - x[steps]) < 5 * se + 1e-12


def test_divergence_reported_with_step():
    res = run_delayed_sgd([1.0], [0.5, 3.0], 0, steps=100, blowup=1e3)
    assert_array_equal(res.diverged, [False, True])
    # x_t = (1 - 3)^t: |x| exceeds 1e3 first at t = 10 (2^10 = 1024)
    assert res.diverged_at[1] == 10 and res.diverged_at[0] == -1
    assert res.growth_rate[1] == np.inf and res.growth_rate[0] == pytest.approx(np.log(0.5), rel=1e-9)


@given(st.integers(0, 64), st.sampled_from(["none", "standard", "shifted"]), st.floats(0.0, 0.9))
@settings(max_examples=25)
@example(64, "shifted", 0.9)
@example(64, "standard", 0.9)
@example(0, "standard", 0.9)
def test_just_below_the_edge_converges_just_above_it_diverges(tau, scheme, m):
    m = 0.0 if scheme == "none" else m
    a = 3.0
    eta = stability.threshold(tau, momentum=scheme, m=m) / a
    res = run_delayed_sgd([a], [0.98 * eta, 1.02 * eta], tau, momentum=scheme, m=m,
                          steps=400 * (tau + 2) + 4000)
    assert not res.diverged[0] and res.growth_rate[0] < 0
    assert res.diverged[1] or res.growth_rate[1] > 0


@pytest.mark.parametrize("scheme, m", [("none", 0.0), ("standard", 0.5), ("standard", 0.9),
                                       ("shifted", 0.5), ("shifted", 0.9)])
@pytest.mark.parametrize("tau", [0, 7, 64])
def test_edge_learning_rate_within_1_percent_of_theory(scheme, m, tau):
    a = 2.5
    res = edge_learning_rate(a, tau, momentum=scheme, m=m)
    theory = stability.threshold(tau, momentum=scheme, m=m) / a
    assert abs(res.eta / theory - 1) < 0.01
    assert res.bracket[1] / res.bracket[0] - 1 < 2e-3


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(hessian=[[1.0, 2.0], [0.0, 1.0]]), ValueError, "symmetric"),
    (dict(hessian=[[1.0, np.nan], [np.nan, 1.0]]), ValueError, "non-finite"),
    (dict(hessian=[1.0, np.inf]), ValueError, "finite"),
    (dict(learning_rates=[-0.1]), ValueError, r"learning rates must be > 0, got -0.1"),
    (dict(learning_rates=[np.nan]), ValueError, r"learning rates must be finite"),
    (dict(buffer_size=3), ValueError, r"buffer_size=3 is too small for delays up to 5"),
    (dict(x0=[np.nan, 0.0]), ValueError, "x0 must be finite"),
    (dict(x0=[1.0]), ValueError, r"x0 must have shape \(2,\)"),
    (dict(steps=0), ValueError, "steps must be a positive integer"),
    (dict(momentum="adam"), ValueError, "unknown momentum 'adam'"),
    (dict(noise=GaussianNoise(0.1)), ValueError, "pass rng"),
    (dict(noise=0.1), TypeError, "noise must be"),
])
def test_bad_inputs(kwargs, exc, match):
    base = dict(hessian=[1.0, 2.0], learning_rates=[0.1], delay=5, steps=10)
    base.update(kwargs)
    with pytest.raises(exc, match=match):
        run_delayed_sgd(base.pop("hessian"), base.pop("learning_rates"), base.pop("delay"), **base)


def test_bad_noise_and_sharpness():
    with pytest.raises(ValueError, match="noise std must be >= 0, got -1.0"):
        GaussianNoise(-1.0)
    with pytest.raises(ValueError, match="average to zero"):
        run_delayed_sgd([1.0], [0.1], 0, noise=SampledQuadratics(np.ones((2, 1)), np.ones((2, 1))), rng=0)
    with pytest.raises(ValueError, match="sharpness must be > 0, got -1.0"):
        edge_learning_rate(-1.0, 3)


@pytest.mark.parametrize("delay", [stability.Uniform(1, 3), stability.Empirical([0.2, 0.0, 0.5, 0.3]),
                                   stability.DiscreteGaussian(12, sigma=4.0), stability.Uniform(0, 40)], ids=repr)
def test_batched_delay_draws_are_those_of_generator_choice(delay):
    # the kernel draws the delays of all configurations at once (simulation._delay_draws):
    # the numbers must be each stream's own Generator.choice(K + 1, size=n, p=pmf), bit for
    # bit, by counting (short supports) and by searchsorted (K + 1 > 16); and a stream not
    # made (need=False) must not change the others
    from stability.delays import as_pmf
    from stability.simulation import _delay_draws, _rngs

    pmf = as_pmf(delay)
    got = _delay_draws(_rngs(5, 700, 2, need=(True, False)), pmf, 333)
    want = np.stack([g[0].choice(pmf.size, size=333, p=pmf) for g in _rngs(5, 700, 2)], axis=1)
    assert got.dtype == np.int64 and got.flags.c_contiguous
    assert_array_equal(got, want)


SEEDINGS = [11, 0, 2**32 - 1, 2**100 + 7, np.random.SeedSequence([1, 2, 3, 4, 5, 6]), np.random.SeedSequence(5, spawn_key=(3, 9)),
            np.random.SeedSequence(9, pool_size=8), np.random.SeedSequence(), np.random.default_rng(123)]


@pytest.mark.parametrize("rng", SEEDINGS, ids=repr)
def test_streams_seeded_all_at_once_are_numpys_default_rng_of_each_child(rng):
    # simulation._rngs seeds every configuration's streams with one batch of uint32 array
    # arithmetic (stability._streams); the truth is numpy itself: default_rng of the
    # SeedSequence with spawn key (..., b, i), built one by one
    from stability._streams import _Seeded
    from stability.simulation import _rngs

    seq = rng.bit_generator.seed_seq if isinstance(rng, np.random.Generator) else (
        rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng))
    need = [True, False, True]
    got = _rngs(rng, 37, 3, need=need)
    assert isinstance(got[0][0].bit_generator.seed_seq, _Seeded)  # the batched path ran
    for b, row in enumerate(got):
        assert row[1] is None
        for i in (0, 2):
            want = np.random.default_rng(np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key + (b, i),
                                                                pool_size=seq.pool_size))
            assert row[i].bit_generator.state == want.bit_generator.state
            assert_array_equal(row[i].random(4), want.random(4))
    # the stream's seed sequence answers as numpy's would (its pool, its children)
    ss, ref = got[3][2].bit_generator.seed_seq, np.random.SeedSequence(seq.entropy, spawn_key=seq.spawn_key + (3, 2),
                                                                        pool_size=seq.pool_size)
    assert (ss.entropy, ss.spawn_key, ss.pool_size) == (ref.entropy, ref.spawn_key, ref.pool_size)
    assert_array_equal(ss.pool, ref.pool)
    assert_array_equal(ss.generate_state(3), ref.generate_state(3))
    assert [c.spawn_key for c in ss.spawn(2)] == [c.spawn_key for c in ref.spawn(2)]


def test_streams_fall_back_to_numpy_when_the_batched_seed_differs(monkeypatch):
    # the guard against a numpy whose seeding changed: the first stream is also built numpy's
    # way, and any difference sends every stream through numpy
    from stability import _streams
    from stability.simulation import _rngs

    monkeypatch.setattr(_streams, "seed_words", lambda entropy, pool: np.zeros((entropy.shape[0], 4), np.uint64))
    got = _rngs(11, 4, 1)
    assert not isinstance(got[0][0].bit_generator.seed_seq, _streams._Seeded)
    want = np.random.default_rng(np.random.SeedSequence(11, spawn_key=(2, 0)))
    assert got[2][0].bit_generator.state == want.bit_generator.state
