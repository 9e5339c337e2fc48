"""Independent truths for the tests: a catalogue of closed forms and a 40-digit edge.

``locus_edge`` finds the edge of stability without any eigenvalue solver: a root of
``P(z) + alpha Q(z)`` lies on the unit circle at ``z = exp(i theta)`` iff
``alpha = -P/Q`` is real there, so the edge is the smallest positive real value of
``-P(e^{i theta}) / Q(e^{i theta})`` over ``theta`` in ``(0, pi]`` (the boundary locus).
Sign changes of ``Im(P conj(Q))`` are found on a dense grid in double precision and each
candidate near the smallest one is refined in mpmath at 40 significant digits.
"""

from __future__ import annotations

import decimal
import functools
import math

import mpmath
import numpy as np

from stability import DiscreteGaussian, Uniform, polynomial_pair, threshold
from stability.delays import as_pmf

DPS = 40


def _once_a_session(fn):
    """Memoise ``fn(delay, *args, **kwargs)`` for the test session: several tests ask for
    the same expensive numbers.  The key is the delay's type, repr and pmf (bytes) with
    the other arguments; the value is what ``fn`` returned the first time."""
    cache = {}

    @functools.wraps(fn)
    def wrapper(delay, *args, **kwargs):
        key = (type(delay).__name__, repr(delay), as_pmf(delay).tobytes(), args, tuple(sorted(kwargs.items())))
        if key not in cache:
            cache[key] = fn(delay, *args, **kwargs)
        return cache[key]

    return wrapper


def _mp_coeffs(coeffs):
    """Float coefficients as mpf, converted once; None for a zero (nothing to add)."""
    return [mpmath.mpf(float(c)) if c != 0 else None for c in coeffs]


def _eval_mp(coeffs, z):
    """Horner's rule, highest power first, over the nonzero coefficients (``c`` from
    :func:`_mp_coeffs`: None for a zero): a run of ``g`` zeros costs one multiplication by
    ``z**g`` instead of ``g`` by ``z`` (the same sum at the working precision; constant
    delays give a handful of terms among hundreds of zeros)."""
    acc, gap = mpmath.mpc(0), 0
    for c in coeffs:
        gap += 1
        if c is not None:
            acc = (acc * z**gap if acc != 0 else acc) + c
            gap = 0
    return acc * z**gap if gap and acc != 0 else acc


@_once_a_session  # the hard cases are asked for by several tests
def locus_edge(delay, momentum="none", m=0.0, *, oversample=64, keep=1.5):
    """Edge of stability from the boundary locus, to about 30 significant digits.

    (The package's own fast method, :mod:`stability.locus`, rests on the same idea; this
    one shares no code with it, samples 8 times more densely and refines in mpmath.)
    """
    P, Q = polynomial_pair(delay, momentum=momentum, m=m)
    with mpmath.workdps(DPS):
        return pair_edge(P, Q, _mp_coeffs(P), _mp_coeffs(Q), oversample=oversample, keep=keep)


def pair_edge(P, Q, P_mp, Q_mp, *, oversample=64, keep=1.5):
    """:func:`locus_edge` for a given pair: the scan on the float coefficients ``P, Q``
    (highest power first), the refinement on ``P_mp, Q_mp`` (mpf, None for a zero) at the
    current mpmath precision; the candidates within ``keep`` of the smallest estimate are
    refined.  Returns a float."""
    P, Q = np.asarray(P, dtype=float), np.asarray(Q, dtype=float)
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
    out = []
    # z = -1 (theta = pi) is always on the real axis.
    q1 = _eval_mp(Q_mp, mpmath.mpf(-1))
    if q1 != 0:
        a_pi = -_eval_mp(P_mp, mpmath.mpf(-1)) / q1
        if a_pi.real > 0:
            out.append(mpmath.re(a_pi))
    if cands:
        best = min(c[0] for c in cands)
        for est, t0, t1 in cands:
            if est > keep * best:
                continue

            def gim(t):
                zz = mpmath.expj(t)
                return mpmath.im(_eval_mp(P_mp, zz) * mpmath.conj(_eval_mp(Q_mp, zz)))

            t = mpmath.findroot(gim, (mpmath.mpf(t0), mpmath.mpf(t1)), solver="anderson")
            zz = mpmath.expj(t)
            a = -_eval_mp(P_mp, zz) / _eval_mp(Q_mp, zz)
            if mpmath.re(a) > 0:
                out.append(mpmath.re(a))
    return float(min(out))


