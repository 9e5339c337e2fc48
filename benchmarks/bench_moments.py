"""Mean-square and almost-sure edges: speed against the mean edge, measured in one run.

Prints, for uniform delays {1..K} (support K) and geometric staleness: the time of the
mean edge (``stability.threshold``, the reference), of the mean-square edge
(``stability.moments.mean_square_edge``) and their ratio; and the time and confidence
interval of the almost-sure edge at support 64.  Also the ``uptime`` load.

Targets (issue 11): mean-square edge at support 64 under 50 ms, support 4096 under 2 s;
almost-sure edge to 1% in under 30 s at support 64.

    python benchmarks/bench_moments.py [--skip-4096] [--against /path/to/other/checkout]

``--against`` also times the 4096 cases in fresh processes alternating between this
checkout and the other one (best of 3 each, the same load), and prints the ratio.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

import numpy as np

import stability as st
from stability import moments as mo

from _common import best_wall_time, checkout, row

_ONE_EDGE = r"""
import sys, time
sys.path.insert(0, sys.argv[1])
import stability as st
from stability import moments as mo
mo.mean_square_edge(st.Uniform(1, 3))  # numba load, not timed
t = time.perf_counter()
r = mo.mean_square_edge_result(st.Uniform(1, 4096), momentum=sys.argv[2], m=float(sys.argv[3]))
print(time.perf_counter() - t, r.evaluations)
"""


def against(other: str, repeats: int = 3) -> None:
    """Time the 4096 cases here and in ``other``, alternating, in fresh processes."""
    here, env = checkout()
    for mom, m in (("none", "0.0"), ("shifted", "0.9")):
        best = {}
        for _ in range(repeats):
            for root in (here, other):
                out = subprocess.run([sys.executable, "-c", _ONE_EDGE, root, mom, m], capture_output=True,
                                     text=True, check=True, env=env).stdout.split()
                t, ev = float(out[0]), int(out[1])
                best[root] = (min(best.get(root, (t, ev))[0], t), ev)
        (t1, e1), (t0, e0) = best[here], best[other]
        print(f"uniform {{1..4096}}, {mom} m={m}: this checkout {t1:.3f} s ({e1} evaluations), "
              f"{other}: {t0:.3f} s ({e0} evaluations); ratio {t1 / t0:.3f}")



def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-4096", action="store_true")
    p.add_argument("--against", metavar="DIR", help="another checkout to time the 4096 cases against")
    args = p.parse_args(argv)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    cases = [("uniform {1..64}", st.Uniform(1, 64), "none", 0.0),
             ("geometric q=0.9, K=64", st.Empirical(0.9 ** np.arange(65), normalize=True), "none", 0.0)]
    if not args.skip_4096:
        # shifted momentum: S(0+) > 0.25, so the whole scan runs at the fine ratio 1.02
        cases += [("uniform {1..4096}", st.Uniform(1, 4096), "none", 0.0),
                  ("uniform {1..4096} sh.0.9", st.Uniform(1, 4096), "shifted", 0.9)]
    # numba loads (or, after a change, compiles) Astrom's loop on first use: time that once,
    # apart, so that the rows below are steady-state costs.
    t = time.perf_counter()
    mo.mean_square_edge(st.Uniform(1, 3))
    print(f"first call (numba load/compile of Astrom's loop): {time.perf_counter() - t:.3f} s")
    print(f"{'delay':>24} {'mean edge (s)':>14} {'mean-square (s)':>16} {'ratio ms/mean':>14} {'ms edge':>12} "
          f"{'evaluations':>11} {'ms / one evaluation':>19}")
    for name, d, mom, m in cases:
        slow = d.max_delay > 1000
        kw = dict(momentum=mom, m=m)
        t_mean, a_mean = best_wall_time(lambda d=d, kw=kw: st.threshold(d, **kw), min_time=0.0 if slow else 0.3,
                                        max_runs=1 if slow else 20)
        t_ms, res = best_wall_time(lambda d=d, kw=kw: mo.mean_square_edge_result(d, **kw),
                                   min_time=0.0 if slow else 0.3, max_runs=1 if slow else 20)
        a_ms = res.alpha
        # the cost of one evaluation of S (one Astrom pass) at a point inside, same run
        P, Q = st.polynomial_pair(d, **kw)
        t_one, _ = best_wall_time(lambda P=P, Q=Q, kw=kw, a=0.5 * a_ms: mo._gain_exact_pq(P, Q, mom, m, [a]),
                                  min_time=0.0 if slow else 0.3, max_runs=3 if slow else 200)
        print(f"{name:>24} {t_mean:14.4g} {t_ms:16.4g} {t_ms / t_mean:14.2f} {a_ms:12.6g} {res.evaluations:11d} "
              f"{t_ms / t_one:19.1f}")
        if d.max_delay == 64:
            row(f"mean-square edge, {name} (wall, best of runs)", f"{t_ms * 1e3:.1f} ms", "< 50 ms", t_ms < 0.05)
            if name.startswith("uniform"):
                t_ms64 = t_ms
        else:
            row(f"mean-square edge, {name}, {mom} m={m} (wall)", f"{t_ms:.2f} s", "< 2 s", t_ms < 2.0)
        if slow and mom == "none":  # the same edge by the numpy loop (the reference the compiled loop repeats)
            saved, mo._astrom_kernel = mo._astrom_kernel, lambda: None  # None: the numpy loop
            try:
                t_np, a_np = best_wall_time(lambda d=d: mo.mean_square_edge(d), min_time=0.0, max_runs=1)
            finally:
                mo._astrom_kernel = saved
            print(f"{name + ', numpy loop':>24} {'':>14} {t_np:16.4g} {'':>14} {a_np:12.6g}   "
                  f"numba/numpy = {t_ms / t_np:.3f}")
    d = st.Uniform(1, 64)
    t = time.perf_counter()
    res = mo.almost_sure_edge(d, rtol=0.01)
    t_as = time.perf_counter() - t
    print(f"almost-sure edge, uniform {{1..64}}: {res.alpha:.6g}, 95% CI [{res.ci[0]:.6g}, {res.ci[1]:.6g}] "
          f"(half-width {res.relative_halfwidth:.2%}), {t_as:.2f} s = {t_as / t_ms64:.0f}x the mean-square edge; "
          f"{res.steps} steps x {res.streams} streams")
    row("almost-sure edge to 1%, uniform {1..64} (wall)", f"{t_as:.1f} s, half-width {res.relative_halfwidth:.2%}",
        "< 30 s, <= 1%", t_as < 30 and res.relative_halfwidth <= 0.01)
    if args.against:
        against(args.against)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
