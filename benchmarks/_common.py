"""Shared helpers of the benchmarks: pinned BLAS threads, CPU timing that refuses
impossible readings, and the result rows that ``run_all.py`` collects into a table.

Every benchmark prints ratios between quantities measured in the same run (the machine
is shared, so absolute times drift with the load), and one ``ROW`` line per target:

    ROW<TAB>what<TAB>measured<TAB>target<TAB>PASS|FAIL
"""

from __future__ import annotations

import math
import os
import resource
import subprocess
import sys
import time

# One BLAS/OpenMP thread: on a loaded 2-core machine numpy.roots (LAPACK) under several
# OpenBLAS threads is several times slower than single-threaded (bench_blas.py measures it).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy  # noqa: E402  (loads BLAS, so that the limit below finds it)

try:
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)
except ImportError:  # pragma: no cover - the environment variables above still apply
    pass


class ImpossibleReading(RuntimeError):
    """A timing that cannot be right (negative, zero or not finite) after re-measuring."""


def load() -> str:
    """The 1-, 5- and 15-minute load averages, to print beside every number."""
    try:
        a, b, c = os.getloadavg()
    except OSError:  # pragma: no cover
        return "load n/a"
    return f"load {a:.2f} {b:.2f} {c:.2f} on {os.cpu_count()} cores"


def cpu_time(f, *, repeats: int = 3, min_time: float = 0.0, retries: int = 3) -> float:
    """Smallest CPU time (user + system of this process, seconds) of ``f()`` over ``repeats``.

    A reading that is not finite or not positive is impossible; the measurement is
    repeated up to ``retries`` times and then :class:`ImpossibleReading` is raised.
    """
    for _ in range(retries):
        best = math.inf
        for _ in range(repeats):
            t = time.process_time()
            f()
            best = min(best, time.process_time() - t)
        if math.isfinite(best) and best > min_time:
            return best
    raise ImpossibleReading(f"CPU time {best!r} s is not a possible reading")


def marginal(f_small, f_large, *, extra: float, repeats: int = 3, retries: int = 5) -> float:
    """Marginal CPU cost per unit of ``extra`` work: ``(t(large) - t(small)) / extra``.

    Under load the difference of two minima can come out negative (the kernel benchmark
    once printed a negative time per step): such a reading is re-measured, and after
    ``retries`` attempts :class:`ImpossibleReading` is raised rather than printed.
    """
    for _ in range(retries):
        d = cpu_time(f_large, repeats=repeats) - cpu_time(f_small, repeats=repeats)
        if math.isfinite(d) and d > 0:
            return d / extra
    raise ImpossibleReading(f"marginal cost {d!r} s over {extra} units is not positive")


def child_cpu_time(argv, *, repeats: int = 5, env=None, cwd=None) -> float:
    """Smallest CPU time (user + system) of the child process ``argv`` over ``repeats``."""
    best = math.inf
    for _ in range(repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=cwd)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise RuntimeError(f"{argv} failed: {done.stderr.decode(errors='replace').strip()}")
        t = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best = min(best, t)
    if not (math.isfinite(best) and best > 0):
        raise ImpossibleReading(f"child CPU time {best!r} s is not a possible reading")
    return best


def best_wall_time(f, *, min_time: float = 0.3, max_runs: int = 20):
    """Best wall time of ``f()`` over repeated runs (at least one, until ``min_time`` has
    passed or ``max_runs`` were made), and the value of the last run."""
    runs, t0, best, out = 0, time.perf_counter(), math.inf, None
    while runs < max_runs and (runs == 0 or time.perf_counter() - t0 < min_time):
        t = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - t)
        runs += 1
    return best, out


def checkout() -> tuple[str, dict]:
    """The checkout measured (this one, or ``STABILITY_ROOT``) and the environment for child
    processes that import its ``stability`` (they also run in it: the current directory
    comes first on ``sys.path``)."""
    root = os.environ.get("STABILITY_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return root, dict(os.environ, PYTHONPATH=root + os.pathsep + os.environ.get("PYTHONPATH", ""))


def row(what: str, measured: str, target: str, ok: bool) -> None:
    """Print one result line for ``run_all.py``."""
    print(f"ROW\t{what}\t{measured}\t{target}\t{'PASS' if ok else 'FAIL'}")
    sys.stdout.flush()
