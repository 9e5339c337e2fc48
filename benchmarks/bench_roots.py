"""The roots behind the brentq reference: LAPACK's dlahqr against numpy.roots, one run.

``polynomial_roots`` hands the balanced companion matrix of degrees 75 to 1024 to LAPACK's
double-shift QR (``dlahqr``) instead of numpy.roots' ``dgeev`` (whose ``dhseqr`` uses its
multishift QR from order 75).  Printed, measured side by side in one process: CPU time of
the eigenvalues per call for the polynomials of constant delays 64, 128, 256, 512 and 1000
(plain and shifted momentum 0.99) by both routes and their ratio; the whole
``threshold(256, method="brentq")`` with the numpy.roots route forced against the default;
and the largest change of ``rho`` (after the polish) between the routes.

Target (issue #14, the test suite's brentq reference): the brentq edge at ``tau = 256``
at least 2x faster.

    python benchmarks/bench_roots.py [--calls 5]
"""

from __future__ import annotations

import argparse

import numpy as np

import stability
from stability import roots
from stability.polynomials import polynomial_pair

from _common import cpu_time, load, row


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--calls", type=int, default=5)
    args = p.parse_args(argv)
    print(f"companion eigenvalues: numpy.roots against dlahqr ({load()})")
    print(f"{'tau':>5} {'scheme':>8} {'degree':>7} {'numpy.roots':>12} {'dlahqr':>10} {'ratio':>7} {'|d rho|':>9}")
    worst = 0.0
    for tau in (64, 128, 256, 512, 1000):
        for scheme, m in (("none", 0.0), ("shifted", 0.99)):
            P, Q = polynomial_pair(tau, momentum=scheme, m=m)
            c = P + 0.9 * stability.threshold(tau, momentum=scheme, m=m) * Q
            monic = c / c[0]
            t_np = cpu_time(lambda: np.roots(monic), repeats=args.calls)
            t_new = cpu_time(lambda: roots._companion_eigenvalues(monic), repeats=args.calls)
            rho_np = np.max(np.abs(roots._polish(monic, np.roots(monic))))
            rho_new = np.max(np.abs(roots.polynomial_roots(c)))
            worst = max(worst, abs(rho_new - rho_np))
            print(f"{tau:>5} {scheme:>8} {monic.size - 1:>7} {t_np * 1e3:10.2f}ms {t_new * 1e3:8.2f}ms"
                  f" {t_np / t_new:6.2f}x {abs(rho_new - rho_np):9.1e}")
    default = roots.LAHQR_DEGREES

    def edge(degrees):
        roots.LAHQR_DEGREES = degrees
        try:
            return stability.threshold(256, method="brentq")
        finally:
            roots.LAHQR_DEGREES = default

    t_old = cpu_time(lambda: edge((0, -1)), repeats=1)
    t_new = cpu_time(lambda: edge(default), repeats=1)
    a_old, a_new = edge((0, -1)), edge(default)
    exact = stability.edge_constant_delay(256)
    ratio = t_old / t_new
    print(f"threshold(256, method='brentq'): numpy.roots route {t_old:.3f} s, default {t_new:.3f} s, "
          f"ratio {ratio:.2f}x; edges {a_old!r} / {a_new!r} (eq. 6: {abs(a_old / exact - 1):.1e} / "
          f"{abs(a_new / exact - 1):.1e}); largest |d rho| above: {worst:.1e}")
    row("brentq edge tau=256: numpy.roots route / dlahqr route (CPU)", f"{ratio:.2f}x", ">= 2x", ratio >= 2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
