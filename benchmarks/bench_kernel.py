"""Batched delayed-SGD kernel against a loop over configurations, measured in one run.

Target (issue: kernel): the batch is at least 20x faster than running the same 256
configurations one at a time, for dimension 100 and delay 32.  Both a dense H and H given
by its eigenvalues are measured; the cost per step is marginal (runs of N and 2N steps).

    python benchmarks/bench_kernel.py [--steps N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from stability.simulation import run_delayed_sgd


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--dim", type=int, default=100)
    p.add_argument("--delay", type=int, default=32)
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args(argv)

    rng = np.random.default_rng(0)
    A = rng.standard_normal((args.dim, args.dim))
    dense = A @ A.T / args.dim
    etas = np.geomspace(1e-4, 1e-2, args.batch)
    kw = dict(momentum="shifted", m=0.9, steps=args.steps)
    print(f"kernel: batch {args.batch} x dim {args.dim}, delay {args.delay}, shifted momentum, {args.steps} steps")
    for label, H in (("dense H (matrix)", dense), ("H by its eigenvalues", np.linalg.eigvalsh(dense))):
        _compare(label, H, etas, args, kw)
    return 0


def _compare(label, H, etas, args, kw):
    def batched(steps):
        return run_delayed_sgd(H, etas, args.delay, **dict(kw, steps=steps))

    def looped(steps):
        return [run_delayed_sgd(H, etas[b : b + 1], args.delay, **dict(kw, steps=steps)) for b in range(args.batch)]

    # same numbers either way (the batch is the loop, vectorised)
    r_b, r_l = batched(args.steps), looped(args.steps)
    assert np.allclose(r_b.final_distance, [r.final_distance[0] for r in r_l], rtol=1e-10)

    def best(f, steps):
        times = []
        for _ in range(args.repeats):
            t = time.perf_counter()
            f(steps)
            times.append(time.perf_counter() - t)
        return min(times)

    # marginal cost per step: runs of N and 2N steps, so one-time set-up (validation,
    # the eigendecomposition of a dense H) cancels on both sides
    n = args.steps
    per_b = (best(batched, 2 * n) - best(batched, n)) / n
    per_l = (best(looped, 2 * n) - best(looped, n)) / n
    print(f"{label}:")
    print(f"  batched : {per_b * 1e6:10.1f} us/step")
    print(f"  loop    : {per_l * 1e6:10.1f} us/step  ({args.batch} single-configuration runs)")
    print(f"  speed-up: {per_l / per_b:10.1f}x  (target >= 20x)")


if __name__ == "__main__":
    raise SystemExit(main())
