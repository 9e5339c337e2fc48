"""``threshold_array`` over tau = 0..1024 x 5 momenta against per-point loops, one run.

Issue #14 measured ``threshold_array(range(1025), momentum="standard", m=[0, .5, .9, .95,
.99])`` at 3.5 ms a point (a Python loop over ``threshold``) and asked for 5x.  This script
times, in one run and in CPU seconds:

* the baseline: that call in the code where the issue started (``--reference``, default
  commit 673407c, extracted with ``git archive`` into a temporary directory and run in a
  child process);
* the per-point loop ``[threshold(tau, momentum=..., m=...) ...]`` of this checkout;
* ``threshold_array`` of this checkout (best of two runs), which computes the certified
  locus edges of all points together (:func:`stability.locus.locus_edges`).

and prints the ratios, the agreement with the baseline (relative) and with the loop
(bit for bit).

    python benchmarks/bench_threshold_array.py [--reference COMMIT] [--step S]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tarfile
import tempfile
import time

import numpy as np

from _common import checkout, load, row

MS = [0.0, 0.5, 0.9, 0.95, 0.99]

CHILD = r"""
import sys, time
import numpy as np
import stability
taus = np.arange(0, 1025, int(sys.argv[1]))
ms = np.array([0.0, 0.5, 0.9, 0.95, 0.99])[:, None]
stability.threshold_array(taus[:3], momentum="standard", m=ms)  # imports, lazy modules
t = time.process_time()
out = stability.threshold_array(taus, momentum="standard", m=ms)
print(time.process_time() - t)
np.save(sys.argv[2], out)
"""


def _reference_tree(root: str, commit: str, dest: str) -> str | None:
    """``stability/`` of ``commit`` extracted under ``dest`` (None if git cannot)."""
    tar = os.path.join(dest, "ref.tar")
    done = subprocess.run(["git", "-C", root, "archive", "-o", tar, commit, "stability"],
                          capture_output=True, text=True)
    if done.returncode:
        print(f"  (no reference: git archive {commit} failed: {done.stderr.strip()})")
        return None
    with tarfile.open(tar) as t:
        t.extractall(dest, filter="data")
    return dest


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--reference", default="673407c", help="commit of the baseline (issue #14's start)")
    p.add_argument("--step", type=int, default=1, help="every STEP-th delay (1: all 1025)")
    args = p.parse_args(argv)
    root, _ = checkout()
    sys.path.insert(0, root)
    import stability

    taus = np.arange(0, 1025, args.step)
    ms = np.array(MS)[:, None]
    size = taus.size * len(MS)
    print(f"threshold_array, tau 0..1024 step {args.step} x m {MS}, standard momentum: {size} points ({load()})")
    stability.threshold_array(taus[:3], momentum="standard", m=ms)  # lazy imports

    with tempfile.TemporaryDirectory() as tmp:
        ref_dir = _reference_tree(root, args.reference, tmp)
        t_ref = ref = None
        if ref_dir is not None:
            out = os.path.join(tmp, "ref.npy")
            env = dict(os.environ, PYTHONPATH=ref_dir)
            done = subprocess.run([sys.executable, "-c", CHILD, str(args.step), out], capture_output=True,
                                  text=True, env=env, cwd=tmp)
            if done.returncode:
                print(f"  (reference failed: {done.stderr.strip().splitlines()[-1]})")
            else:
                t_ref, ref = float(done.stdout.split()[-1]), np.load(out)

    def timed(f):
        t = time.process_time()
        v = f()
        return time.process_time() - t, v

    t_arr, grid = timed(lambda: stability.threshold_array(taus, momentum="standard", m=ms))
    t_loop, loop = timed(lambda: np.array([[stability.threshold(int(t), momentum="standard", m=float(m))
                                            for t in taus] for m in MS]))
    t_arr2, grid2 = timed(lambda: stability.threshold_array(taus, momentum="standard", m=ms))
    t_arr = min(t_arr, t_arr2)
    if not (t_arr > 0 and t_loop > 0 and (t_ref is None or t_ref > 0)):
        raise SystemExit(f"impossible CPU times: array {t_arr}, loop {t_loop}, reference {t_ref}")
    same = np.array_equal(grid, loop) and np.array_equal(grid, grid2)
    print(f"  threshold_array (this checkout)   {t_arr / size * 1e3:8.3f} ms a point")
    print(f"  loop of threshold (this checkout) {t_loop / size * 1e3:8.3f} ms a point   "
          f"{t_loop / t_arr:5.2f}x the array; identical: {same}")
    if t_ref is not None:
        diff = float(np.max(np.abs(grid / ref - 1)))
        print(f"  baseline {args.reference} (a loop)       {t_ref / size * 1e3:8.3f} ms a point   "
              f"{t_ref / t_arr:5.2f}x the array; max relative difference {diff:.1e}")
        row(f"threshold_array, tau 0..1024 x 5 m: baseline ({args.reference}) / now (CPU)",
            f"{t_ref / t_arr:.2f}x ({t_arr / size * 1e3:.2f} ms a point)", ">= 5x", t_ref / t_arr >= 5)
    row("threshold_array / loop of threshold, this checkout (CPU)", f"{t_loop / t_arr:.2f}x, identical: {same}",
        "informative; identical", same)
    print(f"  ({load()})")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
