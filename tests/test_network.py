"""The numpy network: derivatives against finite differences, the minimum, Lanczos against
the explicit Hessian, delayed training against a naive loop, and the measured edge at a
minimum against ``threshold/a``."""

import subprocess
import sys

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

import stability as st
from stability import network_experiments as ne
from stability.network import (
    MLP,
    _minimum_edges,
    _train,
    find_minimum,
    load_digits_data,
    minimum_edge,
    network_sharpness,
    run_delayed,
)

VARIANTS = [(a, l) for a in ("tanh", "softplus") for l in ("mse", "cross_entropy")]


@pytest.fixture(scope="module")
def small():
    """A small network on 40 digits (PCA to 5), and a random point with weight decay."""
    data = load_digits_data(n_train=40, n_test=20, components=5, rng=3)
    return data


def _model(activation="tanh", loss="mse", wd=1e-3, d=5, h=6, c=10):
    return MLP(d, h, c, activation=activation, loss=loss, weight_decay=wd)


# ---------------------------------------------------------------- derivatives


@pytest.mark.parametrize("activation, loss", VARIANTS)
def test_gradient_matches_central_differences(small, activation, loss):
    net = _model(activation, loss)
    x, y = small.x_train, small.y_train
    rng = np.random.default_rng(0)
    theta = net.init(1) + 0.3 * rng.standard_normal(net.size)  # away from the init's zero biases
    val, g = net.value_and_gradient(theta, x, y)
    assert val == pytest.approx(net.value(theta, x, y), rel=1e-14)
    for _ in range(4):
        v = rng.standard_normal(net.size)
        h = 1e-5
        fd = (net.value(theta + h * v, x, y) - net.value(theta - h * v, x, y)) / (2 * h)
        # central difference: error O(h^2 |f'''|) ~ 1e-10 relative here
        assert g @ v == pytest.approx(fd, rel=1e-7, abs=1e-9)
    # every coordinate, against a fourth-order stencil
    h = 1e-3
    e = np.eye(net.size)
    fd = np.array([(-net.value(theta + 2 * h * ei, x, y) + 8 * net.value(theta + h * ei, x, y)
                    - 8 * net.value(theta - h * ei, x, y) + net.value(theta - 2 * h * ei, x, y)) / (12 * h)
                   for ei in e])
    assert_allclose(g, fd, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("activation, loss", VARIANTS)
def test_hvp_matches_differences_of_the_gradient(small, activation, loss):
    net = _model(activation, loss)
    x, y = small.x_train, small.y_train
    rng = np.random.default_rng(1)
    theta = net.init(2) + 0.3 * rng.standard_normal(net.size)
    for _ in range(3):
        v = rng.standard_normal(net.size)
        hv = net.hvp(theta, v, x, y)
        h = 1e-4
        fd = (-net.gradient(theta + 2 * h * v, x, y) + 8 * net.gradient(theta + h * v, x, y)
              - 8 * net.gradient(theta - h * v, x, y) + net.gradient(theta - 2 * h * v, x, y)) / (12 * h)
        assert_allclose(hv, fd, rtol=1e-7, atol=1e-9 * np.abs(hv).max())


def test_hvp_is_symmetric_and_linear(small):
    net = _model("softplus", "cross_entropy")
    x, y = small.x_train, small.y_train
    rng = np.random.default_rng(2)
    theta = net.init(0) + 0.2 * rng.standard_normal(net.size)
    u, v = rng.standard_normal((2, net.size))
    assert u @ net.hvp(theta, v, x, y) == pytest.approx(v @ net.hvp(theta, u, x, y), rel=1e-12)
    assert_allclose(net.hvp(theta, 2 * u - v, x, y), 2 * net.hvp(theta, u, x, y) - net.hvp(theta, v, x, y),
                    rtol=1e-12, atol=1e-14)


def test_batched_calls_equal_single_calls(small):
    net = _model()
    x, y = small.x_train, small.y_train
    thetas = net.init(5, batch=4)
    assert_array_equal(thetas[2], net.init(np.random.SeedSequence(5).spawn(3)[2]))
    vs = np.random.default_rng(3).standard_normal(thetas.shape)
    vals, gs = net.value_and_gradient(thetas, x, y)
    hvs = net.hvp(thetas, vs, x, y)
    idx = np.random.default_rng(4).integers(0, x.shape[0], size=(4, 7))  # a mini-batch per network
    gb = net.gradient(thetas, x[idx], y[idx])
    for b in range(4):
        v1, g1 = net.value_and_gradient(thetas[b], x, y)
        assert_allclose(vals[b], v1, rtol=1e-13)
        assert_allclose(gs[b], g1, rtol=1e-12, atol=1e-15)
        assert_allclose(hvs[b], net.hvp(thetas[b], vs[b], x, y), rtol=1e-12, atol=1e-15)
        assert_allclose(gb[b], net.gradient(thetas[b], x[idx[b]], y[idx[b]]), rtol=1e-12, atol=1e-15)


def test_weight_decay_shifts_the_hessian_by_lambda(small):
    x, y = small.x_train, small.y_train
    theta = _model().init(0)
    v = np.random.default_rng(0).standard_normal(theta.size)
    diff = _model(wd=0.25).hvp(theta, v, x, y) - _model(wd=0.0).hvp(theta, v, x, y)
    assert_allclose(diff, 0.25 * v, rtol=1e-12, atol=1e-14)


# ---------------------------------------------------------------- sharpness and the minimum


@pytest.mark.parametrize("activation, loss", VARIANTS)
def test_lanczos_sharpness_is_the_top_eigenvalue_of_the_explicit_hessian(small, activation, loss):
    net = MLP(3, 4, 3, activation=activation, loss=loss, weight_decay=0.0)  # 31 parameters
    x, y = small.x_train[:, :3], small.y_train[:, :3]
    theta = net.init(7) + 0.5 * np.random.default_rng(7).standard_normal(net.size)
    H = net.hessian(theta, x, y)
    # the same matrix built independently, from central differences of the gradient
    h = 1e-5
    Hfd = np.column_stack([(net.gradient(theta + h * e, x, y) - net.gradient(theta - h * e, x, y)) / (2 * h)
                           for e in np.eye(net.size)])
    assert_allclose(H, 0.5 * (Hfd + Hfd.T), atol=1e-7 * np.abs(H).max())
    w = np.linalg.eigvalsh(H)
    res = network_sharpness(net, theta, x, y)
    assert res.converged and res.value == pytest.approx(w[-1], rel=1e-9)
    low = network_sharpness(net, theta, x, y, smallest=True)
    assert low.value == pytest.approx(w[0], rel=1e-8, abs=1e-10)


@pytest.fixture(scope="module")
def reduced():
    return ne.setup_problem(ne.REDUCED)


def test_minimum_has_gradient_below_the_stated_tolerance(reduced):
    model, data, mn = reduced
    g = model.gradient(mn.theta, data.x_train, data.y_train)  # recomputed, not the stored value
    assert np.linalg.norm(g) <= ne.GRAD_TOL
    assert mn.smallest > 0  # a strict minimum
    assert mn.sharpness < 2.0 / ne.REDUCED.minimum_eta  # GD at that rate selects minima below its edge
    # a minimum: random nearby points have a higher loss
    rng = np.random.default_rng(0)
    pts = mn.theta + 1e-3 * rng.standard_normal((20, model.size))
    assert np.all(model.value(pts, data.x_train, data.y_train) > mn.loss)


def test_find_minimum_reports_failure():
    data = load_digits_data(n_train=30, n_test=10, components=4, rng=0)
    net = MLP(4, 5, 10, weight_decay=1e-3)
    with pytest.raises(ArithmeticError, match="diverged"):
        find_minimum(net, data.x_train, data.y_train, eta=1e6, steps=50)


# ---------------------------------------------------------------- delayed training


def _naive_run(net, x, y, theta0, eta, tau, scheme, m, steps):
    """Direct transcription of eqs. 2, 9, 10 with whole histories in lists."""
    xs = [theta0.copy()]
    vs = [np.zeros_like(theta0)]
    for t in range(steps):
        stale = xs[max(t - tau, 0)]
        g = net.gradient(stale, x, y)
        if scheme == "none":
            xs.append(xs[t] - eta * g)
            vs.append(np.zeros_like(theta0))
        else:
            v_src = vs[t] if scheme == "standard" else vs[max(t - tau, 0)]
            v = m * v_src - eta * (1 - m) * g
            vs.append(v)
            xs.append(xs[t] + v)
    return xs[-1]


def test_run_delayed_follows_the_update_rules_with_mixed_configurations(small):
    net = _model()
    x, y = small.x_train, small.y_train
    theta0 = net.init(0)
    cfg = [(0.3, 0, "none", 0.0), (0.2, 3, "none", 0.0), (0.5, 2, "standard", 0.9), (0.4, 5, "shifted", 0.9),
           (0.1, 1, "shifted", 0.5)]
    run = run_delayed(net, x, y, theta0, [c[0] for c in cfg], [c[1] for c in cfg],
                      momentum=[c[2] for c in cfg], m=[c[3] for c in cfg], steps=40)
    for b, (eta, tau, scheme, m) in enumerate(cfg):
        assert_allclose(run.theta[b], _naive_run(net, x, y, theta0, eta, tau, scheme, m, 40), rtol=1e-11,
                        atol=1e-13)


def test_escaped_configurations_do_not_change_the_others(small):
    net = _model()
    x, y = small.x_train, small.y_train
    theta0 = net.init(0)
    lrs = [0.05, 50.0, 0.1]  # the middle one blows up at once
    run = run_delayed(net, x, y, theta0, lrs, 2, steps=60, loss_escape=100.0)
    assert run.escaped.tolist() == [False, True, False] and run.escaped_at[1] > 0
    assert np.all(np.isfinite(run.theta))
    alone = run_delayed(net, x, y, theta0, [0.05, 0.1], 2, steps=60)
    assert_allclose(run.theta[[0, 2]], alone.theta, rtol=1e-13, atol=1e-15)


def test_seeded_minibatch_runs_are_reproducible_and_a_batch_equals_single_runs(small):
    net = _model()
    x, y = small.x_train, small.y_train
    theta0 = net.init(0)
    kw = dict(steps=300, batch_size=5, momentum="shifted", m=0.9, chunk=64)
    a = run_delayed(net, x, y, theta0, [0.1, 0.2, 0.3], 3, rng=[11, 12, 13], **kw)
    b = run_delayed(net, x, y, theta0, [0.1, 0.2, 0.3], 3, rng=[11, 12, 13], **kw)
    assert_array_equal(a.theta, b.theta)
    single = run_delayed(net, x, y, theta0, [0.2], 3, rng=[12], **kw)
    assert_allclose(single.theta[0], a.theta[1], rtol=1e-12, atol=1e-15)
    other = run_delayed(net, x, y, theta0, [0.2], 3, rng=[99], **kw)
    assert not np.allclose(other.theta[0], a.theta[1])  # the seed matters


def test_seeds_give_identical_experiment_results_run_to_run():
    data = load_digits_data(n_train=40, n_test=20, components=4, rng=1)
    net = MLP(4, 5, 10, weight_decay=1e-3)
    m1 = find_minimum(net, data.x_train, data.y_train, eta=0.2, steps=300, rng=4)
    m2 = find_minimum(net, data.x_train, data.y_train, eta=0.2, steps=300, rng=4)
    assert_array_equal(m1.theta, m2.theta)
    assert m1.sharpness == m2.sharpness
    kw = dict(batch_size=4, rng=7, grid=6, rounds=2, steps=400)
    e1 = minimum_edge(net, data.x_train, data.y_train, m1, 2, **kw)
    e2 = minimum_edge(net, data.x_train, data.y_train, m2, 2, **kw)
    assert e1 == e2


def test_edge_searches_of_several_delays_in_one_state_equal_one_search_per_delay():
    """The figure runs the mini-batch searches of all its delays in one vectorised state
    (rows of different delays, horizons and escape times side by side, compacted as they
    leave); every search must come out exactly as when it runs alone."""
    data = load_digits_data(n_train=40, n_test=20, components=4, rng=1)
    net = MLP(4, 5, 10, weight_decay=1e-3)
    x, y = data.x_train, data.y_train
    mn = find_minimum(net, x, y, eta=0.2, steps=300, rng=4)
    taus, steps = (0, 3, 1), (40, 420, 300)  # horizons short enough to change the edges
    kw = dict(batch_size=4, rng=[7, 8], radius=0.05, grid=5, rounds=2)
    joint = _minimum_edges(net, x, y, mn, taus, steps=steps, **kw)
    alone = sum((minimum_edge(net, x, y, mn, t, steps=s, **kw) for t, s in zip(taus, steps)), ())
    assert joint == alone
    assert [(r.delay, r.steps, r.seed) for r in joint] == [(t, s, sd) for t, s in zip(taus, steps) for sd in (7, 8)]
    kw = dict(schemes=(("none", 0.0), ("shifted", 0.9)), grid=4, rounds=2)  # full batch: growth windows
    joint = _minimum_edges(net, x, y, mn, taus, steps=steps, **kw)
    assert joint == sum((minimum_edge(net, x, y, mn, t, steps=s, **kw) for t, s in zip(taus, steps)), ())
    # the training runs underneath, row by row: horizon, growth window, escape
    start, lrs = mn.theta + 1e-4 * mn.direction, np.array([0.5, 3.0, 0.9, 1.5, 2.5, 60.0]) / mn.sharpness
    taus6, hz = np.array([0, 0, 3, 3, 1, 1]), np.array([40, 40, 420, 420, 300, 300])
    win = np.maximum(1, np.minimum(hz // 4, 8 * (taus6 + 2)))
    run = _train(net, x, y, start, lrs, taus6, ["none"] * 6, [0.0] * 6, hz, win, batch_size=None, seqs=None,
                 ref=mn.theta, escape=100.0, direction=None, radius=None, loss_escape=None, check_every=10,
                 record_every=None, chunk=256)
    assert run.escaped.any() and not run.escaped.all()
    for b in range(6):
        one = run_delayed(net, x, y, start, lrs[b:b + 1], int(taus6[b]), steps=int(hz[b]), reference=mn.theta,
                          escape=100.0)
        assert_array_equal(run.theta[b], one.theta[0])
        assert (run.escaped_at[b], run.growth_rate[b]) == (one.escaped_at[0], one.growth_rate[0])
        if not one.escaped[0]:
            assert run.end_distance[b] == one.end_distance[0]


# ---------------------------------------------------------------- the edge at a minimum

def test_full_batch_edge_at_a_minimum_is_threshold_over_sharpness(figure_data):
    """Near a minimum delayed GD is its linearisation: the edge must be threshold/a (2%).

    The measured edges are the ones ``stability figures`` computed in this session (the
    ``network_edges`` figure, every scheme at tau 0..32); the prediction is recomputed
    here from the minimum's sharpness."""
    _, _, mn = ne.setup_problem(ne.FULL)
    c = figure_data["network_edges"].columns
    full = np.array(c["kind"]) == "full_batch"
    assert set(zip(np.array(c["scheme"])[full], c["tau"][full])) == {
        (s, t) for s in ("none", "standard", "shifted") for t in ne.FULL.edge_taus}
    for scheme, m, tau, meas, lo, hi in zip(*(np.asarray(c[k])[full] for k in (
            "scheme", "m", "tau", "measured_eta", "bracket_low", "bracket_high"))):
        pred = st.threshold(int(tau), momentum=str(scheme), m=float(m)) / mn.sharpness  # recomputed here
        assert meas == pytest.approx(pred, rel=0.02), (scheme, tau)
        assert lo < meas < hi and hi / lo < 1.02


def test_sgd_noise_lowers_the_measured_edge():
    """Small mini-batches leave the minimum below the noise-free edge; the bisection is seeded."""
    model, data, mn = ne.setup_problem(ne.REDUCED)
    x, y = data.x_train, data.y_train
    (gd,) = minimum_edge(model, x, y, mn, 0, grid=6, rounds=2)
    (sgd,) = minimum_edge(model, x, y, mn, 0, batch_size=4, rng=0, radius=0.05, grid=6, rounds=2, steps=1200)
    assert sgd.eta < 0.7 * gd.eta


# ---------------------------------------------------------------- rule and edge of stability (reduced)


def test_reduced_rule_keeps_the_delayed_run_stable_where_eta0_diverges():
    d = ne.network_rule(setup=ne.REDUCED)
    c = d.columns
    rule = np.array(c["rule"])
    tau = c["tau"]
    assert c["diverged"][(rule == "eta0") & (tau > 0)].all()  # a*eta0 far above threshold(8)
    assert not c["diverged"][(rule != "eta0") | (tau == 0)].any()
    ok = c["diverged"] == 0
    assert np.all(np.isfinite(c["final_loss"][ok])) and np.all(c["test_accuracy"][ok] > 0.5)
    scaled = rule == "scaled"
    assert_allclose(c["eta"][scaled], [st.scaled_learning_rate(ne.REDUCED.rule_eta0, int(t)) for t in tau[scaled]])


def test_reduced_edge_of_stability_at_tau_0_hovers_at_2_over_eta():
    """Cohen et al. (2021): full-batch GD's sharpness rises to 2/eta and stays there."""
    d = ne.delayed_edge_of_stability(setup=ne.REDUCED)
    c = d.columns
    sel = c["tau"] == 0
    sharp, step = c["sharpness"][sel], c["step"][sel]
    assert sharp[0] < 0.8 * ne.REDUCED.eos_line  # it starts well below the line ...
    late = sharp[step >= step.max() / 2]
    assert_allclose(late, 2.0 / c["eta"][sel][0], rtol=0.02)  # ... and ends on it
    assert_allclose(c["edge_line"], ne.REDUCED.eos_line, rtol=1e-9)


# ---------------------------------------------------------------- input checks and imports


@pytest.mark.parametrize("kwargs, match", [
    (dict(activation="relu"), "unknown activation 'relu'"),
    (dict(loss="hinge"), "unknown loss 'hinge'"),
    (dict(weight_decay=-1.0), "weight_decay must be >= 0.0, got -1.0"),
])
def test_bad_model_options_name_the_value(kwargs, match):
    with pytest.raises(ValueError, match=match):
        MLP(3, 4, 2, **kwargs)


def test_bad_training_input_names_the_value(small):
    net = _model()
    x, y = small.x_train, small.y_train
    with pytest.raises(ValueError, match=r"got -0\.1"):
        run_delayed(net, x, y, net.init(0), [0.1, -0.1], 0, steps=5)
    with pytest.raises(ValueError, match="pass rng"):
        run_delayed(net, x, y, net.init(0), 0.1, 0, steps=5, batch_size=4)
    with pytest.raises(ValueError, match=r"theta must have shape \(106,\)"):
        net.gradient(np.zeros(7), x, y)
    with pytest.raises(ValueError, match="unknown momentum 'nesterov'"):
        run_delayed(net, x, y, net.init(0), 0.1, 0, steps=5, momentum="nesterov")
    with pytest.raises(TypeError, match="delay must be an integer"):
        run_delayed(net, x, y, net.init(0), 0.1, 1.5, steps=5)
    with pytest.raises(ValueError, match="components must be <= 64"):
        load_digits_data(components=65)


def test_import_stability_does_not_import_sklearn():
    code = ("import sys, stability, stability.network, stability.network_experiments; "
            "assert 'sklearn' not in sys.modules, 'sklearn imported'; "
            "assert 'matplotlib' not in sys.modules, 'matplotlib imported'")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr


def test_figure_tick_counts_match_the_full_setup():
    from stability import figures

    assert figures.FIGURES["network_edges"][1] == len(ne.FULL.edge_taus) + len(ne.FULL.sgd_taus) * len(
        ne.FULL.sgd_batches)


def test_stable_run_at_the_rounding_floor_does_not_count_as_leaving(reduced):
    """Regression: far below the edge the distance decays to the floor set by round-off and
    the residual gradient (~1e-9 here), where the window-to-window "growth" has a random
    sign; such a run once counted as leaving and dragged the measured edge 25x too low."""
    model, data, mn = reduced
    run = run_delayed(model, data.x_train, data.y_train, mn.theta + 1e-4 * mn.direction,
                      [0.02, 0.05, 0.1], 0, steps=360, reference=mn.theta, escape=100.0)
    assert np.all(run.end_distance < 1e-4 * run.start_distance)  # at the floor
    assert not run.left.any()


# ---------------------------------------------------------------- the plots draw the computed numbers

REPO_FIGURES = __import__("pathlib").Path(__file__).resolve().parent.parent / "figures"


def _committed(name):
    from stability import figures

    return figures.read_csv(str(REPO_FIGURES / f"{name}.csv"))


def test_network_edges_plot_draws_predicted_and_measured_edges():
    from stability import plotting
    data = _committed("network_edges")
    fig, ax = plotting.plot_network_edges(data)
    c = data.columns
    kind, scheme = np.array(c["kind"]), np.array(c["scheme"])
    for i, sc in enumerate(("none", "standard", "shifted")):
        sel = (kind == "full_batch") & (scheme == sc)
        assert_allclose(ax[0].lines[2 * i].get_xydata(),
                        np.column_stack([c["tau"][sel], 1 / (c["sharpness"][sel] * c["predicted_eta"][sel])]))
        assert_allclose(ax[0].lines[2 * i + 1].get_ydata(), 1 / (c["sharpness"][sel] * c["measured_eta"][sel]))
    sgd = kind == "sgd"
    for j, t in enumerate(dict.fromkeys(c["tau"][sgd].tolist())):
        sel = sgd & (c["tau"] == t)
        bs = np.unique(c["batch_size"][sel])
        assert_allclose(ax[1].lines[j].get_xydata(),
                        np.column_stack([bs, [c["ratio"][sel & (c["batch_size"] == b)].mean() for b in bs]]))
    assert_allclose(ax[1].lines[-1].get_ydata(), 1.0)
    plotting.close(fig)


def test_network_rule_plot_omits_diverged_runs():
    from stability import plotting
    data = _committed("network_rule")
    fig, ax = plotting.plot_network_rule(data)
    c = data.columns
    rule = np.array(c["rule"])
    for i, r in enumerate(("eta0", "scaled", "naive")):
        sel = (rule == r) & (c["diverged"] == 0)
        for k, col in enumerate(("final_loss", "test_accuracy", "sharpness")):
            assert_allclose(ax[k].lines[i].get_ydata(), c[col][sel])
    assert np.all(np.isfinite(ax[0].lines[0].get_ydata()))
    plotting.close(fig)


def test_delayed_edge_of_stability_plot_draws_sharpness_and_its_line():
    from stability import plotting
    data = _committed("delayed_edge_of_stability")
    fig, ax = plotting.plot_delayed_edge_of_stability(data)
    c = data.columns
    for i, t in enumerate(dict.fromkeys(c["tau"].tolist())):
        sel = c["tau"] == t
        assert_allclose(ax.lines[2 * i].get_xydata(), np.column_stack([c["step"][sel], c["sharpness"][sel]]))
        assert_allclose(ax.lines[2 * i + 1].get_ydata(), [st.threshold(int(t)) / c["eta"][sel][0]] * sel.sum())
    plotting.close(fig)


def test_loss_escape_of_minibatch_training_checks_the_full_batch_loss(small):
    """The escape test on the loss uses the full training set, also when the steps use
    mini-batches (the check shares no scratch with the mini-batch gradient)."""
    net = _model()
    x, y = small.x_train, small.y_train
    theta0 = 4.0 * net.init(0)  # large outputs: the loss varies much from sample to sample
    kw = dict(steps=40, batch_size=3, rng=[5, 6], check_every=5)
    free = run_delayed(net, x, y, theta0, [1e-6, 3.0], 1, record_every=5, **kw)
    full = free.snapshot_loss[1:]  # full-batch losses at the checks (steps 5, 10, ...)
    level = 1.01 * full[:, 0].max()  # the 3-sample losses of the still run cross it, the full loss not
    run = run_delayed(net, x, y, theta0, [1e-6, 3.0], 1, loss_escape=level, **kw)
    expected = [5 * (1 + int(np.argmax(full[:, b] > level))) if (full[:, b] > level).any() else -1 for b in (0, 1)]
    assert run.escaped_at.tolist() == expected and expected[0] == -1


def test_digits_read_from_the_installed_file_equal_scikit_learns_loader(monkeypatch):
    from sklearn.datasets import load_digits

    from stability import network

    bunch = load_digits()
    data, target = network._digits()
    np.testing.assert_array_equal(data, bunch.data)
    np.testing.assert_array_equal(target, bunch.target)
    # where the file is not found, the loader itself is used
    monkeypatch.setattr(network.os.path, "isfile", lambda path: False)
    data2, target2 = network._digits()
    np.testing.assert_array_equal(data2, bunch.data)
    np.testing.assert_array_equal(target2, bunch.target)
    # and loading the data does not import scikit-learn
    code = ("import sys; from stability.network import load_digits_data; load_digits_data(); "
            "assert 'sklearn' not in sys.modules")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
