"""Relative error of threshold() against high-precision truths as the momentum m -> 1.

Run from the repository root: ``python benchmarks/accuracy_momentum_near_one.py``.  Prints,
for m = 1 - 10**-k (k = 2..12), both schemes with momentum, constant delays 0, 1, 5, 32 and
Uniform(0, 8): the 40-digit boundary-locus truth (tests/_truth.py), for small delays a
second truth (bisection on mpmath.polyroots at 60 digits), and the relative error of both
methods.  The README's table of accuracy near m = 1 and the limit MAX_MOMENTUM come from
this output.  Momenta above the limit are refused by the public API, so the limit is lifted
here (and only here) to measure what lies beyond it.
"""
import os
import sys
import warnings

import mpmath

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import stability as st  # noqa: E402
from stability import _validation  # noqa: E402
from tests._truth import locus_edge  # noqa: E402

_validation.MAX_MOMENTUM = 1.0

def mp_edge(delay, momentum, m, guess, dps=60):
    """Independent: bisection on max |root| - 1 with mpmath.polyroots at high precision,
    after a scan from below (only for small degrees)."""
    P, Q = st.polynomial_pair(delay, momentum=momentum, m=m)
    with mpmath.workdps(dps):
        Pm = [mpmath.mpf(float(c)) for c in P]; Qm = [mpmath.mpf(float(c)) for c in Q]
        def rho(a):
            c = [p + a * q for p, q in zip(Pm, Qm)]
            return max(abs(r) for r in mpmath.polyroots(c, maxsteps=400, extraprec=4*dps))
        a = mpmath.mpf(guess) * mpmath.mpf("1e-4"); lo = mpmath.mpf(0)
        while rho(a) < 1:
            lo = a; a *= mpmath.mpf("1.1")
        hi = a
        for _ in range(120):
            mid = (lo + hi) / 2
            if rho(mid) < 1: lo = mid
            else: hi = mid
        return float((lo + hi) / 2)

for momentum in ("standard", "shifted"):
    for delay in (0, 1, 5, 32, st.Uniform(0, 8)):
        for k in range(2, 13):
            m = 1 - 10.0**-k
            try:
                truth = locus_edge(delay, momentum, m)
            except Exception:
                truth = float("nan")
            small = (isinstance(delay, int) and delay <= 5)
            t2 = mp_edge(delay, momentum, m, truth) if small and k <= 12 else float("nan")
            out = []
            for method in ("locus", "brentq"):
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        a = st.threshold(delay, momentum=momentum, m=m, method=method)
                except Exception:
                    a = float("nan")
                out.append(a)
            err = [abs(a / truth - 1) for a in out]
            print(f"{momentum:8s} {delay!r:14s} 1-m=1e-{k:<2d} truth={truth:.12g} mp2/truth-1={t2/truth-1:+.1e} "
                  f"locus_err={err[0]:.1e} brentq_err={err[1]:.1e}", flush=True)
