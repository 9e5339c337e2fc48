"""Network experiments: CPU time of the three network figures, and the batched trainer
against a loop over configurations, measured in one run.

Targets (issue 13): the three network figures together in under 60 s of CPU time on 2
cores (CPU time, because the machine is shared: wall time depends on the load); the
vectorised state worth its complexity (batched faster than a loop over the same
configurations).  Prints the load average beside every number.

    python benchmarks/bench_network.py [--skip-figures]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from _common import row

from stability import network_experiments as ne
from stability.network import run_delayed


def _cpu(f, *args, **kw):
    t = time.process_time()
    out = f(*args, **kw)
    return time.process_time() - t, out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-figures", action="store_true", help="only the batched-vs-loop ratio")
    p.add_argument("--batch", type=int, default=30)
    p.add_argument("--steps", type=int, default=400)
    args = p.parse_args(argv)
    print(f"load average at start: {os.getloadavg()[0]:.2f}")

    if not args.skip_figures:
        total = 0.0
        for name, f in (("setup (data, minimum)", ne.setup_problem), ("network_edges", ne.network_edges),
                        ("network_rule", ne.network_rule),
                        ("delayed_edge_of_stability", ne.delayed_edge_of_stability)):
            dt, _ = _cpu(f)
            total += dt
            print(f"{name:>28}: {dt:6.1f} s CPU")
        print(f"{'total':>28}: {total:6.1f} s CPU (target < 60 s; ratio to target {total / 60:.2f})")
        row("the three network figures with their setup (CPU)", f"{total:.1f} s", "< 60 s", total < 60)

    model, data, mn = ne.setup_problem(ne.FULL)
    x, y = data.x_train, data.y_train
    B = args.batch
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
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
