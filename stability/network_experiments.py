"""The network experiments behind the figures ``network_edges``, ``network_rule`` and
``delayed_edge_of_stability`` (compute side only: no matplotlib).

One small network on scikit-learn's digits (:mod:`stability.network`) answers three
questions:

* ``network_edges``: at a minimum reached by full-batch GD, is the largest learning rate
  that keeps delayed training at the minimum ``threshold(tau, ...)/a``?  And how far
  below it does mini-batch SGD noise push the measured edge?
* ``network_rule``: trained from scratch with a delay, does the rescaled learning rate
  (paper eq. 8, :func:`stability.scaled_learning_rate`) keep what ``eta0`` gives at
  ``tau = 0`` (loss, test accuracy, sharpness), against ``eta0`` itself and ``eta0/tau``?
* ``delayed_edge_of_stability``: with a delay, does full-batch GD's sharpness rise to and
  hover at ``threshold(tau)/eta`` (Cohen et al.'s ``2/eta`` at ``tau = 0``)?

Every size lives in a :class:`NetworkSetup`; :data:`FULL` is what ``stability figures``
draws and :data:`REDUCED` a faster version for the tests and the notebook.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

from .figures import FigureData
from .network import (MLP, _minimum_edges, edge_horizon, find_minimum, load_digits_data, minimum_edge,
                      network_sharpness, run_delayed)
from .thresholds import scaled_learning_rate, threshold

__all__ = ["NetworkSetup", "FULL", "REDUCED", "SCHEMES", "network_edges", "network_rule",
           "delayed_edge_of_stability", "setup_problem"]

#: The three update rules compared (momentum ones with m = 0.9).
SCHEMES = (("none", 0.0), ("standard", 0.9), ("shifted", 0.9))


@dataclass(frozen=True)
class NetworkSetup:
    """Every size and seed of the network experiments."""

    n_train: int = 128
    n_test: int = 512
    components: int = 8
    hidden: int = 16
    weight_decay: float = 1e-3
    #: weight decay when training from scratch (rule, edge of stability), as Cohen et al.
    train_weight_decay: float = 0.0
    data_seed: int = 0
    init_seed: int = 0
    #: full-batch GD that finds the minimum (then a Newton-CG polish to GRAD_TOL)
    minimum_eta: float = 0.1
    minimum_steps: int = 3000
    edge_taus: tuple = (0, 2, 4, 8, 16, 32)
    edge_grid: int = 10
    edge_rounds: int = 3
    sgd_taus: tuple = (0, 4, 16)
    sgd_batches: tuple = (4, 16, 64)
    sgd_seeds: tuple = (0, 1)
    sgd_radius: float = 0.05
    sgd_horizon_factor: int = 4
    rule_eta0: float = 0.4
    rule_taus: tuple = (8, 16, 32)
    rule_seeds: tuple = (1, 2, 3)
    rule_steps: int = 24000
    eos_taus: tuple = (0, 2, 4, 8)
    eos_line: float = 4.5
    eos_steps: int = 24000
    eos_every: int = 250


FULL = NetworkSetup()
REDUCED = NetworkSetup(edge_taus=(0, 4, 16), edge_grid=8, sgd_taus=(4,), sgd_batches=(8, 64), sgd_seeds=(0,),
                       rule_taus=(8,), rule_seeds=(1,), rule_steps=3000, eos_taus=(0, 2), eos_steps=6000,
                       eos_every=500)

#: Gradient norm the minimum must reach.
GRAD_TOL = 1e-9


def _tick(progress, n=1):
    if progress is not None:
        progress.update(n)


def setup_problem(setup: NetworkSetup = FULL):
    """``(model, data, minimum)`` of ``setup``.

    Cached on the fields that define them (data, network, minimum search), so the three
    figures share one minimum, and so do setups that differ only in their experiments
    (:data:`FULL` and :data:`REDUCED` reach the same minimum)."""
    return _problem(setup.n_train, setup.n_test, setup.components, setup.data_seed, setup.hidden,
                    setup.weight_decay, setup.minimum_eta, setup.minimum_steps, setup.init_seed)


@functools.lru_cache(maxsize=4)
def _problem(n_train, n_test, components, data_seed, hidden, weight_decay, minimum_eta, minimum_steps, init_seed):
    data = load_digits_data(n_train=n_train, n_test=n_test, components=components, rng=data_seed)
    model = MLP(data.n_in, hidden, data.n_out, activation="tanh", loss="mse", weight_decay=weight_decay)
    minimum = find_minimum(model, data.x_train, data.y_train, eta=minimum_eta, steps=minimum_steps,
                           rng=init_seed, tol=GRAD_TOL)
    return model, data, minimum


def _train_model(setup, model):
    """The same network without the weight decay that makes the studied minimum strict."""
    return MLP(model.n_in, model.n_hidden, model.n_out, activation=model.activation, loss=model.loss,
               weight_decay=setup.train_weight_decay)


def _describe(setup, model, minimum) -> str:
    return (f"MLP {setup.components}-{setup.hidden}-10 (tanh, squared loss, weight decay "
            f"{setup.weight_decay:g}, {model.size} parameters) on {setup.n_train} digits (sklearn, PCA to "
            f"{setup.components}); minimum by {setup.minimum_steps} full-batch GD steps at eta = "
            f"{setup.minimum_eta:g} plus a Newton-CG polish: |grad| = {minimum.gradient_norm:.1e}, sharpness "
            f"a = {minimum.sharpness:.4f}")


def network_edges(progress=None, *, setup: NetworkSetup = FULL) -> FigureData:
    """Measured against predicted edges at a minimum; full batch (all schemes) and SGD."""
    model, data, mn = setup_problem(setup)
    x, y = data.x_train, data.y_train
    a = mn.sharpness
    rows = {k: [] for k in ("kind", "scheme", "m", "tau", "batch_size", "seed", "sharpness", "predicted_eta",
                            "measured_eta", "bracket_low", "bracket_high", "ratio")}

    def add(kind, r, batch, seed):
        pred = threshold(r.delay, momentum=r.momentum, m=r.m) / a
        for k, v in (("kind", kind), ("scheme", r.momentum), ("m", r.m), ("tau", r.delay),
                     ("batch_size", batch), ("seed", seed), ("sharpness", a), ("predicted_eta", pred),
                     ("measured_eta", r.eta), ("bracket_low", r.bracket[0]), ("bracket_high", r.bracket[1]),
                     ("ratio", r.eta / pred)):
            rows[k].append(v)

    for tau in setup.edge_taus:  # one state per delay: at n = 128 a larger one leaves the cache
        for r in minimum_edge(model, x, y, mn, tau, schemes=SCHEMES, grid=setup.edge_grid,
                              rounds=setup.edge_rounds):
            add("full_batch", r, setup.n_train, -1)
        _tick(progress)
    # the mini-batch searches of all delays in one state per batch size: the same numbers as
    # one search per delay, with a third of the per-step overhead (which these small
    # mini-batches pay more than the arithmetic)
    sgd = {}
    for b in setup.sgd_batches:
        for r in _minimum_edges(model, x, y, mn, setup.sgd_taus, batch_size=b, rng=list(setup.sgd_seeds),
                                radius=setup.sgd_radius, grid=setup.edge_grid, rounds=setup.edge_rounds,
                                steps=[setup.sgd_horizon_factor * edge_horizon(tau) for tau in setup.sgd_taus]):
            sgd.setdefault((r.delay, b), []).append(r)
        _tick(progress, len(setup.sgd_taus))
    for tau in setup.sgd_taus:
        for b in setup.sgd_batches:
            for r in sgd[(tau, b)]:
                add("sgd", r, b, r.seed)
    cols = {k: (v if k in ("kind", "scheme") else np.array(v)) for k, v in rows.items()}
    full = np.array(rows["kind"]) == "full_batch"
    worst = float(np.max(np.abs(cols["ratio"][full] - 1.0)))
    return FigureData(
        "network_edges", cols,
        _describe(setup, model, mn) + ". Full batch: restart at theta* + 1e-4 u (u the top eigenvector), "
        "constant delay, bisection on the learning rate; a run leaves if its distance to theta* grows 100-fold "
        "or is still growing at the end of the horizon 30(tau+2)+300. Largest |measured/predicted - 1| = "
        f"{worst:.4f}. SGD (batches drawn with replacement, plain A-SGD): a run leaves if its component along u "
        f"exceeds {setup.sgd_radius:g} within {setup.sgd_horizon_factor}x that horizon.",
        {"max_relative_deviation_full_batch": worst, "sharpness": a},
    )


def _promised_digits(eta: float) -> float:
    """``eta`` rounded to the 10 significant digits that :func:`threshold` promises.

    Training from scratch is chaotic: a change in the 13th digit of the learning rate grows
    to a visible change of the sharpness trajectory.  Rounding keeps the figures independent
    of digits the edge computation does not promise (relative accuracy 1e-10).
    """
    return float(f"{eta:.10g}")


def network_rule(progress=None, *, setup: NetworkSetup = FULL) -> FigureData:
    """Train from scratch: tau = 0 with eta0 against tau > 0 with eta0, eq. 8's rate and eta0/tau."""
    model, data, _ = setup_problem(setup)
    model = _train_model(setup, model)
    x, y = data.x_train, data.y_train
    eta0 = setup.rule_eta0
    configs = [(0, "eta0", eta0)]
    for tau in setup.rule_taus:
        configs += [(tau, "eta0", eta0), (tau, "scaled", _promised_digits(scaled_learning_rate(eta0, tau))),
                    (tau, "naive", eta0 / tau)]
    taus, rules, etas, seeds = [], [], [], []
    for tau, rule, eta in configs:
        for s in setup.rule_seeds:
            taus.append(tau)
            rules.append(rule)
            etas.append(eta)
            seeds.append(s)
    theta0 = np.stack([model.init(s) for s in seeds])
    loss_init = float(np.max(model.value(theta0, x, y)))
    run = run_delayed(model, x, y, theta0, np.array(etas), taus, steps=setup.rule_steps,
                      loss_escape=10.0 * loss_init, check_every=10)
    _tick(progress)
    final_loss = np.where(run.escaped, np.inf, model.value(run.theta, x, y))
    acc = np.where(run.escaped, np.nan, model.accuracy(run.theta, data.x_test, data.labels_test))
    sharp = np.array([np.nan if run.escaped[i] else network_sharpness(model, run.theta[i], x, y, tol=1e-8).value
                      for i in range(len(etas))])
    _tick(progress)
    cols = {"tau": np.array(taus), "rule": rules, "eta": np.array(etas), "seed": np.array(seeds),
            "diverged": run.escaped.astype(int), "final_loss": final_loss, "test_accuracy": acc,
            "sharpness": sharp, "edge_line": np.array([threshold(t) / e for t, e in zip(taus, etas)])}
    return FigureData(
        "network_rule", cols,
        f"Trained from scratch for {setup.rule_steps} full-batch steps (plain delayed GD, seeds "
        f"{', '.join(map(str, setup.rule_seeds))}): tau = 0 at eta0 = {eta0:g}; tau in "
        f"{', '.join(map(str, setup.rule_taus))} at eta0, at eq. 8's rate (scaled_learning_rate) and at eta0/tau. "
        "Diverged: training loss above 10x its start. Sharpness at the final iterate (Lanczos); edge_line = "
        "threshold(tau)/eta, the largest sharpness the run can keep stable.",
    )


