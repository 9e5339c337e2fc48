"""Random delays: does a single run, or the mean over seeds, lose stability at the edge
the characteristic polynomial predicts (which is an edge of the MEAN iterate)?

For a uniform delay on {1..b} and learning rates at fractions of the predicted edge, runs
200 seeded single runs of plain delayed SGD on the scalar quadratic f = x^2/2 and prints
the fraction whose distance to the minimum grows, their median growth rate per step, and
the growth rate of the average over the 200 runs (the empirical expected iterate).
Also prints the single-run edge found by bisection (one seeded run per rate).

    python benchmarks/random_delays.py
"""

from __future__ import annotations

import numpy as np

import stability
from stability.simulation import edge_learning_rate, run_delayed_sgd

FRACTIONS = (0.8, 0.9, 0.95, 1.0, 1.05, 1.1)


def main() -> int:
    for b in (4, 16, 32):
        delay = stability.Uniform(1, b)
        edge = stability.threshold(delay)
        single = edge_learning_rate(1.0, delay).eta
        print(f"uniform delay on {{1..{b}}}: predicted edge a*eta = {edge:.6g}; "
              f"single-run edge by bisection = {single / edge:.4f} x predicted")
        print("   eta/edge  runs growing  median rate/step  rate of the mean")
        steps = 400 * (b + 2) + 4000
        for f in FRACTIONS:
            r = run_delayed_sgd([1.0], np.full(200, f * edge), delay, steps=steps, rng=5,
                                record_mean=True, blowup=1e300)
            path = np.abs(r.mean_path[:, 0])
            T, W = steps, 8 * (b + 2)
            mean_rate = (np.log(path[T - W:].max()) - np.log(path[T // 2 - W : T // 2].max())) / (T - T // 2)
            print(f"   {f:8.2f}  {np.mean(r.growth_rate > 0):12.3f}  {np.median(r.growth_rate):16.2e}"
                  f"  {mean_rate:16.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
