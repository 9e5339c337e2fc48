"""The claims report: every check's numbers against an independent computation.

The registry is run once per session (``claims`` fixture).  Each test below recomputes
the numbers of one or more claims another way (closed forms, mpmath, the brentq
reference method, state-matrix eigenvalues, sympy, a second seeded simulation) and
compares them with what the check reported; none reads a stored expected value from
the registry.
"""

import json
import math
import os

import mpmath as mp
import numpy as np
import pytest
from numpy.testing import assert_allclose

import stability as st
from stability import claims as cl, pca
from stability.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="session")
def results():
    return cl.run()


@pytest.fixture(scope="session")
def by_id(results):
    return {r.claim.id: r.finding for r in results}


def num(by_id, cid, key):
    return by_id[cid].numbers[key]


# ----------------------------------------------------------------------------- the registry
def test_registry_covers_both_papers_with_unique_ids(results):
    ids = [r.claim.id for r in results]
    assert len(ids) == len(set(ids))
    papers = {r.claim.paper for r in results}
    assert papers == {"edge", "liu"}
    assert sum(r.claim.paper == "edge" for r in results) >= 45
    assert sum(r.claim.paper == "liu" for r in results) >= 15
    for v in cl.VERDICTS:
        assert any(r.finding.verdict == v for r in results), v


def test_every_non_holds_verdict_carries_its_counterexample_or_correction(results):
    for r in results:
        assert r.finding.verdict in cl.VERDICTS
        if r.finding.verdict != "holds":
            assert len(r.finding.note) > 40, r.claim.id
        if r.finding.verdict == "wrong (substance)":
            assert r.finding.numbers, r.claim.id  # the numbers of the counterexample
        if r.finding.verdict.startswith("needs training"):
            assert any(w in r.finding.note for w in ("Train", "train", "ResNet", "VGG", "MLP", "CNN")), r.claim.id


def test_finding_refuses_a_non_holds_verdict_without_note():
    with pytest.raises(ValueError, match="needs a note"):
        cl.Finding("wrong (typo)", {"x": 1.0})
    with pytest.raises(ValueError, match="verdict must be one of"):
        cl.Finding("probably", {})


def test_registry_rejects_unknown_paper():
    with pytest.raises(ValueError, match="paper must be 'all', 'edge' or 'liu', got 'both'"):
        cl.registry("both")


def test_committed_claims_md_equals_a_fresh_run(results):
    with open(os.path.join(ROOT, "CLAIMS.md"), encoding="utf-8") as fh:
        committed = fh.read()
    assert committed == cl.to_markdown(results)


def test_markdown_is_stable_under_1e12_perturbations(results):
    # the report must not change when the edge computation moves by 1e-12 (relative)
    bumped = []
    for r in results:
        nums = {k: (v * (1 + 1e-12) if isinstance(v, float) else v) for k, v in r.finding.numbers.items()}
        bumped.append(cl.ClaimResult(r.claim, cl.Finding(r.finding.verdict, nums, r.finding.note)))
    assert cl.to_markdown(bumped) == cl.to_markdown(results)


def test_cli_claims_runs_and_writes_atomically(tmp_path, capsys, results):
    out = tmp_path / "liu.json"
    assert main(["claims", "--paper", "liu", "--format", "json", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    data = json.loads(out.read_text())
    assert printed == out.read_text()
    assert [c["id"] for c in data["claims"]] == [r.claim.id for r in results if r.claim.paper == "liu"]
    assert sum(data["counts"].values()) == len(data["claims"])
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".tmp-")]


