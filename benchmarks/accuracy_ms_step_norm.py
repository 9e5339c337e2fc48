"""Rounding of the certified march's step-bound norm against a 50-digit truth.

Run from the repository root: ``python benchmarks/accuracy_ms_step_norm.py``.  For 128
configurations (the twelve nearly constant delays of tests/test_ms_gain_accuracy.py, mass
``1 - e`` at one delay, ``e`` = 1e-6..1e-12, three shapes, and four ordinary pmfs; schemes
plain, standard and shifted 0.5, 0.9, 0.99 and standard 0.9999) at 0.05 to 0.99999 of the
edge, prints the largest error of ``||N_0 G_1||_w^2`` (``stability._ms_certify._Problem.
_weighted_N``) in units of its rounding allowance, and the ratio of the march's bound on
``k^2`` to the exact ``||K_1||_w^2`` (both truths: tests/_ms_truth.mp_step_norms, Astrom's
recursion in mpmath on ``c`` and ``c^2``).  The module Notes of stability/_ms_certify.py
quote this output.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import stability as st  # noqa: E402
from stability import _ms_certify as mc  # noqa: E402
from stability import moments as mo  # noqa: E402
from tests._ms_truth import mp_step_norms  # noqa: E402

SCHEMES = [("none", 0.0), ("standard", 0.5), ("shifted", 0.5), ("standard", 0.9), ("shifted", 0.9),
           ("standard", 0.99), ("shifted", 0.99), ("standard", 0.9999)]
FRACS = (0.05, 0.3, 0.7, 0.99, 0.999, 0.99999)


def nearly_constant(e, shape):
    return st.Empirical({"1,2": [0.0, 1.0 - e, e], "0,2": [1.0 - e, 0.0, e], "1,3": [0.0, 1.0 - e, 0.0, e]}[shape])


def main():
    delays = [nearly_constant(e, sh) for e in (1e-6, 1e-8, 1e-10, 1e-12) for sh in ("1,2", "0,2", "1,3")]
    delays += [st.Uniform(1, 8), st.Empirical([0.2, 0.3, 0.5]), st.Empirical(np.r_[0.95, np.zeros(30), 0.05]),
               st.Empirical([0.9, 0, 0, 0, 0.1])]
    worst, ratios, configs = 0.0, [], 0
    for d in delays:
        for mom, m in SCHEMES:
            edge = mo.mean_square_edge(d, momentum=mom, m=m, method="scan")
            configs += 1
            P, Q = st.polynomial_pair(d, momentum=mom, m=m)
            prob = mc._Problem(np.asarray(st.delays.as_pmf(d), dtype=float), mom, m, P, Q)
            for frac in FRACS:
                a = frac * edge
                A = prob.P + a * prob.Q
                cmin = mc._min_abs(A)
                Nw, allow = prob._weighted_N(A, float(np.sum(np.abs(A))) / cmin, mo._astrom)
                truth_N, truth_K = (float(x) for x in mp_step_norms(d, a, mom, m))
                worst = max(worst, abs(Nw - truth_N) / allow)
                k2 = prob.b**2 * (Nw + allow) / cmin**2
                ratios.append((frac, k2 / (prob.b**2 * truth_K)))
    near = [r for f, r in ratios if f >= 0.99]
    print(f"{configs} configurations x {len(FRACS)} points")
    print(f"largest error of ||N_0 G_1||_w^2 / its allowance: {worst:.3f}")
    print(f"bound on k^2 / exact ||K_1||_w^2: {min(r for _, r in ratios):.3g} to {max(r for _, r in ratios):.3g}; "
          f"at >= 0.99 of the edge {min(near):.3g} to {max(near):.3g}")


if __name__ == "__main__":
    main()
