"""numpy.roots (LAPACK eigenvalues) with one BLAS thread against the default thread
count, in one run: why the test suite and the benchmarks pin BLAS to one thread.

On a 2-core machine shared with other work, OpenBLAS's threads spin and wait for each
other; the issue reported numpy.roots 5-8x slower than single-threaded.  Printed: CPU
and wall time per call for degrees 66, 130 and 258 (the polynomials of delays 64, 128,
256), single-threaded and with all threads, and their ratios.

    python benchmarks/bench_blas.py [--calls 20]
"""

from __future__ import annotations

import argparse
import os
import time

# this benchmark must see the library's default thread count: do not pin here
_PINNED = {v: os.environ.pop(v, None) for v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")}

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_info, threadpool_limits  # noqa: E402

DEFAULT_THREADS = max((i.get("num_threads", 1) for i in threadpool_info() if i.get("user_api") == "blas"),
                      default=1)

from _common import ImpossibleReading, load, row  # noqa: E402  (pins to 1; the limits below override)


def _per_call(poly, calls):
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(calls):
        np.roots(poly)
    c, w = (time.process_time() - c0) / calls, (time.perf_counter() - w0) / calls
    if not (c > 0 and w > 0):
        raise ImpossibleReading(f"time per call {c!r} s CPU, {w!r} s wall")
    return c, w


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=20)
    args = p.parse_args(argv)
    threads = DEFAULT_THREADS
    print(f"numpy.roots: 1 BLAS thread against {threads} ({load()})")
    print(f"{'degree':>7} {'1 thread CPU':>13} {'wall':>9} {f'{threads} threads CPU':>15} {'wall':>9}"
          f" {'CPU ratio':>10} {'wall ratio':>11}")
    worst = 0.0
    for tau in (64, 128, 256):
        poly = np.zeros(tau + 2)
        poly[0], poly[1], poly[-1] = 1.0, -1.0, 0.01  # z^(tau+1) - z^tau + alpha
        with threadpool_limits(1):
            np.roots(poly)
            c1, w1 = _per_call(poly, args.calls)
        with threadpool_limits(threads):
            np.roots(poly)
            cn, wn = _per_call(poly, args.calls)
        worst = max(worst, wn / w1)
        print(f"{tau + 1:>7} {c1 * 1e3:11.2f}ms {w1 * 1e3:7.2f}ms {cn * 1e3:13.2f}ms {wn * 1e3:7.2f}ms"
              f" {cn / c1:9.2f}x {wn / w1:10.2f}x")
    row("numpy.roots, default BLAS threads / 1 thread (wall, worst degree)", f"{worst:.2f}x",
        "informative (> 1: pin)", True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