def test_cli_claims_bad_input_exits_2(capsys, tmp_path):
    assert main(["claims", "--paper", "both"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "both" in err


# ----------------------------------------------------------------------------- edge paper
def _eq6(t):
    with mp.workdps(40):
        return 2 * mp.sin(mp.pi / (4 * t + 2))


def _state_eigs(tau, alpha):
    """Eigenvalues of the state matrix of x_{t+1} = x_t - alpha x_{t-tau} (built here)."""
    A = np.zeros((tau + 1, tau + 1))
    A[0, 0] += 1.0
    A[0, tau] -= alpha
    A[1:, :-1] += np.eye(tau)
    return np.linalg.eigvals(A)


def test_e03_to_e07_constant_delay_numbers(by_id):
    assert_allclose(num(by_id, "E03", "alpha*(32)"), float(_eq6(32)), rtol=1e-10)
    with mp.workdps(40):
        for t, key in ((10, "tau^3 x remainder at 10"), (100, "at 100"), (1000, "at 1000")):
            assert_allclose(num(by_id, "E04", key), float(t**3 * (_eq6(t) - mp.pi / (2 * t + 1))), rtol=1e-9)
            assert_allclose(num(by_id, "E05", "tau x gap at 10" if t == 10 else key),
                            float(t * (1 / _eq6(t) - (2 * t + 1) / mp.pi)), rtol=1e-6)
        assert_allclose(num(by_id, "E06", "largest gap (tau 1..10^4)"), float(1 - 3 / mp.pi), rtol=1e-10)
        assert num(by_id, "E06", "at tau") == 1
        assert_allclose(num(by_id, "E06", "gap at tau = 0 (excluded)"), float(mp.mpf(1) / 2 - 1 / mp.pi), rtol=1e-10)
        assert_allclose(num(by_id, "E06", "gap at tau = 64"), float(1 / _eq6(64) - 129 / mp.pi), rtol=1e-7)
    assert num(by_id, "E07", "alpha*(0)") == pytest.approx(2.0, rel=1e-12)
    assert_allclose(num(by_id, "E07", "relative error of eq. 7 at tau = 0"), math.pi / 2 - 1, rtol=1e-10)


def test_e08_e09_learning_rate_rule_numbers(by_id):
    x = lambda t: math.pi / (4 * t + 2)  # noqa: E731
    assert_allclose(num(by_id, "E08", "eq. 8 / exact edge - 1 at tau = 1"), math.pi / 3 - 1, rtol=1e-9)
    assert_allclose(num(by_id, "E08", "at tau = 32"), x(32) / math.sin(x(32)) - 1, rtol=1e-5)
    assert_allclose(num(by_id, "E08", "smallest over tau 1..64"), x(64) / math.sin(x(64)) - 1, rtol=1e-5)
    for t, key in ((1, "tau alpha* at tau = 1"), (4, "at 4"), (32, "at 32"), (10000, "at 10^4")):
        assert_allclose(num(by_id, "E09", key), float(t * _eq6(t)), rtol=1e-9)


def test_e10_fit_from_eq6(by_id):
    taus = np.arange(65)
    s, b = np.polyfit(taus, [float(1 / _eq6(int(t))) for t in taus], 1)
    assert_allclose(num(by_id, "E10", "fitted slope (tau 0..64)"), s, rtol=1e-8)
    assert_allclose(num(by_id, "E10", "intercept"), b, rtol=1e-8)


def test_e12_e19_root_moduli_by_state_matrix_eigenvalues(by_id):
    assert num(by_id, "E12", "largest root modulus for alpha in (0, alpha*), 15 cases") < 1
    assert max(abs(_state_eigs(4, 0.0))) == pytest.approx(num(by_id, "E12", "root modulus at alpha = 0 (flat direction)"))
    for a, key in ((0.05, "rho at 0.05"), (0.15, "rho at 0.15"), (0.3, "rho at 0.3")):
        assert_allclose(num(by_id, "E19", key), max(abs(_state_eigs(4, a))), rtol=1e-9)
    # the counterexample: the modulus first falls below 1
    assert max(abs(_state_eigs(4, 0.05))) < 1 == num(by_id, "E19", "rho at alpha = 0 (tau 4)")


def test_e18_off_by_one_counterexample(by_id):
    assert_allclose(num(by_id, "E18", "angle/pi at tau = 1, k = 1"), 5 / 6)
    assert 5 * math.pi / 6 > math.pi / 2
    assert num(by_id, "E18", "odd delays with a repeated value in the range") == len(range(1, 65, 2))
    assert num(by_id, "E18", "delays 0..64 where the inequality fails") == 65


def test_e22_uniform_polynomial_roots_satisfy_eq20():
    roots = np.roots(st.characteristic_polynomial(st.Uniform(2, 6), 0.3))
    resid = [abs(z - 1 + 0.3 / 5 * sum(z ** (-k) for k in range(2, 7))) for z in roots]
    assert max(resid) < 1e-10


def test_e24_e27_random_delay_fits_with_the_brentq_method(by_id):
    bs = np.arange(1, 65, 3)
    inv = [1 / st.threshold(st.Uniform(1, int(b)), method="brentq") for b in bs]
    s, _ = np.polyfit((1 + bs) / 2, inv, 1)
    assert_allclose(num(by_id, "E24", "fitted slope in E tau (b 1..64)"), s, rtol=0.01)
    assert_allclose(num(by_id, "E24", "edge ratio at b = 64 (uniform / constant of equal mean)"),
                    st.threshold(st.Uniform(1, 64), method="brentq") / float(_eq6(32.5)), rtol=1e-9)
    assert_allclose(num(by_id, "E47", "edge ratio Gaussian/constant at mu = 30"),
                    st.threshold(st.DiscreteGaussian(30), method="brentq") / float(_eq6(30)), rtol=1e-9)


def _gauss_weights(mu):
    Phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    return {k: Phi(k + 0.5 - mu) - Phi(k - 0.5 - mu) for k in range(1, 2 * mu + 1)}


def test_e25_e26_discrete_gaussian_mass_and_mean(by_id):
    for mu, key in ((1, "total mass at mu = 1"), (2, "at mu = 2"), (5, "at mu = 5")):
        assert_allclose(num(by_id, "E25", key), sum(_gauss_weights(mu).values()), rtol=1e-12)
    for mu, key in ((1, "E tau at mu = 1"), (2, "mu = 2"), (3, "mu = 3"), (4, "mu = 4")):
        w = _gauss_weights(mu)
        assert_allclose(num(by_id, "E26", key), sum(k * p for k, p in w.items()) / sum(w.values()), rtol=1e-12)
    assert num(by_id, "E25", "total mass at mu = 1") < 0.63


def test_e33_small_delay_exceptions_by_jury_and_heavy_ball():
    # tau = 1: z^2 - (1+m) z + m + alpha(1-m): complex pair with product m + alpha(1-m) = 1 at alpha = 1
    for m in (0.1, 0.5, 0.9):
        assert_allclose(st.threshold(1, momentum="standard", m=m, method="brentq"), 1.0, rtol=1e-9)
        assert_allclose(st.threshold(0, momentum="standard", m=m, method="brentq"), 2 * (1 + m) / (1 - m), rtol=1e-9)
        assert_allclose(st.threshold(0, momentum="shifted", m=m, method="brentq"), 2 * (1 + m) / (1 - m), rtol=1e-9)


def test_e34_e35_standard_momentum_is_an_offset_not_a_slope(by_id):
    law = st.large_delay_law(momentum="standard", m=0.9)
    assert_allclose(num(by_id, "E34", "law: slope (every m)"), 2 / math.pi, rtol=1e-15)
    assert_allclose(num(by_id, "E34", "law: offset at m = 0.9"), 19 / math.pi, rtol=1e-14)
    # the secant slope at large delay, from the law's correction term
    for m, key in ((0.0, "slope over tau 10^4..2x10^4, m = 0"), (0.9, "at m = 0.9")):
        c = st.large_delay_law(momentum="standard", m=m).correction
        assert_allclose(num(by_id, "E34", key), 2 / math.pi + c * (1 / 20000 - 1 / 10000) / 10000, rtol=1e-7)
    taus = np.arange(1, 65, 7)
    s = np.polyfit(taus, [1 / st.threshold(int(t), momentum="standard", m=0.9, method="brentq") for t in taus], 1)[0]
    assert s > 0.68 and abs(num(by_id, "E34", "m = 0.9") - s) < 0.01
    for t, key in ((1000, "1000"), (10000, "10^4")):
        ratio = (2 * t + 1) / (2 * t + 19)  # two-term laws for m = 0 and m = 0.9
        assert_allclose(num(by_id, "E35", key), ratio, rtol=3 * abs(law.correction) / t / t * 2 + 1e-6)
    for t, key in ((4, "4"), (16, "16"), (64, "64")):
        assert_allclose(num(by_id, "E35", key), st.threshold(t, momentum="standard", m=0.9, method="brentq")
                        / float(_eq6(t)), rtol=1e-9)


def test_e37_shifted_gain_formula(by_id):
    g = lambda m: (2 / math.pi) * math.acos(m) * math.sqrt((1 + m) / (1 - m))  # noqa: E731
    for m, key in ((0.3, "large-delay gain m = 0.3"), (0.6, "0.6"), (0.9, "0.9"), (0.99, "0.99")):
        assert_allclose(num(by_id, "E37", key), g(m), rtol=1e-12)
    assert num(by_id, "E37", "0.99") < 4 / math.pi
    assert_allclose(num(by_id, "E37", "threshold ratio at tau = 10^4, m = 0.99"), g(0.99), rtol=1e-3)


def test_e39_to_e50_arithmetic(by_id):
    assert_allclose(num(by_id, "E39", "steady step / (eta g) after 2000 steps, m = 0.9"), 10.0, rtol=1e-12)
    assert_allclose(num(by_id, "E40", "28.13 - 23.8"), 4.33, atol=1e-9)
    assert_allclose(num(by_id, "E40", "25.49 - 23.8"), 1.69, atol=1e-9)
    assert_allclose(num(by_id, "E41", "with eq. 8"), 32 * math.pi / 130, rtol=1e-12)
    assert_allclose(num(by_id, "E41", "with the exact edge ratio"), 32 * math.sin(math.pi / 130), rtol=1e-9)
    assert_allclose(by_id["E46"].numbers["(1/sqrt(32)) / sin(pi/130)"], 1 / (math.sqrt(32) * math.sin(math.pi / 130)),
                    rtol=1e-9)
    ratios = [1 / (t * math.sin(math.pi / (4 * t + 2))) for t in range(1, 65)]
    assert_allclose(by_id["E49"].numbers["min over tau 1..64 of (0.8/tau) / (0.8 sin(pi/(4tau+2)))"], min(ratios),
                    rtol=1e-9)
    assert_allclose(by_id["E50"].numbers["eta0 for which eq. 8 gives 0.01 at tau = 32"], 0.01 * 130 / math.pi)


def test_e11_first_moment_by_monte_carlo():
    # independent of the enumeration: plain delayed SGD on random quadratics, many seeded runs
    rng = np.random.default_rng(0)
    Hs = np.array([[[2.0, 0.3], [0.3, 1.0]], [[0.5, 0.0], [0.0, 1.5]]])
    cs = np.array([[1.0, -1.0], [-0.5, 0.8]])
    Hbar = Hs.mean(0)
    xstar = np.linalg.solve(Hbar, np.einsum("nij,nj->i", Hs, cs) / 2)
    eta, tau, T, R = 0.2, 1, 6, 200_000
    x = np.tile(xstar + np.array([1.0, -0.5]), (T + 2, R, 1))
    for t in range(T):
        n = rng.integers(0, 2, R)
        xd = x[max(t - tau, 0) + 1]
        g = np.einsum("rij,rj->ri", Hs[n], xd - cs[n])
        x[t + 2] = x[t + 1] - eta * g
    s = [np.array([1.0, -0.5])] * 2
    for t in range(T):
        s.append(s[-1] - eta * Hbar @ s[max(len(s) - 1 - tau, 1)])
    assert_allclose(x[-1].mean(0), s[-1] + xstar, atol=5 * x[-1].std(0).max() / math.sqrt(R))


# ----------------------------------------------------------------------------- Liu et al.
LAM = np.array([4.0, 3.0, 2.0, 1.0])


def test_l03_lemma1_counterexample(by_id):
    assert_allclose(num(by_id, "L03", "C_d (bounded data)"), math.sqrt(30), rtol=1e-15)
    assert_allclose(num(by_id, "L03", "first step / eta from v_0 at 45 deg to a corner (mu = 0, tau = 0)"), 15.0,
                    rtol=1e-12)  # ||X||^2 / 2
    assert_allclose(num(by_id, "L03", "bound / eta"), 2 * math.sqrt(30), rtol=1e-15)
    # the share of random first steps above the bound, with another seed
    X = np.sqrt(3 * LAM)
    u = np.array([X[1], -X[0], 0, 0]) / np.linalg.norm([X[1], -X[0]])
    v0 = (X / np.linalg.norm(X) + u) / math.sqrt(2)
    Y = np.random.default_rng(99).uniform(-math.sqrt(3), math.sqrt(3), (400_000, 4)) * np.sqrt(LAM)
    y = Y @ v0
    p = np.mean(np.abs(y) * np.linalg.norm(Y - y[:, None] * v0, axis=1) > 2 * math.sqrt(30))
    p_check = num(by_id, "L03", "share of random first steps above the bound")
    assert p > 0 and abs(p - p_check) < 5 * math.sqrt(p * (1 - p) / 400_000) * math.sqrt(2)


def test_l05_l07_ode_closed_form_with_another_integrator(by_id):
    from scipy.integrate import solve_ivp

    from stability.claims._liu import ode_closed_form

    h0 = np.array([0.1, 0.7, -0.5, 0.5]) / np.linalg.norm([0.1, 0.7, -0.5, 0.5])
    sol = solve_ivp(lambda t, v: (LAM * v - (v @ (LAM * v)) * v) / 0.3, (0, 2), h0, method="Radau",
                    rtol=1e-10, atol=1e-12)
    assert_allclose(sol.y[:, -1], ode_closed_form(h0, 2.0, 0.7), atol=1e-7)
    assert num(by_id, "L07", "H_1(t = 8)") == pytest.approx(-1.0, abs=1e-12)
    assert num(by_id, "L06", "norm of the literal reading (should be 1)") == 2.0


def test_l09_l10_stationary_error_against_a_second_simulation(by_id):
    # OU stationary variance, written out: eta lambda_1 sum_i lambda_i / (2 (1-mu)(lambda_1 - lambda_i))
    ou = lambda mu: 5e-4 * 4 * (3 / 1 + 2 / 2 + 1 / 3) / (2 * (1 - mu))  # noqa: E731
    assert_allclose(num(by_id, "L09", "OU prediction at mu = 0.9"), ou(0.9), rtol=1e-12)
    res = pca.async_msgd(LAM, 5e-4, [0.7, 0.9], [0], runs=60, steps=8000, window=6000, v0=np.eye(4)[0], rng=7)
    err = res.errors.mean(axis=2)[:, 0]
    for mu, e in zip((0.7, 0.9), err):
        assert abs(e / ou(mu) - 1) < 0.12
        assert abs(num(by_id, "L09", f"simulation / OU at mu = {mu}") - e / ou(mu)) < 0.15
    assert err[1] > err[0]
    assert num(by_id, "L10", "error at mu = 0.95") > num(by_id, "L10", "error at mu = 0.7")


def test_l11_l12_l13_phase_times_analytically(by_id):
    from statistics import NormalDist  # pure Python: independent of the scipy.special the report uses

    # T1: U_1(T1) is N(0, s^2) with s^2 = a12^2 (e^{2 dl T/(1-mu)} - 1)/(2 dl (1-mu)); P(eta U^2 >= delta^2)
    mu, eta, dl, a12sq, delta2 = 0.7, 5e-4, 1.0, 12.0, 4 * 5e-4
    T1 = num(by_id, "L11", "T1")
    s2 = a12sq * (math.exp(2 * dl * T1 / (1 - mu)) - 1) / (2 * dl * (1 - mu))
    p = 2 * (1 - NormalDist().cdf(math.sqrt(delta2 / eta / s2)))
    assert_allclose(p, 0.5, rtol=1e-9)
    assert abs(num(by_id, "L11", "escaped share at T1 (20000 SDE paths)") - p) < 0.02
    # T2: two-dimensional ODE, H_1^2(t) = 1/(1 + (H_2^2(0)/H_1^2(0)) e^{-2 dl t/(1-mu)})
    T2 = 0.3 / 2 * math.log(99)
    h1 = lambda h10sq, t: 1 / (1 + (1 - h10sq) / h10sq * math.exp(-2 * t / 0.3))  # noqa: E731
    assert_allclose(num(by_id, "L12", "(H_1)^2 at T2 from (H_1)^2 = delta^2"), h1(0.01, T2), rtol=1e-12)
    assert_allclose(h1(0.01, T2), 0.5, rtol=1e-12)
    assert_allclose(num(by_id, "L12", "from (H_1)^2 = 1/2"), h1(0.5, T2), rtol=1e-12)
    # T3: phi = 3 lambda_1^2 + lambda_1 (lambda_2 + lambda_3 + lambda_4); eps_min = 2 eta phi / ((1-mu) dl)
    assert num(by_id, "L13", "phi (Gaussian data)") == 72.0
    assert_allclose(num(by_id, "L13", "smallest eps with T3 defined"), 2 * 5e-4 * 72 / 0.3, rtol=1e-12)
    stationary = 5e-4 * 4 * (3 / 1 + 2 / 2 + 1 / 3) / (2 * 0.3)  # eta l1 sum l_i/(l1 - l_i) / (2(1-mu))
    assert_allclose(num(by_id, "L13", "stationary error actually reached (mu = 0.7)"), stationary, rtol=1e-12)


def test_l14_l15_iteration_counts_with_sympy_simplification(by_id):
    import sympy as sp

    mu, dl, eps, phi, l1, Cd, g, lg = sp.symbols("mu Delta epsilon phi lambda_1 C_d gamma Lg", positive=True)
    T = (1 - mu) / (2 * dl) * lg
    h = sp.Rational(1, 2)
    eta3 = (1 - mu) * eps * dl / phi
    tau3 = (1 - mu) ** 2 / ((l1 + Cd) * eta3 ** (h - g))
    N3p = (l1 + Cd) * phi ** (h + g) / (((1 - mu) * dl) ** (h + 1 + g) * eps ** (h + g)) * lg
    assert sp.simplify(sp.powsimp(sp.expand_power_base(T / (tau3 * eta3) / N3p, force=True), force=True)) == h
    assert num(by_id, "L14", "N3") == pytest.approx(0.5, rel=1e-12)
    assert num(by_id, "L14", "N2") == pytest.approx(1.0, rel=1e-12)
    assert num(by_id, "L14", "derived / printed N1") == pytest.approx(1.0, rel=1e-12)
    assert by_id["L15"].numbers["N_hat3 / N_tilde3 x tau (sympy)"] == "1"


def test_l16_l17_largest_stable_delays_with_the_pca_module(by_id):
    pred = [pca.predicted_largest_stable_delay(LAM, 5e-4, mu) for mu in (0.7, 0.8, 0.85, 0.9, 0.95)]
    assert by_id["L16"].numbers["linear-stability largest delays (mu 0.7..0.95)"] == ", ".join(map(str, pred))
    assert by_id["L17"].numbers["linear-stability prediction"] == ", ".join(map(str, pred))
    one = np.array([0.3, 0.2, 0.15, 0.1, 0.05])
    assert_allclose(num(by_id, "L16", "fitted exponent of (1-mu), linear stability"),
                    np.polyfit(np.log(one), np.log(pred), 1)[0], rtol=1e-12)
    assert_allclose(num(by_id, "L16", "fitted exponent of (1-mu), Liu's Fig. 1"),
                    np.polyfit(np.log(one), np.log([120, 80, 60, 30, 10]), 1)[0], rtol=1e-12)
    # two-term standard law: 2 tau + 17/3 = pi / alpha, alpha = 8 eta / 0.3
    assert_allclose(num(by_id, "L16", "large-delay law at mu = 0.7"), (math.pi * 0.3 / (8 * 5e-4) - 1.7 / 0.3) / 2,
                    rtol=1e-12)


def test_l01_l02_l08(by_id):
    assert by_id["L01"].numbers["type of e_1..e_4"] == "max, saddle, saddle, min"
    assert num(by_id, "L02", "max residual with beta as printed") > 1e-3
    assert by_id["L02"].numbers["with v_{i-tau_i}^T in beta"] == "< 1e-12"


def test_e52_to_e57(by_id):
    assert all(v is True for v in by_id["E52"].numbers.values())
    # plain edges decrease: eq. 6 is decreasing in tau
    assert all(float(_eq6(t + 1)) < float(_eq6(t)) for t in range(200))
    gaps = {"ResNet44/CIFAR10": 90.42 - 88.57, "VGG11/CIFAR10": 84.55 - 61.41}
    for k, g in gaps.items():
        assert_allclose(by_id["E54"].numbers[f"LB - (+LR) gap, {k}"], g, atol=1e-9)
    assert by_id["E55"].numbers["rows at chance accuracy"] == 3
    for key, dist in (("Gaussian mu = 5", st.DiscreteGaussian(5)), ("Gaussian mu = 30", st.DiscreteGaussian(30))):
        assert_allclose(by_id["E56"].numbers[key],
                        st.threshold(dist, method="brentq") / float(_eq6(dist.mean)), rtol=1e-9)
    a = float(_eq6(32))
    rates = [math.log(max(abs(_state_eigs(32, f * a)))) for f in (1.1, 1.5, 2.0, 3.0)]
    assert by_id["E57"].numbers["linear growth per step log(rho) at 1.1, 1.5, 2, 3 x alpha* (tau 32)"] == ", ".join(
        f"{r:.3g}" for r in rates)


def test_l20_delay_error_grows_with_tau_on_another_seed(by_id):
    # the drift error, recomputed with an independent loop (other seed, unrolled sum instead of recursion)
    mu, eta = 0.7, 5e-4
    D = lambda w: LAM * w - (w @ (LAM * w)) * w  # noqa: E731
    rng = np.random.default_rng(123)
    res = {}
    for tau in (0, 40):
        v = [np.array([0.6, 0.8, 0.0, 0.0])] * 2
        W, errs = [], []
        for k in range(1500):
            w = v[max(len(v) - 1 - tau, 0)]
            W.append(w)
            if k >= 900:
                m = sum(mu**i * D(W[k - i]) for i in range(min(k + 1, 60)))  # mu^60 ~ 5e-10
                errs.append(np.linalg.norm(m - D(v[-1]) / (1 - mu)))
            X = rng.standard_normal(4) * np.sqrt(LAM)
            v.append(v[-1] + mu * (v[-1] - v[-2]) + eta * (X @ w) * (X - (X @ w) * w))
        res[tau] = np.mean(errs)
    assert res[40] > 2 * res[0]
    excess = (res[40] - res[0]) / (40 * 4 * eta / 0.09)
    assert 0.05 < excess < 1.5
    c20 = float(by_id["L20"].numbers["(excess over tau = 0) / (tau lambda_1 eta/(1-mu)^2) at 20, 80"].split(",")[0])
    assert 0.05 < c20 < 1.5


def test_e36_shifted_small_delays(by_id):
    # tau = 1: the cubic z^3 - z^2 + (alpha(1-m) - m) z + m has its edge at alpha = 1 + m (brentq reference)
    for m in (0.0, 0.5, 0.9):
        assert_allclose(st.threshold(1, momentum="shifted", m=m, method="brentq"), 1 + m, rtol=1e-12)
    assert by_id["E36"].numbers["alpha* at tau = 1, m = 0, 0.5, 0.9"] == "1, 1.5, 1.9"


def test_l21_l22_delay_conditions(by_id):
    assert by_id["L21"].numbers["delay error under the condition (sympy)"] == "eta**gamma"
    # SDE/ODE bound ratio = lambda_1/(lambda_1 + C_d) sqrt(eta) for equal gamma
    r = [4 / (4 + math.sqrt(30)) * math.sqrt(e) for e in (1e-2, 5e-4, 1e-6)]
    assert by_id["L22"].numbers["SDE / ODE delay bound at eta = 1e-2, 5e-4, 1e-6 (gamma 1/4, C_d sqrt 30)"] == \
        ", ".join(f"{x:.3g}" for x in r)


def test_large_delay_table_in_the_report(results):
    # the appendix of the report: the law's coefficients, recomputed from the formulas
    rows = {(r["scheme"], r["m"]): r for r in cl.large_delay_table()}
    for m in cl.LAW_MS:
        s = rows[("standard", m)]
        assert s["slope"] == 2 / math.pi and s["offset"] == pytest.approx((1 + m) / ((1 - m) * math.pi), rel=1e-14)
        h = rows[("shifted", m)]
        assert h["gain over plain"] == pytest.approx((2 / math.pi) * math.acos(m) * math.sqrt((1 + m) / (1 - m)),
                                                     rel=1e-13)
    # the plain law's error at tau = 100 is the next term of 1/(2 sin x): x^3 7/720 relative to 1/(2x)
    x = math.pi / 402
    assert float(rows[("none", 0.0)]["rel. error at tau = 100"]) == pytest.approx(
        (1 / (2 * math.sin(x)) - (2 / math.pi * 100 + 1 / math.pi + math.pi / 4800)) * -2 * math.sin(x), rel=0.05)
    assert "## Large-delay laws" in cl.to_markdown(results)