@_once_a_session
def brentq_edge(delay, momentum="none", m=0.0):
    """``threshold(delay, momentum=momentum, m=m, method="brentq")``, once a session.

    Not a truth: the package's own reference method (scan + brentq on numpy.roots),
    memoised because test_locus and test_thresholds ask for the same expensive
    configurations (tau = 256 with m = 0.99: about 1 s each).
    """
    return threshold(delay, momentum=momentum, m=m, method="brentq")


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


# ---------------------------------------------------------------------------------------
# A second, independent truth: the crossing angles as the real roots of a polynomial in
# x = cos(theta), refined at 32 significant digits.  P(z) + alpha Q(z) and its conjugate
# P(1/z) + alpha Q(1/z) share a root on the unit circle iff G(z) = z^n (P(z) Q(1/z) - P(1/z) Q(z))
# vanishes there.  G is anti-reciprocal with the forced roots z = 1 and z = -1; dividing by
# z^2 - 1 exactly (in integer arithmetic: the float coefficients are dyadic rationals) leaves a
# reciprocal R, and R(z) / z^(n-1) on the circle is a Chebyshev series in x = cos(theta) with
# exact rational coefficients (integers over one power of two).  Its real roots in (-1, 1) are
# all candidate crossings; each is refined by Newton's method at DPS_ROOTS + 2 significant
# digits, alpha = -P/Q is evaluated there at the same precision, and poles (Q = 0 on the
# circle) show up as |alpha| ~ 10^DPS_ROOTS and are never the minimum.
# The refinement runs in Python's decimal module (every operation correctly rounded, like
# mpmath, but in C: about 20 times faster than 30-digit mpmath, which it replaced; the
# numbers it returns are those of the mpmath version on all 590 inputs of the suite, but for
# one last-bit difference at a tangential touch, where the edge is defined to sqrt(eps) only).
# Nothing here shares code with stability.locus (which uses FFT grids and Taylor bounds).
DPS_ROOTS = 30
#: working precision of the refinement (significant decimal digits): 32 digits are about
#: 106 bits, at least the 103 bits mpmath carries at 30 digits
_DIGITS = DPS_ROOTS + 2
_ZERO = decimal.Decimal(0)
_ONE = decimal.Decimal(1)


def _context():
    return decimal.localcontext(decimal.Context(prec=_DIGITS, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN,
                                                traps=[decimal.InvalidOperation, decimal.DivisionByZero,
                                                       decimal.Overflow]))


def _dec_poly(c):
    """Float coefficients (highest power first) as exact Decimals."""
    return [decimal.Decimal(float(v)) for v in np.asarray(c, dtype=float)]


