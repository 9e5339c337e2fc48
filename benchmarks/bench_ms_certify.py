"""Certified mean-square edge: its cost against the scan it checks, measured in one run.

For uniform and bimodal delays of several supports and the three schemes, prints the CPU
time of ``mean_square_edge_result(method="scan")`` (the reference), of
``method="certified"`` (the scan plus the certified march), their ratio, the march's
number of gain evaluations and the certified bracket's relative width.  ``"auto"`` uses the
certified march up to ``MS_CERTIFY_SUPPORT`` points; this shows what that costs.

Then the 60 nearly constant delays of ``tests/test_ms_gain_accuracy.py`` (mass ``1 - e`` at
one delay, ``e`` = 1e-6..1e-12, three shapes, five schemes), marched twice in this run: with
the march's derivative ``S'`` and the step bound's norm ``||N_0 G_1||_w`` from the plain
form (the old way, forced by ``_Problem.split_rows = 0``) and through the stick-breaking
rows (the default); prints both CPU times, their ratio and the median number of gain
evaluations.

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
    nearly_constant()
    return 0


def nearly_constant():
    """The march on nearly constant delays, ``S'`` and ``||N_0 G_1||_w`` by the plain form
    against the stick rows."""
    import stability._ms_certify as mc

    cases = [(st.Empirical({"1,2": [0.0, 1.0 - e, e], "0,2": [1.0 - e, 0.0, e],
                            "1,3": [0.0, 1.0 - e, 0.0, e]}[shape]), mom, m)
             for mom, m in (("none", 0.0), ("standard", 0.5), ("shifted", 0.5), ("standard", 0.9),
                            ("shifted", 0.9))
             for e in (1e-6, 1e-8, 1e-10, 1e-12) for shape in ("1,2", "0,2", "1,3")]
    rows = mc._Problem.split_rows
    out = {}
    try:
        for label, split in (("plain forms", lambda self, ratio: 0), ("stick rows", rows)):
            mc._Problem.split_rows = split
            t, evals = time.process_time(), []
            for d, mom, m in cases:
                evals.append(mo.mean_square_edge_result(d, momentum=mom, m=m).evaluations)
            out[label] = (time.process_time() - t, int(np.median(evals)), max(evals))
    finally:
        mc._Problem.split_rows = rows
    for label, (t, med, mx) in out.items():
        print(f"{len(cases)} nearly constant delays, {label:>11}: {t:6.2f} s CPU, evaluations median {med}, max {mx}")
    ratio = out["plain forms"][0] / out["stick rows"][0]
    print(f"speed-up of the stick rows (same run): {ratio:.2f}x")
    row("certified march on 60 nearly constant delays, plain forms / stick rows CPU", f"{ratio:.2f}x",
        "informative (> 1)", ratio > 1.0)


if __name__ == "__main__":
    raise SystemExit(main())
