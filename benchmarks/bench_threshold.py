"""Edge of stability: the boundary-locus method against the brentq reference, one run.

Prints, measured side by side: time per edge of both methods at tau = 16, 64, 256, 1024
(plain A-SGD, constant delay) with their ratio and their relative errors against eq. 6;
the locus method alone at tau = 10^4 and 10^5; and the wall time of regenerating every
figure (``stability figures`` into a temporary directory).

Targets (issue: fast edges): >= 50x at tau = 64 and >= 1000x at tau = 1024 at equal
accuracy; tau = 10^5 in under a second on a 2-core machine.

    python benchmarks/bench_threshold.py [--skip-figures] [--max-ref-tau 1024]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time

import stability


def _time(f, min_time=0.5, max_runs=50):
    runs, t0 = 0, time.perf_counter()
    best = math.inf
    while runs < max_runs and (runs == 0 or time.perf_counter() - t0 < min_time):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
        runs += 1
    return best, out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-figures", action="store_true")
    p.add_argument("--max-ref-tau", type=int, default=1024)
    args = p.parse_args(argv)

    print(f"{'tau':>7} {'brentq (s)':>12} {'locus (s)':>12} {'ratio':>9} {'err brentq':>11} {'err locus':>11}")
    for tau in (16, 64, 256, 1024):
        exact = stability.edge_constant_delay(tau)
        t_l, a_l = _time(lambda tau=tau: stability.threshold(tau, method="locus"))
        if tau <= args.max_ref_tau:
            t_b, a_b = _time(lambda tau=tau: stability.threshold(tau, method="brentq"), min_time=0.0,
                             max_runs=1 if tau >= 256 else 5)
            print(f"{tau:>7} {t_b:12.4g} {t_l:12.4g} {t_b / t_l:8.0f}x {abs(a_b / exact - 1):11.1e}"
                  f" {abs(a_l / exact - 1):11.1e}")
        else:
            print(f"{tau:>7} {'-':>12} {t_l:12.4g} {'-':>9} {'-':>11} {abs(a_l / exact - 1):11.1e}")
    for tau in (10_000, 100_000):
        exact = stability.edge_constant_delay(tau)
        t_l, a_l = _time(lambda tau=tau: stability.threshold(tau, method="locus"), max_runs=5)
        print(f"{tau:>7} {'-':>12} {t_l:12.4g} {'-':>9} {'-':>11} {abs(a_l / exact - 1):11.1e}"
              f"   (target < 1 s)")
    print("targets: ratio >= 50x at tau = 64, >= 1000x at tau = 1024")
    if not args.skip_figures:
        from stability.figures import run

        with tempfile.TemporaryDirectory() as out:
            t = time.perf_counter()
            run(out=out, progress=False)
            print(f"regenerating all figures: {time.perf_counter() - t:.1f} s wall")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