def _exact_ints(c):
    """Float coefficients as exact integers over one common power-of-two denominator."""
    ratios = [float(v).as_integer_ratio() for v in c]
    den = max(d for _, d in ratios)
    return np.array([n * (den // d) for n, d in ratios], dtype=object), den


def _cheb_ints(P, Q):
    """Chebyshev coefficients (in x = cos theta) of R(z)/z^(n-1), exactly: integers ``C``
    and a denominator ``den`` with ``c_k = C[k] / den``."""
    p, dp = _exact_ints(np.asarray(P, dtype=float)[::-1])
    q, dq = _exact_ints(np.asarray(Q, dtype=float)[::-1])
    n = p.size - 1
    r = np.convolve(p, q[::-1])  # r[n + d] = sum_j p_{j+d} q_j, exact (Python ints)
    G = [r[k] - r[2 * n - k] for k in range(2 * n + 1)]  # G_k = r_{k-n} - r_{n-k}
    # divide by z^2 - 1 exactly (synthetic division from the top); the remainder is 0
    R = [0] * (2 * n - 1)
    rem = list(G)
    for k in range(2 * n, 1, -1):
        R[k - 2] = rem[k]
        rem[k - 2] += rem[k]
        rem[k] = 0
    assert rem[0] == 0 and rem[1] == 0, "z = 1 and z = -1 are always roots of G"
    m = n - 1  # R reciprocal of degree 2m: R(z)/z^m = R_m + sum_k R_{m+k} (z^k + z^-k)
    return [int(R[m])] + [2 * int(R[m + k]) for k in range(1, m + 1)], dp * dq


def _cheb_float(C, den):
    return np.array([c / den for c in C])  # int / int: correctly rounded


def _cheb_dec(C, den):
    """The series and its derivative series as Decimals (call inside ``_context()``); the
    derivative's coefficients d_{k-1} = d_{k+1} + 2 k c_k (halved at k = 1) are exact integers
    over ``den`` before the one rounding."""
    cheb = [decimal.Decimal(c) / den for c in C]
    nd = len(C) - 1
    E = [0] * (nd + 2)
    for k in range(nd, 0, -1):
        E[k - 1] = E[k + 1] + 2 * k * C[k]
    dcheb = [decimal.Decimal(E[0]) / (2 * den)] + [decimal.Decimal(e) / den for e in E[1:nd]]
    return cheb, dcheb


def _clenshaw(cheb, x):
    b1 = b2 = _ZERO
    x2 = 2 * x
    for ck in reversed(cheb[1:]):
        b1, b2 = x2 * b1 - b2 + ck, b1
    return x * b1 - b2 + cheb[0]


def _clenshaw_complex(cheb, xr, xi):
    """Clenshaw at the complex point xr + i xi (pairs of Decimals)."""
    b1r = b1i = b2r = b2i = _ZERO
    x2r, x2i = 2 * xr, 2 * xi
    for ck in reversed(cheb[1:]):
        b1r, b1i, b2r, b2i = x2r * b1r - x2i * b1i - b2r + ck, x2r * b1i + x2i * b1r - b2i, b1r, b1i
    return xr * b1r - xi * b1i - b2r + cheb[0], xr * b1i + xi * b1r - b2i


def _cdiv(ar, ai, br, bi):
    d = br * br + bi * bi
    return (ar * br + ai * bi) / d, (ai * br - ar * bi) / d


def _cpow(zr, zi, k):
    """(zr + i zi)**k for an integer k >= 1, by repeated squaring (pairs of Decimals)."""
    pr, pi = _ONE, _ZERO
    while True:
        if k & 1:
            pr, pi = pr * zr - pi * zi, pr * zi + pi * zr
        k >>= 1
        if not k:
            return pr, pi
        zr, zi = zr * zr - zi * zi, 2 * zr * zi


def _horner_complex(coeffs, zr, zi):
    """The polynomial (highest power first) at zr + i zi: Horner's rule over the nonzero
    coefficients, a run of ``g`` zeros as one multiplication by ``z**g`` (adding a zero is
    exact; the two-point pmfs here have a few terms among up to 260)."""
    ar = ai = _ZERO
    gap = 0
    for c in coeffs:
        gap += 1
        if c:
            if ar or ai:
                wr, wi = (zr, zi) if gap == 1 else _cpow(zr, zi, gap)
                ar, ai = ar * wr - ai * wi, ar * wi + ai * wr
            ar += c
            gap = 0
    if gap and (ar or ai):
        wr, wi = (zr, zi) if gap == 1 else _cpow(zr, zi, gap)
        ar, ai = ar * wr - ai * wi, ar * wi + ai * wr
    return ar, ai


def _chebval(x, c):
    """``numpy.polynomial.chebyshev.chebval(x, c)`` at a float ``x`` for ``c`` a list of
    floats: the same operations in the same order (so the same number), without a numpy
    call per term."""
    if len(c) == 1:
        return c[0]
    c0, c1 = c[-2], c[-1]
    x2 = 2 * x
    for i in range(3, len(c) + 1):
        c0, c1 = c[-i] - c1, c0 + c1 * x2
    return c0 + c1 * x


def _horner(coeffs, x):
    acc = _ZERO
    for c in coeffs:
        acc = acc * x + c
    return acc


def _alpha_on_circle(p, q, x):
    """alpha = -P(z)/Q(z) at z = exp(i acos(x)) = x + i sqrt((1 - x)(1 + x)), as a pair
    (None at a zero of Q)."""
    zr, zi = x, ((_ONE - x) * (_ONE + x)).sqrt()
    qr, qi = _horner_complex(q, zr, zi)
    if qr == 0 and qi == 0:
        return None
    pr, pi = _horner_complex(p, zr, zi)
    return _cdiv(-pr, -pi, qr, qi)


def edge_from_roots(delay, momentum="none", m=0.0, *, keep=2.0):
    """Edge of stability from the real roots of the crossing polynomial in cos(theta)."""
    P, Q = polynomial_pair(delay, momentum=momentum, m=m)
    C, den = _cheb_ints(P, Q)
    with _context():
        cheb, dcheb = _cheb_dec(C, den)
        p, q = _dec_poly(P), _dec_poly(Q)
        out = []
        q1 = _horner(q, -_ONE)  # z = -1 (theta = pi) is always on the real axis
        if q1 != 0:
            a_pi = -_horner(p, -_ONE) / q1
            if a_pi > 0:
                out.append(a_pi)
        tol_step = decimal.Decimal(10) ** (-DPS_ROOTS + 3)
        tol_imag = decimal.Decimal(10) ** (-(DPS_ROOTS // 2))
        if len(cheb) > 1:
            cf = _cheb_float(C, den)
            scale = np.max(np.abs(cf))
            xs = np.polynomial.chebyshev.chebroots(cf / scale)
            near = xs[(np.abs(xs.imag) < 1e-3) & (np.abs(xs.real) < 1 + 1e-3)]
            # cheap float screen: alpha at each approximate root; refine in increasing order
            # of it (unclear ones first) until the rest exceed `keep` times the smallest
            # accepted value (a pole can give a small float alpha and is then rejected)
            z = np.exp(1j * np.arccos(np.clip(near.real, -1, 1)))
            with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
                af = (-np.polyval(P, z) / np.polyval(Q, z)).real
            order = np.argsort(np.where(np.isfinite(af), af, -np.inf), kind="stable")
            floor = -1e-6 * np.nanmax(np.abs(af)) if np.any(~np.isnan(af)) else 0.0  # once, not per root
            pick = [near[i] for i in order if not np.isfinite(af[i]) or af[i] > floor]
            pick_af = [af[i] for i in order if not np.isfinite(af[i]) or af[i] > floor]
            dcf = np.polynomial.chebyshev.chebder(cf)
            cfl, dcfl = cf.tolist(), dcf.tolist()
            for x0, a0 in zip(pick, pick_af):
                if out and np.isfinite(a0) and a0 > keep * float(min(out)):
                    break
                if abs(x0.imag) < 1e-9:  # polish in double first, then at DPS_ROOTS + 2 digits (real)
                    xr = float(x0.real)
                    for _ in range(3):
                        d = _chebval(xr, dcfl)
                        if d != 0:
                            xr -= _chebval(xr, cfl) / d
                    x = decimal.Decimal(xr)
                    for _ in range(60):
                        d = _clenshaw(dcheb, x)
                        if d == 0:
                            break
                        step = _clenshaw(cheb, x) / d
                        x -= step
                        if abs(step) < tol_step:
                            break
                else:  # complex start (a near-double root split by rounding): complex Newton
                    x, xi = decimal.Decimal(float(x0.real)), decimal.Decimal(float(x0.imag))
                    for _ in range(60):
                        dr, di = _clenshaw_complex(dcheb, x, xi)
                        if dr == 0 and di == 0:
                            break
                        sr, si = _cdiv(*_clenshaw_complex(cheb, x, xi), dr, di)
                        x, xi = x - sr, xi - si
                        if (sr * sr + si * si).sqrt() < tol_step:
                            break
                    if abs(xi) > tol_imag:
                        continue
                if not -1 < x < 1:
                    continue
                a = _alpha_on_circle(p, q, x)
                if a is not None and abs(a[1]) <= tol_imag * (1 + (a[0] * a[0] + a[1] * a[1]).sqrt()) \
                        and a[0] > 0:
                    out.append(a[0])
        return float(min(out))


def schur_stable(coeffs, dps=60):
    """Schur-Cohn test in mpmath: True iff every root of the polynomial (highest power
    first) lies strictly inside the unit circle.  An independent third method: no roots,
    no locus; each step compares the constant and leading coefficients and reduces the
    degree by one, f <- (a_0 f - a_n f*) / z with f* the reversed polynomial."""
    with mpmath.workdps(dps):
        a = [mpmath.mpf(float(c)) for c in coeffs]
        while len(a) > 1:
            lead, const = a[0], a[-1]
            if abs(const) >= abs(lead):
                return False
            a = [lead * a[k] - const * a[-1 - k] for k in range(len(a) - 1)]
        return True


def tangential_touch(delay, momentum="none", m=0.0, *, alpha, rtol=1e-7):
    """True if a pair of roots only touches the unit circle (a double real root of the
    crossing polynomial in cos(theta)) at an alpha within `rtol` of `alpha`.  There the
    crossing angle is determined by double precision only to sqrt(eps), and so is any
    edge computed from it (Empirical([.5, .25, .25]): the pair +-i touches at alpha = 4)."""
    P, Q = polynomial_pair(delay, momentum=momentum, m=m)
    C, den = _cheb_ints(P, Q)
    if len(C) < 3:
        return False
    cf = _cheb_float(C, den)
    dcf = np.polynomial.chebyshev.chebder(cf)
    with _context():
        cheb = None
        for x in np.polynomial.chebyshev.chebroots(dcf):  # candidates: zeros of the derivative
            if abs(x.imag) > 1e-6 or not -1 < x.real < 1:
                continue
            if cheb is None:
                cheb, _ = _cheb_dec(C, den)
                p, q = _dec_poly(P), _dec_poly(Q)
            xr = decimal.Decimal(float(x.real))
            if abs(_clenshaw(cheb, xr)) > 1e-9 * float(np.sum(np.abs(cf))):
                continue
            a = _alpha_on_circle(p, q, xr)
            if a is not None and abs(a[0] - decimal.Decimal(alpha)) <= rtol * abs(alpha):
                return True
    return False
