"""Independent truths for the tests: a catalogue of closed forms and a 40-digit edge.

``locus_edge`` finds the edge of stability without any eigenvalue solver: a root of
``P(z) + alpha Q(z)`` lies on the unit circle at ``z = exp(i theta)`` iff
``alpha = -P/Q`` is real there, so the edge is the smallest positive real value of
``-P(e^{i theta}) / Q(e^{i theta})`` over ``theta`` in ``(0, pi]`` (the boundary locus).
Sign changes of ``Im(P conj(Q))`` are found on a dense grid in double precision and each
candidate near the smallest one is refined in mpmath at 40 significant digits.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np

from stability import DiscreteGaussian, Uniform, polynomial_pair

DPS = 40


def _eval_mp(coeffs, z):
    acc = mpmath.mpc(0)
    for c in coeffs:  # Horner, highest power first
        acc = acc * z + mpmath.mpf(float(c))
    return acc


def locus_edge(delay, momentum="none", m=0.0, *, oversample=64, keep=1.5):
    """Edge of stability from the boundary locus, to about 30 significant digits.

    (The package's own fast method, :mod:`stability.locus`, rests on the same idea; this
    one shares no code with it, samples 8 times more densely and refines in mpmath.)
    """
    P, Q = polynomial_pair(delay, momentum=momentum, m=m)
    deg = P.size - 1
    n = oversample * (deg + 2) + 1000
    theta = np.linspace(0.0, math.pi, n)[1:-1]
    # zeros of g next to theta = 0 hide behind the zero g always has there (momentum near
    # 1 makes two roots meet next to z = 1): sample g / sin(theta) and add a geometric grid
    theta = np.concatenate([theta[0] * np.geomspace(1e-12, 1, 400)[:-1], theta])
    z = np.exp(1j * theta)
    pz, qz = np.polyval(P, z), np.polyval(Q, z)
    prod = pz * np.conj(qz)
    g = prod.imag / np.sin(theta)
    with np.errstate(divide="ignore", invalid="ignore"):
        a_est = -prod.real / np.abs(qz) ** 2
    idx = np.flatnonzero(np.sign(g[:-1]) * np.sign(g[1:]) < 0)
    cands = [(a_est[i], theta[i], theta[i + 1]) for i in idx if np.isfinite(a_est[i]) and a_est[i] > 0]
    with mpmath.workdps(DPS):
        out = []
        # z = -1 (theta = pi) is always on the real axis.
        q1 = _eval_mp(Q, mpmath.mpf(-1))
        if q1 != 0:
            a_pi = -_eval_mp(P, mpmath.mpf(-1)) / q1
            if a_pi.real > 0:
                out.append(mpmath.re(a_pi))
        if cands:
            best = min(c[0] for c in cands)
            for est, t0, t1 in cands:
                if est > keep * best:
                    continue

                def gim(t):
                    zz = mpmath.expj(t)
                    return mpmath.im(_eval_mp(P, zz) * mpmath.conj(_eval_mp(Q, zz)))

                t = mpmath.findroot(gim, (mpmath.mpf(t0), mpmath.mpf(t1)), solver="anderson")
                zz = mpmath.expj(t)
                a = -_eval_mp(P, zz) / _eval_mp(Q, zz)
                if mpmath.re(a) > 0:
                    out.append(mpmath.re(a))
        return float(min(out))


# Closed forms, each with an id (the habit of scipy's _tstutils).
def eq6(tau):
    return 2.0 * math.sin(math.pi / (4 * tau + 2))


CLOSED_FORMS = {
    # id: (delay, momentum, m, exact alpha*)
    **{f"eq6-tau{t}": (t, "none", 0.0, eq6(t)) for t in (0, 1, 2, 3, 7, 32, 100, 256)},
    **{f"heavy-ball-m{m}": (0, "standard", m, 2 * (1 + m) / (1 - m)) for m in (0.0, 0.3, 0.9, 0.99)},
    # with tau = 0 the shifted and standard updates coincide
    **{f"shifted-tau0-m{m}": (0, "shifted", m, 2 * (1 + m) / (1 - m)) for m in (0.5, 0.9)},
}


# Hard cases for the edge, pinned by name.  Momentum near 1: at alpha = 0 the roots sit at
# modulus m**(1/(K+1)), almost on the unit circle (0.99996 for tau = 256, m = 0.99), and the
# crossing root can leave at a tiny angle.  Cases with m > 0.99 lie beyond the promised range.
HARD_CASES = {
    "shifted-m0.99-tau256": (256, "shifted", 0.99),
    "shifted-m0.99-tau128": (128, "shifted", 0.99),
    "shifted-m0.9-tau200": (200, "shifted", 0.9),
    "standard-m0.99-tau256": (256, "standard", 0.99),
    "standard-m0.99-tau1": (1, "standard", 0.99),
    "standard-m0.99-tau0-crossing-at-z=-1": (0, "standard", 0.99),
    "shifted-m0.99-uniform-5..124": (Uniform(5, 124), "shifted", 0.99),
    "shifted-m0.99-uniform-0..200": (Uniform(0, 200), "shifted", 0.99),
    "standard-m0.9-gaussian-mu60": (DiscreteGaussian(60), "standard", 0.9),
    "shifted-m0.5-gaussian-mu20-sigma6": (DiscreteGaussian(20, sigma=6.0), "shifted", 0.5),
    "none-uniform-0..128": (Uniform(0, 128), "none", 0.0),
    "none-gaussian-mu64-raw": (DiscreteGaussian(64, normalize=False), "none", 0.0),
    "shifted-m0.995-tau100": (100, "shifted", 0.995),
    "shifted-m0.999-tau64-crossing-inside-the-first-grid-cell": (64, "shifted", 0.999),
    "shifted-m0.999-tau256": (256, "shifted", 0.999),
    "shifted-m0.999-tau16": (16, "shifted", 0.999),
    "shifted-m0.999-tau1": (1, "shifted", 0.999),
    "standard-m0.999-tau128": (128, "standard", 0.999),
    "shifted-m0.999-gaussian-mu40": (DiscreteGaussian(40, sigma=3.0), "shifted", 0.999),
}


def hard_case_rtol(m):
    """1e-10 inside the promised range (m <= 0.99); 1e-9 beyond it, where the polynomial's
    own conditioning limits both methods."""
    return 1e-10 if m <= 0.99 else 1e-9
