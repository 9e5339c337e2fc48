"""Network experiments: CPU time of the three network figures, and the ratios of the
batched training against its alternatives, measured in one run.

Targets (issue 13): the three network figures together in under 60 s of CPU time on 2
cores (CPU time, because the machine is shared: wall time depends on the load); the
vectorised state worth its complexity (batched faster than a loop over the same
configurations).  Issue 14: the mini-batch edge searches of several delays in one state
(``network._minimum_edges``) must give the same results as one state per delay
(``minimum_edge``, the line says whether they are identical) and be faster (ratio > 1);
so must the sharpness with the forward pass computed once per point (``network_sharpness``)
against Lanczos on :meth:`MLP.hvp`, which redoes it at every product.

    python benchmarks/bench_network.py [--skip-figures]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from _common import load, row

from stability import network_experiments as ne
from stability.network import _minimum_edges, edge_horizon, minimum_edge, network_sharpness, run_delayed
from stability.sharpness import lanczos


def _cpu(f, *args, **kw):
    t = time.process_time()
    out = f(*args, **kw)
    return time.process_time() - t, out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-figures", action="store_true", help="only the ratios")
    p.add_argument("--batch", type=int, default=30)
    p.add_argument("--steps", type=int, default=400)
    args = p.parse_args(argv)
    print(load())

    if not args.skip_figures:
        total = 0.0
        for name, f in (("setup (data, minimum)", lambda: ne.setup_problem(ne.FULL)),
                        ("network_edges", ne.network_edges), ("network_rule", ne.network_rule),
                        ("delayed_edge_of_stability", ne.delayed_edge_of_stability)):
            dt, _ = _cpu(f)
            total += dt
            print(f"{name:>28}: {dt:6.1f} s CPU")
        print(f"{'total':>28}: {total:6.1f} s CPU (target < 60 s; ratio to target {total / 60:.2f})")
        row("network figures (setup + 3 figures)", f"{total:.1f} s CPU", "< 60 s", total < 60)

    model, data, mn = ne.setup_problem(ne.FULL)
    x, y = data.x_train, data.y_train
    B = args.batch

    # mini-batch edge searches: all delays in one state against one state per delay
    taus, bs = ne.FULL.sgd_taus, 16
    kw = dict(batch_size=bs, rng=list(ne.FULL.sgd_seeds), radius=ne.FULL.sgd_radius, grid=ne.FULL.edge_grid,
              rounds=ne.FULL.edge_rounds)
    t_one, joint = _cpu(_minimum_edges, model, x, y, mn, taus,
                        steps=[ne.FULL.sgd_horizon_factor * edge_horizon(t) for t in taus], **kw)
    t_each, each = 0.0, ()
    for t in taus:
        dt, r = _cpu(minimum_edge, model, x, y, mn, t, steps=ne.FULL.sgd_horizon_factor * edge_horizon(t), **kw)
        t_each += dt
        each += r
    same = joint == each
    ratio = t_each / t_one
    print(f"mini-batch edge searches (batch {bs}, delays {taus}, {len(ne.FULL.sgd_seeds)} seeds): one state "
          f"{t_one:.2f} s, one state per delay {t_each:.2f} s, speed-up {ratio:.2f}x, identical results: {same}")
    row("mini-batch edge searches: delays in one state vs one per delay", f"{ratio:.2f}x, identical {same}",
        "> 1, identical", ratio > 1 and same)

    # sharpness (Lanczos): the forward pass once per point against at every product
    pts = [mn.theta + 0.05 * np.random.default_rng(i).standard_normal(model.size) for i in range(20)]
    t_cached, a = _cpu(lambda: [network_sharpness(model, p_, x, y, tol=1e-8).value for p_ in pts])
    t_each, b = _cpu(lambda: [lanczos(lambda v, p_=p_: model.hvp(p_, v, x, y), model.size, tol=1e-8).value
                              for p_ in pts])
    same, ratio = a == b, t_each / t_cached
    print(f"sharpness at {len(pts)} points: forward pass cached {t_cached:.3f} s, recomputed at every product "
          f"{t_each:.3f} s, speed-up {ratio:.2f}x, identical results: {same}")
    row("sharpness: forward pass cached vs recomputed per product", f"{ratio:.2f}x, identical {same}",
        "> 1, identical", ratio > 1 and same)

    # batched trainer against a loop over its configurations
    etas = mn.sharpness ** -1 * np.geomspace(0.01, 0.3, B)
    start = mn.theta + 1e-4 * mn.direction
    kw = dict(steps=args.steps, momentum="shifted", m=0.9)
    t_batch, _ = _cpu(run_delayed, model, x, y, start, etas, 8, **kw)
    t_loop = 0.0
    for e in etas:
        dt, _ = _cpu(run_delayed, model, x, y, start, [e], 8, **kw)
        t_loop += dt
    print(f"run_delayed, {B} configurations x {args.steps} steps, delay 8, shifted momentum: batched "
          f"{t_batch:.2f} s, loop {t_loop:.2f} s, speed-up {t_loop / t_batch:.1f}x")
    row(f"run_delayed, {B} configurations batched vs a loop (CPU)", f"{t_loop / t_batch:.1f}x", "> 1x",
        t_loop > t_batch)
    print(load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
