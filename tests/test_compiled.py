"""The numba-compiled step loops against the numpy loops they replace (same numbers)."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import stability
from stability import figures
from stability.moments import lyapunov_exponents
from stability.pca import async_msgd
from stability.simulation import GaussianNoise, SampledQuadratics, edge_learning_rate, run_delayed_sgd

pytest.importorskip("numba")

FIELDS = ("diverged", "diverged_at", "final_distance", "growth_rate", "final_x", "norms")


@pytest.mark.parametrize("noise", [None, GaussianNoise(0.2)], ids=["exact", "noisy"])
@pytest.mark.parametrize("delay", [0, 7, stability.Uniform(1, 9)], ids=["tau0", "tau7", "uniform1-9"])
@pytest.mark.parametrize("scheme, m", [("none", 0.0), ("standard", 0.9), ("shifted", 0.9)])
def test_compiled_kernel_equals_numpy_bit_for_bit_in_one_dimension(scheme, m, delay, noise):
    # rates from far inside to far beyond the edge: converging, diverging and frozen runs
    etas = np.geomspace(1e-3, 60.0, 16)
    kw = dict(momentum=scheme, m=m, steps=2500, noise=noise, rng=11, record_norms=True, chunk=100)
    a = run_delayed_sgd([1.3], etas, delay, engine="numpy", **kw)
    b = run_delayed_sgd([1.3], etas, delay, engine="numba", **kw)
    assert a.diverged.any() and not a.diverged.all()
    for f in FIELDS:
        assert_array_equal(getattr(a, f), getattr(b, f), err_msg=f)


@pytest.mark.parametrize("scheme", ["none", "standard", "shifted"])
def test_compiled_kernel_in_several_dimensions_differs_at_most_in_the_last_bit(scheme):
    # the iterates are identical; only the order of the sum in ||x||^2 may differ
    rng = np.random.default_rng(3)
    A = rng.standard_normal((5, 5))
    H = A @ A.T / 5
    etas = np.geomspace(1e-3, 2.0, 12)
    kw = dict(momentum=scheme, m=0.0 if scheme == "none" else 0.6, steps=1500, noise=GaussianNoise(0.1),
              rng=4, record_norms=True, x0=rng.standard_normal(5))
    a = run_delayed_sgd(H, etas, 3, engine="numpy", **kw)
    b = run_delayed_sgd(H, etas, 3, engine="numba", **kw)
    assert_array_equal(a.final_x, b.final_x)
    assert_array_equal(a.diverged_at, b.diverged_at)
    assert_allclose(b.norms, a.norms, rtol=4e-16, atol=0)
    finite = np.isfinite(a.growth_rate)
    assert_allclose(b.growth_rate[finite], a.growth_rate[finite], rtol=1e-12, atol=1e-15)


def test_compiled_kernel_is_not_used_where_it_does_not_apply():
    # sampled quadratics and record_mean go through numpy: identical by construction
    noise = SampledQuadratics(np.array([[1.0, 3.0], [3.0, 1.0]]), np.array([[0.5, -0.5], [-0.5, 0.5]]))
    a = run_delayed_sgd([2.0, 1.0], [0.1, 0.2], 2, noise=noise, rng=1, steps=300, engine="numpy")
    b = run_delayed_sgd([2.0, 1.0], [0.1, 0.2], 2, noise=noise, rng=1, steps=300, engine="numba")
    assert_array_equal(a.final_x, b.final_x)


def test_edge_learning_rate_is_the_same_with_either_engine(monkeypatch):
    import stability.simulation as sim

    fast = edge_learning_rate(1.0, 16, momentum="shifted", m=0.6)
    original = sim.run_delayed_sgd
    monkeypatch.setattr(sim, "run_delayed_sgd", lambda *a, **k: original(*a, **dict(k, engine="numpy")))
    slow = edge_learning_rate(1.0, 16, momentum="shifted", m=0.6)
    assert fast == slow


@pytest.mark.parametrize("data", ["gaussian", "bounded"])
def test_compiled_async_msgd_equals_numpy_bit_for_bit_in_dimension_4(data):
    gens = np.random.default_rng(9), np.random.default_rng(9)
    kw = dict(runs=6, steps=1203, window=300, data=data)  # 1203: a last block shorter than 8 steps
    # delays up to 60 at mu = 0.95: some runs overflow, and count as error 1
    a = async_msgd((4.0, 3.0, 2.0, 1.0), 2e-2, [0.0, 0.95], [0, 5, 60], engine="numpy", rng=gens[0], **kw)
    b = async_msgd((4.0, 3.0, 2.0, 1.0), 2e-2, [0.0, 0.95], [0, 5, 60], engine="numba", rng=gens[1], **kw)
    assert_array_equal(a.errors, b.errors)
    # the same numbers drawn: a generator passed in is left in the same state
    assert gens[0].bit_generator.state == gens[1].bit_generator.state


def test_compiled_async_msgd_in_dimension_3_and_replayed_samples():
    lam = (3.0, 2.0, 1.0)
    draws = np.random.default_rng(5).standard_normal((800, 2 * 2 * 3, 3)) * np.sqrt(lam)
    kw = dict(runs=3, steps=800, window=200, samples=lambda k: draws[k])
    a = async_msgd(lam, 1e-2, [0.0, 0.9], [0, 4], engine="numpy", **kw)
    b = async_msgd(lam, 1e-2, [0.0, 0.9], [0, 4], engine="numba", **kw)
    assert_allclose(b.errors, a.errors, rtol=1e-12)


@pytest.mark.parametrize("call", [
    lambda: run_delayed_sgd([1.0], [0.1], 1, steps=5, engine="fortran"),
    lambda: async_msgd((2.0, 1.0), 1e-3, [0.5], [0], runs=1, steps=5, window=2, engine="fortran"),
    lambda: lyapunov_exponents(2, [0.1], steps=100, engine="fortran"),
])
def test_unknown_engine_names_the_value(call):
    with pytest.raises(ValueError, match="'fortran'"):
        call()


def test_liu_cache_missed_when_the_progress_flag_differed(figure_runs):
    # the command computes with progress on (a bar object); the tests ask with False
    assert figures._liu_simulation(True) is figures._liu_simulation(False)


def test_import_stability_loads_neither_numba_nor_the_renderer():
    import subprocess
    import sys

    heavy = ("numba", "stability._compiled", "stability.render", "stability.plotting", "distributed")
    code = f"import sys, stability, stability.figures; print(' '.join(m for m in {heavy!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == ""


@pytest.mark.parametrize("delay", [0, 6, stability.Uniform(1, 5), stability.Empirical([0.5, 0, 0, 0, 0.5])],
                         ids=["tau0", "tau6", "uniform1-5", "two-point"])
@pytest.mark.parametrize("scheme, m", [("none", 0.0), ("standard", 0.9), ("shifted", 0.6)])
def test_compiled_lyapunov_loop_equals_numpy_bit_for_bit(scheme, m, delay):
    # alphas from stable to violently unstable (inf and NaN states renormalised), and a step
    # count that ends neither on a renormalisation nor on a chunk boundary
    alphas = [1e-3, 0.05, 0.3, 2.0, 1e200, 1e300]
    kw = dict(momentum=scheme, m=m, steps=2053, streams=3, rng=5)
    a = lyapunov_exponents(delay, alphas, engine="numpy", **kw)
    b = lyapunov_exponents(delay, alphas, engine="numba", **kw)
    assert np.isfinite(a.per_stream[:4]).all() and (a.per_stream[4:] == np.inf).all()
    assert_array_equal(a.per_stream, b.per_stream)
    assert_array_equal(a.exponent, b.exponent)
