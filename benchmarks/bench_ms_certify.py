"""Certified mean-square edge: its cost against the scan it checks, measured in one run.

For uniform and bimodal delays of several supports and the three schemes, prints the CPU
time of ``mean_square_edge_result(method="scan")`` (the reference), of
``method="certified"`` (the scan plus the certified march), their ratio, the march's
number of gain evaluations and the certified bracket's relative width.  ``"auto"`` uses the
certified march up to ``MS_CERTIFY_SUPPORT`` points; this shows what that costs.

    python benchmarks/bench_ms_certify.py [--max-support 128]
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import stability as st
from stability import moments as mo

from _common import row


def cpu(fn):
    t = time.process_time()
    out = fn()
    return time.process_time() - t, out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--max-support", type=int, default=128)
    args = p.parse_args(argv)
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    mo.mean_square_edge_result(st.Uniform(1, 3), method="certified")  # numba load, apart
    print(f"{'delay':>22} {'scheme':>14} {'scan (s)':>9} {'cert. (s)':>9} {'ratio':>7} {'evals':>6} {'bracket':>9}")
    worst = 0.0
    for K in (8, 32, 64, 128, 256):
        if K > args.max_support:
            break
        for name, d in ((f"uniform 1..{K}", st.Uniform(1, K)),
                        (f"0.9@0 + 0.1@{K}", st.Empirical(np.r_[0.9, np.zeros(K - 1), 0.1]))):
            for mom, m in (("none", 0.0), ("standard", 0.9), ("shifted", 0.9), ("shifted", 0.99)):
                t_s, a = cpu(lambda: mo.mean_square_edge_result(d, momentum=mom, m=m, method="scan"))
                t_c, b = cpu(lambda: mo.mean_square_edge_result(d, momentum=mom, m=m, method="certified"))
                width = (b.bracket[1] - b.bracket[0]) / b.bracket[1]
                if K <= 64:
                    worst = max(worst, t_c)
                print(f"{name:>22} {mom + ' ' + str(m):>14} {t_s:9.4f} {t_c:9.4f} {t_c / max(t_s, 1e-9):7.1f} "
                      f"{b.evaluations:6d} {width:9.1e}")
    print(f"worst certified time up to support 64 (the default's range): {worst:.3f} s")
    row("certified mean-square edge, worst CPU time up to support 64 (m <= 0.99)", f"{worst:.2f} s",
        "informative (documented: < 1 s)", worst < 1.0)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
