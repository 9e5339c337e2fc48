"""Edge of stability: the certified locus method against the previous one and brentq, one run.

Prints, measured side by side in one process (ratios are what to quote; absolute times
depend on the machine's load, which is printed too):

* constant delays tau = 1e3, 1e4, 1e5: certified locus vs the previous (uncertified) locus
  of ``--old`` (a path to an older ``stability/locus.py``; skipped if not given); ratio old / new;
* dense pmfs: Uniform(1, 4096) against the previous locus, and Uniform(1, 1e5) and a
  random dense pmf of support 1e5 alone (the previous method was O(K^2): hours);
* tau = 1e6 (issue #14);
* ``threshold_array`` over tau = 0..1024 (every 8th) x 5 momenta, standard momentum, per
  point, against the previous locus called the same way;
* brentq at tau = 64 and 256 (the reference) against the certified locus.

Targets (issue #10): dense pmf of support 1e5 and Uniform(1, 1e5) under 2 s; constant
delays no slower than the previous method (ratio >= 1).  Issue #14: tau = 1e6 under 2 s.

    python benchmarks/bench_threshold.py [--old PATH]

Since the certified method landed on main, the previous (uncertified) locus is main
before that merge: ``git show 72da06e:stability/locus.py > /tmp/old_locus.py`` and
``--old /tmp/old_locus.py``.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import time

import numpy as np

import stability
from stability.polynomials import polynomial_pair

from _common import best_wall_time, row




def _load_old(path):
    if not path or not os.path.exists(path):
        return None
    spec = importlib.util.spec_from_file_location("_old_locus", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--old", default=None, help="a previous stability/locus.py to time against")
    args = p.parse_args(argv)
    old = _load_old(args.old)
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))

    def new_edge(delay, momentum="none", m=0.0):
        return stability.threshold(delay, momentum=momentum, m=m)

    def old_edge(delay, momentum="none", m=0.0):
        P, Q = polynomial_pair(delay, momentum=momentum, m=m)
        return old.locus_edge(P, Q)[0]

    print(f"{'case':>26} {'new (s)':>10} {'old (s)':>10} {'old/new':>8} {'rel diff':>9}")
    for tau in (1000, 10_000, 100_000):
        t_n, a_n = best_wall_time(lambda: new_edge(tau), max_runs=5)
        exact = stability.edge_constant_delay(tau)
        if old is not None:
            t_o, a_o = best_wall_time(lambda: old_edge(tau), max_runs=5)
            print(f"{'tau=' + str(tau):>26} {t_n:10.4g} {t_o:10.4g} {t_o / t_n:8.2f} {abs(a_n / exact - 1):9.1e}")
        else:
            print(f"{'tau=' + str(tau):>26} {t_n:10.4g} {'-':>10} {'-':>8} {abs(a_n / exact - 1):9.1e}")
    d = stability.Uniform(1, 4096)
    t_n, a_n = best_wall_time(lambda: new_edge(d), max_runs=3)
    if old is not None:
        t_o, a_o = best_wall_time(lambda: old_edge(d), min_time=0.0, max_runs=1)
        print(f"{'Uniform(1, 4096)':>26} {t_n:10.4g} {t_o:10.4g} {t_o / t_n:8.1f} {abs(a_n / a_o - 1):9.1e}")
    rng = np.random.default_rng(10)
    dense = stability.Empirical(rng.random(100_001), normalize=True)
    for name, d in (("Uniform(1, 100000)", stability.Uniform(1, 100_000)), ("random pmf, support 1e5", dense)):
        t_n, r = best_wall_time(lambda d=d: stability.threshold_result(d), max_runs=3)
        print(f"{name:>26} {t_n:10.4g} {'(hours)':>10} {'-':>8} {'-':>9}   target < 2 s; "
              f"refined {r.refined}, residual {r.residual:.1e}")
        row(f"threshold, {name} (wall)", f"{t_n:.2f} s", "< 2 s", t_n < 2.0)
    t_n, a_n = best_wall_time(lambda: new_edge(1_000_000), min_time=0.0, max_runs=1)
    exact = stability.edge_constant_delay(1_000_000)
    line = f"{'tau=1e6':>26} {t_n:10.4g}"
    if old is not None:
        t_o, _ = best_wall_time(lambda: old_edge(1_000_000), min_time=0.0, max_runs=1)
        line += f" {t_o:10.4g} {t_o / t_n:8.2f}"
    else:
        line += f" {'-':>10} {'-':>8}"
    print(line + f" {abs(a_n / exact - 1):9.1e}   target (issue #14) < 2 s")
    row("threshold, constant delay tau = 1e6 (wall)", f"{t_n:.2f} s, error {abs(a_n / exact - 1):.0e}", "< 2 s",
        t_n < 2.0)

    taus = np.arange(0, 1025, 8)
    ms = np.array([0.0, 0.3, 0.6, 0.9, 0.99])
    t0 = time.perf_counter()
    grid = stability.threshold_array(taus[None, :], momentum="standard", m=ms[:, None])
    t_n = (time.perf_counter() - t0) / grid.size
    if old is not None:
        t0 = time.perf_counter()
        ref = np.array([[old_edge(int(t), "standard", float(m)) for t in taus] for m in ms])
        t_o = (time.perf_counter() - t0) / grid.size
        print(f"{'threshold_array/point':>26} {t_n:10.4g} {t_o:10.4g} {t_o / t_n:8.2f} "
              f"{np.max(np.abs(grid / ref - 1)):9.1e}   (tau 0..1024 step 8 x 5 m, standard)")
    else:
        print(f"{'threshold_array/point':>26} {t_n:10.4g}")
    stability.threshold(100, method="brentq")  # warm-up: scipy.optimize and the dlahqr binding load once
    for tau in (64, 256):
        t_l, a_l = best_wall_time(lambda tau=tau: new_edge(tau))
        t_b, a_b = best_wall_time(lambda tau=tau: stability.threshold(tau, method="brentq"), min_time=0.0,
                         max_runs=1 if tau >= 256 else 3)
        print(f"{'brentq vs locus tau=' + str(tau):>26} {t_l:10.4g} {t_b:10.4g} {t_b / t_l:8.0f} "
              f"{abs(a_b / a_l - 1):9.1e}   (old column: brentq)")
        if tau == 64:
            row("threshold at tau = 64: brentq / locus (wall)", f"{t_b / t_l:.0f}x", ">= 50x", t_b / t_l >= 50)
    print("load average:", " ".join(f"{x:.2f}" for x in os.getloadavg()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
