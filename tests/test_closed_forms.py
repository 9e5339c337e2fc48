import math

import mpmath as mp
import numpy as np
import pytest
from numpy.testing import assert_allclose

from stability import (edge_constant_delay, heavy_ball_edge, inverse_edge_approx, large_delay_edge,
                       large_delay_law, threshold)


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


# --------------------------------------------------------------------------------------
# Large-delay laws.  The truth is a 30-digit solution of the unit-circle conditions
# derived independently of the law's expansion (the first crossing, identified by
# comparison with threshold at moderate delays), and threshold itself up to tau = 1e5.


def _truth_inverse_edge(tau, momentum, m, dps=30, raw=False):
    """1/alpha* from the unit-circle crossing, solved with mpmath at ``dps`` digits.

    standard: arg(-(z-1)(z-m) z^(tau-1)) = 0 on z = e^{i theta}; shifted:
    Im(-(z-1)(z^tau - m/z)) = 0; plain: the root of the same standard condition at m = 0.
    """
    with mp.workdps(dps):
        m_ = mp.mpf(m)
        if momentum in ("none", "standard"):
            def f(th):
                z = mp.expj(th)
                return mp.im(-(z - 1) * (z - m_) * z ** (tau - 1))
            N = 2 * tau + (1 + m_) / (1 - m_)
            th = mp.findroot(f, mp.pi / N)
            z = mp.expj(th)
            val = -(z - 1) * (z - m_) * z ** (tau - 1) / (1 - m_)
        else:
            def f(th):
                z = mp.expj(th)
                return mp.im(-(z - 1) * (z**tau - m_ / z))
            th = mp.findroot(f, mp.acos(m_) / (tau + mp.mpf(1) / 2))
            z = mp.expj(th)
            val = -(z - 1) * (z**tau - m_ / z) / (1 - m_)
        assert abs(mp.im(val)) < mp.mpf(10) ** (-dps + 5) and mp.re(val) > 0
        return 1 / mp.re(val) if raw else float(1 / mp.re(val))


SCHEMES = [("none", 0.0), ("standard", 0.3), ("standard", 0.9), ("shifted", 0.3), ("shifted", 0.9),
           ("shifted", 0.99)]


@pytest.mark.parametrize("momentum, m", SCHEMES)
def test_truth_is_the_first_crossing(momentum, m):
    # the mpmath crossing is the edge (smallest alpha) that threshold finds
    for tau in (3, 20, 150):
        assert_allclose(_truth_inverse_edge(tau, momentum, m), 1 / threshold(tau, momentum=momentum, m=m),
                        rtol=1e-9)


@pytest.mark.parametrize("momentum, m", SCHEMES + [("standard", 0.99)])
def test_large_delay_law_coefficients_by_extrapolation(momentum, m):
    # tau * (1/alpha* - slope tau - offset) -> correction, with an O(1/tau) error
    law = large_delay_law(momentum=momentum, m=m)
    taus = (10**4, 10**5)
    with mp.workdps(40):
        c = [float(t * (_truth_inverse_edge(t, momentum, m, dps=40, raw=True) - mp.mpf(law.slope) * t
                        - mp.mpf(law.offset))) for t in taus]
    # the O(1/tau) error of the estimate shrinks tenfold from 1e4 to 1e5 (float coefficients: 1e-6)
    assert abs(c[1] - law.correction) <= abs(c[0] - law.correction) / 5 + 5e-6
    assert_allclose(c[1], law.correction, rtol=2e-3, atol=1e-6)


def test_standard_law_next_term_in_N():
    # in N = 2 tau + (1+m)/(1-m): 1/alpha* = N/pi - c3 pi/N + 2 k3 pi/N^2 + O(N^-3) with
    # c3 = m/(2(1-m)^2) - 1/24 and k3 = -m(1+m)/(6(1-m)^3) (docstring of large_delay_law)
    for m in (0.3, 0.9):
        c3 = m / (2 * (1 - m) ** 2) - 1 / 24
        k3 = -m * (1 + m) / (6 * (1 - m) ** 3)
        law = large_delay_law(momentum="standard", m=m)
        for tau in (10**3, 10**4, 10**5):
            N = 2 * tau + (1 + m) / (1 - m)
            with mp.workdps(30):
                mm = mp.mpf(m)
                Nm = 2 * tau + (1 + mm) / (1 - mm)
                c3m = mm / (2 * (1 - mm) ** 2) - mp.mpf(1) / 24
                r3 = float(_truth_inverse_edge(tau, "standard", m, raw=True) - Nm / mp.pi + c3m * mp.pi / Nm)
            nxt = 2 * k3 * math.pi / N**2
            # and the law's tau-form is the same expansion re-expanded in 1/tau
            assert_allclose(law.inverse_edge(tau, terms=2), N / math.pi, rtol=1e-15)
            assert_allclose(law.correction / tau, -c3 * math.pi / N, rtol=2 * N / tau - 2 + 1e-12)
            # what is left is O(N^-3): at most 5% of the N^-2 term from tau = 1e3 on
            assert abs(r3 - nxt) <= 0.05 * abs(nxt)


