"""Run every benchmark in this directory and write their results as one markdown table.

Each ``bench_*.py`` runs in its own process (start-up costs are part of what is measured)
with one BLAS thread; the ``ROW`` lines they print become the table, and their whole
output follows it.  The file is written atomically (temporary file, then rename).

    python benchmarks/run_all.py [--out benchmarks/RESULTS.md] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import datetime
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
#: Extra arguments per script (the figures are timed by bench_figures.py only).
ARGS = {"bench_network.py": ["--skip-figures"]}


def _write_atomic(path: str, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=os.path.join(HERE, "RESULTS.md"))
    p.add_argument("--only", nargs="+", default=None, help="script names, e.g. bench_startup.py")
    args = p.parse_args(argv)
    scripts = sorted(f for f in os.listdir(HERE) if f.startswith("bench_") and f.endswith(".py"))
    if args.only:
        scripts = [s for s in scripts if s in args.only or s[:-3] in args.only]
    env = dict(os.environ, PYTHONPATH=os.path.dirname(HERE) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")
    rows, outputs, failed = [], [], []
    start_load = os.getloadavg()
    for script in scripts:
        t = time.perf_counter()
        print(f"running {script} ...", file=sys.stderr, flush=True)
        done = subprocess.run([sys.executable, os.path.join(HERE, script), *ARGS.get(script, [])],
                              capture_output=True, text=True, env=env, cwd=HERE)
        wall = time.perf_counter() - t
        text = done.stdout + (("\n" + done.stderr) if done.returncode else "")
        outputs.append(f"### {script} ({wall:.0f} s wall, exit {done.returncode})\n\n```\n{text.strip()}\n```\n")
        found = [line.split("\t")[1:] for line in done.stdout.splitlines() if line.startswith("ROW\t")]
        rows += [(script, *r) for r in found if len(r) == 4]
        if done.returncode:
            failed.append(script)
            rows.append((script, "(script failed)", f"exit {done.returncode}", "", "FAIL"))
    end_load = os.getloadavg()
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python benchmarks/run_all.py` on {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC,"
        f" {os.cpu_count()} cores, load average {start_load[0]:.2f} at the start and {end_load[0]:.2f} at the end"
        " (the machine is shared: ratios measured within one run are the robust numbers).",
        "",
        "| script | what | measured | target | |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {s} | {w} | {m} | {t} | {ok} |" for s, w, m, t, ok in rows]
    lines += ["", "## Full output", ""] + outputs
    _write_atomic(args.out, "\n".join(lines) + "\n")
    print("\n".join(lines[: 6 + len(rows)]))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
