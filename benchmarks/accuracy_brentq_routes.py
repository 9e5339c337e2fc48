"""The brentq reference through numpy.roots against the dlahqr route, over 527 configurations.

``polynomial_roots`` hands degrees 75 to 1024 to LAPACK's ``dlahqr`` directly
(``stability.roots.LAHQR_DEGREES``); setting that range empty gives numpy.roots everywhere,
which is the reference as it was (the scan's use of the unpolished eigenvalues changes no
edge: the polished values at the bracket's ends are the same numbers).  Printed, from one
run: the largest relative change of the edge between the routes, the largest relative
distance of each route's edges to the certified locus edge, per group (constant delays by
scheme, pmfs by type), and the CPU time of each route.

Configurations: constant delays 0..256 with plain SGD; every 9th delay (and 255, 256) with
standard and shifted momentum 0.3, 0.9, 0.99; Uniform, DiscreteGaussian and empirical pmfs
(support up to 128) with every scheme and ``m`` in 0.5, 0.9, 0.99.

    python benchmarks/accuracy_brentq_routes.py [--every N]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import stability
from stability import DiscreteGaussian, Empirical, Uniform, roots

from _common import load, row


def configs():
    out = [(t, "none", 0.0) for t in range(0, 257)]
    for s in ("standard", "shifted"):
        for m in (0.3, 0.9, 0.99):
            out += [(t, s, m) for t in list(range(0, 257, 9)) + [255, 256]]
    rng = np.random.default_rng(14)
    pmfs = [Uniform(0, 128), Uniform(5, 124), Uniform(1, 100), Uniform(60, 90), DiscreteGaussian(40, sigma=5.0),
            DiscreteGaussian(64, sigma=20.0), DiscreteGaussian(30, sigma=1.0)]
    for K in (40, 80, 100, 128, 128):
        w = rng.random(K + 1) ** 3
        w[rng.random(K + 1) < 0.5] = 0.0
        w[-1] += 0.1
        pmfs.append(Empirical(w, normalize=True))
    for d in pmfs:
        out += [(d, "none", 0.0)] + [(d, s, m) for s in ("standard", "shifted") for m in (0.5, 0.9, 0.99)]
    return out


def _edges(points, degrees):
    default = roots.LAHQR_DEGREES
    roots.LAHQR_DEGREES = degrees
    try:
        t = time.process_time()
        out = [stability.threshold(d, momentum=s, m=m, method="brentq") for d, s, m in points]
        return np.array(out), time.process_time() - t
    finally:
        roots.LAHQR_DEGREES = default


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--every", type=int, default=1, help="take every N-th configuration")
    args = p.parse_args(argv)
    points = configs()[:: args.every]
    print(f"brentq edges, numpy.roots route against the dlahqr route: {len(points)} configurations ({load()})")
    old, t_old = _edges(points, (0, -1))
    new, t_new = _edges(points, roots.LAHQR_DEGREES)
    locus = np.array([stability.threshold(d, momentum=s, m=m) for d, s, m in points])
    change, e_old, e_new = np.abs(new / old - 1), np.abs(old / locus - 1), np.abs(new / locus - 1)
    groups = {}
    for i, (d, s, _) in enumerate(points):
        groups.setdefault(("constant" if isinstance(d, int) else type(d).__name__, s), []).append(i)
    print(f"{'group':>28} {'n':>4} {'max change':>11} {'numpy.roots vs locus':>21} {'dlahqr vs locus':>16}")
    for (kind, s), idx in groups.items():
        print(f"{kind + ' ' + s:>28} {len(idx):>4} {change[idx].max():11.1e} {e_old[idx].max():21.1e}"
              f" {e_new[idx].max():16.1e}")
    worst = int(np.argmax(change))
    print(f"all: {int(np.sum(new == old))} of {len(points)} edges unchanged, largest change {change.max():.1e} "
          f"at {points[worst]!r}; largest distance to the locus edge: numpy.roots {e_old.max():.2e}, dlahqr "
          f"{e_new.max():.2e}; CPU numpy.roots route {t_old:.1f} s, dlahqr route {t_new:.1f} s "
          f"(ratio {t_old / t_new:.2f})")
    row("brentq edges, dlahqr route vs numpy.roots route: largest change", f"{change.max():.1e}",
        "< 1e-10 (the documented accuracy)", change.max() < 1e-10)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