def test_plain_law_is_eq7_plus_its_correction():
    law = large_delay_law()
    assert (law.slope, law.offset) == (2 / math.pi, 1 / math.pi)
    from stability.symbolic import derive_eq7
    import sympy as sp

    _, corr = derive_eq7()
    tau = sp.Symbol("tau", positive=True)
    assert_allclose(float(sp.limit(corr * tau, tau, sp.oo)), law.correction, rtol=1e-15)


@pytest.mark.parametrize("momentum, m", SCHEMES)
def test_large_delay_law_against_threshold_up_to_1e5(momentum, m):
    """Two-term law within 1.5x its next term; three-term law within twice the measured size of the
    term after it (tau^2 r3 at tau = 1e3 from the 30-digit truth) plus threshold's 1e-10 accuracy."""
    law = large_delay_law(momentum=momentum, m=m)
    d2 = 1e3**2 * abs(_truth_inverse_edge(1000, momentum, m) - law.inverse_edge(1000))
    edges = {}  # each edge computed once (the one at 1e5 is compared twice below)
    for tau in (10**3, 10**4, 10**5):
        edges[tau] = threshold(tau, momentum=momentum, m=m)
        inv = 1 / edges[tau]
        # threshold promises 1e-10; measured against the 30-digit truth it errs by 1.1e-9 at
        # (shifted, m = 0.99, tau = 1e5), reported to the edge-computation issue
        acc = 2e-9 * inv
        assert abs(inv - law.inverse_edge(tau, terms=2)) <= 1.5 * abs(law.correction) / tau + acc
        assert abs(inv - law.inverse_edge(tau)) <= 2 * d2 / tau**2 + acc
    law_edge = large_delay_edge(10**5, momentum=momentum, m=m)
    assert_allclose(law_edge, edges[10**5], rtol=2e-9)
    assert_allclose(law_edge, 1 / _truth_inverse_edge(10**5, momentum, m), rtol=1e-12)


def test_momentum_laws_reduce_to_plain_at_m_0():
    plain = large_delay_law()
    for momentum in ("standard", "shifted"):
        law = large_delay_law(momentum=momentum, m=0.0)
        assert_allclose([law.slope, law.offset, law.correction], [plain.slope, plain.offset, plain.correction])
        # and continuously so (the general formulas, evaluated at a tiny m)
        small = large_delay_law(momentum=momentum, m=1e-9)
        assert_allclose([small.slope, small.offset, small.correction],
                        [plain.slope, plain.offset, plain.correction], rtol=1e-6, atol=1e-8)


def test_standard_slope_is_2_over_pi_for_every_m_and_offset_is_extra_delay():
    for m in (0.1, 0.5, 0.9, 0.99):
        law = large_delay_law(momentum="standard", m=m)
        assert law.slope == 2 / math.pi
        assert_allclose(law.offset, (2 * (m / (1 - m)) + 1) / math.pi, rtol=1e-14)  # m/(1-m) extra steps


def test_shifted_gain_increases_to_4_over_pi():
    ms = np.linspace(0.0, 0.999, 200)
    gains = [large_delay_law(momentum="shifted", m=float(m)).gain_over_plain for m in ms]
    assert np.all(np.diff(gains) > 0) and gains[0] == pytest.approx(1.0)
    assert gains[-1] < 4 / math.pi
    # gain = (4/pi)(1 - (1-m)/6 + ...) near m = 1 (0.9999 is the largest momentum accepted)
    assert_allclose(large_delay_law(momentum="shifted", m=0.9999).gain_over_plain, 4 / math.pi * (1 - 1e-4 / 6),
                    rtol=1e-8)
    # the same gain measured with threshold at a large delay
    assert_allclose(threshold(20000, momentum="shifted", m=0.9) / threshold(20000),
                    large_delay_law(momentum="shifted", m=0.9).gain_over_plain, rtol=2e-4)


@pytest.mark.parametrize("kwargs, match", [
    (dict(momentum="standard", m=1.0), r"m must be < 1.0, got 1.0"),
    (dict(momentum="sideways"), r"unknown momentum 'sideways'"),
    (dict(momentum="none", m=0.5), r"m=0.5 was given with momentum='none'"),
])
def test_large_delay_law_bad_inputs(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        large_delay_law(**kwargs)


def test_large_delay_inverse_edge_bad_inputs():
    law = large_delay_law()
    with pytest.raises(ValueError, match=r"tau must be > 0.0, got 0.0"):
        law.inverse_edge(0)
    with pytest.raises(ValueError, match=r"terms must be 1, 2 or 3, got 4"):
        law.inverse_edge(5, terms=4)