def delayed_edge_of_stability(progress=None, *, setup: NetworkSetup = FULL) -> FigureData:
    """Sharpness during full-batch delayed GD from scratch, against ``threshold(tau)/eta``."""
    model, data, _ = setup_problem(setup)
    model = _train_model(setup, model)
    x, y = data.x_train, data.y_train
    taus = list(setup.eos_taus)
    etas = np.array([_promised_digits(threshold(t) / setup.eos_line) for t in taus])
    theta0 = model.init(setup.init_seed)
    run = run_delayed(model, x, y, theta0, etas, taus, steps=setup.eos_steps, record_every=setup.eos_every)
    _tick(progress)
    k, B, _ = run.snapshots.shape
    sharp = np.empty((k, B))
    for i in range(k):
        for b in range(B):
            sharp[i, b] = network_sharpness(model, run.snapshots[i, b], x, y, tol=1e-8).value
    _tick(progress)
    cols = {"tau": np.repeat(np.array(taus)[None], k, 0).T.ravel(),
            "eta": np.repeat(etas[None], k, 0).T.ravel(),
            "edge_line": np.repeat((np.array([threshold(t) for t in taus]) / etas)[None], k, 0).T.ravel(),
            "gd_line": np.repeat((2.0 / etas)[None], k, 0).T.ravel(),
            "step": np.tile(run.snapshot_steps, B), "sharpness": sharp.T.ravel(), "loss": run.snapshot_loss.T.ravel()}
    return FigureData(
        "delayed_edge_of_stability", cols,
        f"Full-batch delayed GD from the same initialisation, tau in {', '.join(map(str, taus))} with eta = "
        f"threshold(tau)/{setup.eos_line:g}, so that every run has the same predicted edge line "
        f"threshold(tau)/eta = {setup.eos_line:g} (2/eta, the delay-free line, is far higher for tau > 0). "
        f"Sharpness (Lanczos) every {setup.eos_every} steps.",
    )
