"""The test suite's CPU time, as CI runs it (``CI=true``: derandomised hypothesis), with the
CPU time of ``import numpy`` in the same run as the reference floor.

Target (issue #14): the whole suite under 150 s of CPU time (user + system of pytest and
every process it starts: notebook kernels, the dask cluster's workers, command-line runs).
The slowest files are listed from pytest's own durations.

It measures what CI pays in a fresh clone: numba compiles its kernels into an empty cache
directory (about 3.6 s of CPU for the six kernels the suite uses), and Python writes its
bytecode (a variable such as ``PYTHONDONTWRITEBYTECODE`` in the caller's environment is
dropped, as a fresh machine would not have it).

    python benchmarks/bench_suite.py [pytest arguments]

It runs the checkout's tests once (about 4 minutes of wall time on 2 cores); pass e.g.
``tests/test_cli.py`` to time a part.
"""

from __future__ import annotations

import collections
import re
import resource
import subprocess
import sys
import tempfile
import time

from _common import ImpossibleReading, checkout, child_cpu_time, load, row

TARGET = 150.0


def main(argv=None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    root, env = checkout()
    env = dict(env, CI="true", OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    numba_cache = tempfile.TemporaryDirectory(prefix="bench-suite-numba-")
    env["NUMBA_CACHE_DIR"] = numba_cache.name  # cold, as in a fresh clone
    print(f"test suite of {root} ({load()})")
    numpy = child_cpu_time([sys.executable, "-c", "import numpy"], repeats=3, env=env, cwd=root)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--durations=0", *args],
                          capture_output=True, text=True, env=env, cwd=root)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if not cpu > 0:
        raise ImpossibleReading(f"suite CPU time {cpu!r} s is not a possible reading")
    lines = done.stdout.splitlines()
    summary = next((ln for ln in reversed(lines) if re.search(r"\d+ (passed|failed)", ln)), "(no summary)")
    per_file = collections.Counter()
    for ln in lines:
        m = re.match(r"\s*([\d.]+)s (?:setup|call|teardown)\s+(\S+?)(?:::|\s|$)", ln)
        if m:
            per_file[m.group(2)] += float(m.group(1))
    print(f"  {summary.strip(' =')}")
    print(f"  CPU {cpu:.1f} s (user + system, pytest and its children), wall {wall:.1f} s, "
          f"{cpu / numpy:.0f}x `import numpy` ({numpy:.3f} s)")
    print("  slowest files (pytest durations, wall):")
    for name, t in per_file.most_common(12):
        print(f"    {t:7.1f} s  {name}")
    print(f"  ({load()})")
    if done.returncode != 0:
        print(done.stdout[-3000:], done.stderr[-2000:], sep="\n")
        row("test suite, CI=true (CPU)", f"failed (exit {done.returncode})", f"< {TARGET:.0f} s", False)
        return 1
    scope = "test suite, CI=true (CPU)" if not args else f"tests {' '.join(args)} (CPU)"
    row(scope, f"{cpu:.0f} s ({summary.strip(' =').split(' in ')[0]})", f"< {TARGET:.0f} s", cpu < TARGET)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
