"""Start-up of the command line: ``stability threshold --delay 32`` against bare Python
and ``import numpy``, CPU time of child processes measured in one run.

Target (issue #14): the command under 0.4 s of CPU.  The ratios against ``import numpy``
(the floor of any numpy program) and ``python -c pass`` are printed beside it.

    python benchmarks/bench_startup.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import sys

from _common import checkout, child_cpu_time, load, row

TARGET = 0.4


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--repeats", type=int, default=7)
    args = p.parse_args(argv)
    root, env = checkout()
    py = sys.executable
    print(f"start-up, best CPU time of {args.repeats} runs each ({load()})")
    bare = child_cpu_time([py, "-c", "pass"], repeats=args.repeats, env=env, cwd=root)
    numpy = child_cpu_time([py, "-c", "import numpy"], repeats=args.repeats, env=env, cwd=root)
    pkg = child_cpu_time([py, "-c", "import stability"], repeats=args.repeats, env=env, cwd=root)
    cli = child_cpu_time([py, "-m", "stability", "threshold", "--delay", "32"], repeats=args.repeats, env=env, cwd=root)
    for label, t in (("python -c pass", bare), ("import numpy", numpy), ("import stability", pkg),
                     ("stability threshold --delay 32", cli)):
        print(f"  {label:32s} {t:7.3f} s   {t / numpy:5.2f}x import numpy   {t / bare:6.1f}x bare python")
    row("`stability threshold --delay 32` (CPU)", f"{cli:.2f} s = {cli / numpy:.1f}x `import numpy`",
        f"< {TARGET} s", cli < TARGET)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
