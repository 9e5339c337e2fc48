import math

import pytest
from numpy.testing import assert_allclose

from stability import edge_constant_delay, heavy_ball_edge, inverse_edge_approx


def test_eq6_values():
    assert edge_constant_delay(0) == 2.0
    assert_allclose(edge_constant_delay(1), 1.0, rtol=1e-15)  # 2 sin(pi/6)
    assert_allclose(edge_constant_delay(32), 0.0483274904722646, rtol=1e-15)


def test_eq6_root_lies_on_the_unit_circle():
    # at alpha = eq. 6 the polynomial z^(tau+1) - z^tau + alpha has the root
    # z = exp(i theta) with theta = pi/(2 tau + 1) (Appendix B)
    for tau in (1, 5, 40):
        theta = math.pi / (2 * tau + 1)
        z = complex(math.cos(theta), math.sin(theta))
        assert abs(z ** (tau + 1) - z**tau + edge_constant_delay(tau)) < 1e-13


def test_eq7_gap_below_0_05_for_tau_at_least_1():
    # the paper's claim; the gap is pi/(24(2tau+1)) + O(tau^-3), largest at tau = 1
    gaps = [1 / edge_constant_delay(t) - inverse_edge_approx(t) for t in range(1, 2000)]
    assert max(gaps) < 0.05 and min(gaps) > 0
    assert_allclose(gaps[0], math.pi / 72, rtol=0.05)
    assert_allclose(gaps[-1], math.pi / (24 * 3999), rtol=1e-4)


def test_heavy_ball_edge():
    assert heavy_ball_edge(0.0) == 2.0
    assert_allclose(heavy_ball_edge(0.9), 38.0, rtol=1e-14)


@pytest.mark.parametrize("f, arg, match", [
    (edge_constant_delay, -1, r"tau must be >= 0.0, got -1.0"),
    (edge_constant_delay, float("nan"), r"tau must be finite"),
    (inverse_edge_approx, "3", r"tau must be a real number"),
    (heavy_ball_edge, 1.0, r"m must be < 1.0, got 1.0"),
    (heavy_ball_edge, -0.1, r"m must be >= 0.0, got -0.1"),
])
def test_bad_inputs(f, arg, match):
    with pytest.raises((TypeError, ValueError), match=match):
        f(arg)
