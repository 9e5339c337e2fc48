"""Delayed-SGD kernel: batched against a loop over configurations, and the compiled
(numba) step loop against the numpy one, all measured in one run.

Targets: the batch is at least 20x faster than running the same 256 configurations one
at a time (dimension 100, delay 32, numpy engine); at the figures' size (24 learning
rates on a scalar quadratic, delay 64) the compiled loop is at least 20x faster per step
than numpy's.  Costs per step are marginal (runs of N and 2N steps, so set-up cancels);
a difference that comes out negative under load is re-measured, never printed.

    python benchmarks/bench_kernel.py [--steps N]
"""

from __future__ import annotations

import argparse

import numpy as np

from _common import cpu_time, load, marginal, row
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
    print(f"kernel: batch {args.batch} x dim {args.dim}, delay {args.delay}, shifted momentum, "
          f"{args.steps} steps ({load()})")
    for label, H in (("dense H (matrix)", dense), ("H by its eigenvalues", np.linalg.eigvalsh(dense))):
        _batch_vs_loop(label, H, etas, args, kw)
    _engines(args)
    return 0


def _batch_vs_loop(label, H, etas, args, kw):
    def batched(steps):
        return run_delayed_sgd(H, etas, args.delay, engine="numpy", **dict(kw, steps=steps))

    def looped(steps):
        return [run_delayed_sgd(H, etas[b : b + 1], args.delay, engine="numpy", **dict(kw, steps=steps))
                for b in range(args.batch)]

    # same numbers either way (the batch is the loop, vectorised)
    r_b, r_l = batched(args.steps), looped(args.steps)
    assert np.allclose(r_b.final_distance, [r.final_distance[0] for r in r_l], rtol=1e-10)
    n = args.steps
    per_b = marginal(lambda: batched(n), lambda: batched(2 * n), extra=n, repeats=args.repeats)
    per_l = marginal(lambda: looped(n), lambda: looped(2 * n), extra=n, repeats=args.repeats)
    print(f"{label} (numpy engine):")
    print(f"  batched : {per_b * 1e6:10.1f} us/step")
    print(f"  loop    : {per_l * 1e6:10.1f} us/step  ({args.batch} single-configuration runs)")
    print(f"  speed-up: {per_l / per_b:10.1f}x  (target >= 20x)")
    row(f"kernel batch vs loop, {label}", f"{per_l / per_b:.0f}x", ">= 20x", per_l / per_b >= 20)


def _engines(args):
    etas = np.geomspace(0.01, 0.05, 24)
    steps = 4000

    def run(engine, n):
        return run_delayed_sgd([1.0], etas, 64, momentum="shifted", m=0.9, steps=n, engine=engine)

    a, b = run("numpy", steps), run("numba", steps)  # also compiles (or loads the cache)
    assert np.array_equal(a.growth_rate, b.growth_rate) and np.array_equal(a.diverged_at, b.diverged_at)
    per_np = marginal(lambda: run("numpy", steps), lambda: run("numpy", 2 * steps), extra=steps)
    per_nb = marginal(lambda: run("numba", steps), lambda: run("numba", 2 * steps), extra=steps,
                      repeats=5)
    whole = cpu_time(lambda: run("numba", steps))
    print("figure size: 24 rates, scalar quadratic, delay 64, shifted m = 0.9 (identical results):")
    print(f"  numpy  : {per_np * 1e6:10.2f} us/step")
    print(f"  numba  : {per_nb * 1e6:10.2f} us/step   ({whole * 1e3:.1f} ms for a whole {steps}-step run)")
    print(f"  speed-up: {per_np / per_nb:9.1f}x  (target >= 20x)")
    row("kernel numba vs numpy engine, figure size", f"{per_np / per_nb:.0f}x", ">= 20x", per_np / per_nb >= 20)


if __name__ == "__main__":
    raise SystemExit(main())
