"""A 40-digit truth for the mean-square edge: the dense lifted map in mpmath.

The second-moment map ``X -> sum_k p_k A(k) X A(k)^T`` maps the cone of positive
semidefinite matrices into itself, so its spectral radius is one of its eigenvalues, with
a semidefinite (hence symmetric) eigenvector (Krein-Rutman).  Restricted to symmetric
matrices (basis ``E_ij + E_ji``, ``i <= j``) it is a matrix ``L(alpha)`` of size
``n (n + 1) / 2``; the mean-square edge is the smallest ``alpha > 0`` where ``L(alpha)``
has the eigenvalue 1, a root of ``det(L(alpha) - I)``.  Restricting to symmetric
matrices drops the antisymmetric eigenvalues, which for a nearly constant delay sit next
to the symmetric one and would make that root nearly double.

:func:`mp_edge` starts Newton-secant iterations at 40 digits from a double-precision
estimate (the dense map in double, :func:`stability.moments.kronecker_edge`, unless
given), then checks in mpmath that the spectral radius of ``L`` is below 1 a hair below
the root and above 1 a hair above it.  Nothing here calls the frequency-domain code.
"""

from __future__ import annotations

import mpmath
import numpy as np

from stability import moments as mo
from stability.delays import as_pmf

DPS = 40


def _matrices(pmf, alpha, momentum, m):
    """``(p_k, A(k))`` in mpmath, the same state as :func:`stability.moments.lifted_matrix`."""
    K = len(pmf) - 1
    n = {"none": K + 1, "standard": max(K, 1) + 1, "shifted": K + 2}[momentum]
    m = mpmath.mpf(m)
    beta = 1 - m if momentum != "none" else mpmath.mpf(1)
    out = []
    for k, p in enumerate(pmf):
        if p == 0:
            continue
        A = mpmath.zeros(n, n)
        for i in range(1, n):
            A[i, i - 1] = 1
        if momentum == "none":
            A[0, 0] += 1
            A[0, k] -= alpha
        elif momentum == "standard":
            A[0, 0] += 1 + m
            A[0, 1] -= m
            A[0, k] -= alpha * beta
        else:
            A[0, 0] += 1
            A[0, k] += m - alpha * beta
            A[0, k + 1] -= m
        out.append((p, A))
    return out, n


def sym_lifted(pmf, alpha, momentum="none", m=0.0):
    """The second-moment map on symmetric matrices, in mpmath (current precision)."""
    mats, n = _matrices(pmf, alpha, momentum, m)
    basis = [(i, j) for i in range(n) for j in range(i, n)]
    L = mpmath.zeros(len(basis), len(basis))
    for c, (i, j) in enumerate(basis):  # E_ij + E_ji (E_ii on the diagonal) -> its image
        X = mpmath.zeros(n, n)
        X[i, j] = 1
        X[j, i] = 1
        Y = mpmath.zeros(n, n)
        for p, A in mats:
            Y += p * (A * X * A.T)
        for r, (a, b) in enumerate(basis):
            L[r, c] = Y[a, b]
    return L


def spectral_radius(pmf, alpha, momentum="none", m=0.0):
    L = sym_lifted(pmf, alpha, momentum, m)
    return max(abs(v) for v in mpmath.eig(L, left=False, right=False))


def mp_edge(delay, momentum="none", m=0.0, *, start=None, check=1e-12):
    """Mean-square edge to about 30 digits, as an ``mpmath.mpf`` (see the module docstring).

    The pmf is the doubles the package sees (``as_pmf``), divided by their exact sum."""
    if start is None:
        start = mo.kronecker_edge(delay, momentum=momentum, m=m)
    with mpmath.workdps(DPS):
        pmf = [mpmath.mpf(float(p)) for p in np.asarray(as_pmf(delay), dtype=float)]
        total = mpmath.fsum(pmf)
        pmf = [p / total for p in pmf]  # a probability exactly (the doubles may sum to 1 +- eps)
        size = None

        def f(a):
            nonlocal size
            L = sym_lifted(pmf, a, momentum, m)
            size = L.rows
            return mpmath.det(L - mpmath.eye(L.rows))

        a0 = mpmath.mpf(start)
        root = mpmath.findroot(f, (a0 * (1 - mpmath.mpf(1e-7)), a0 * (1 + mpmath.mpf(1e-7))),
                               solver="secant", tol=mpmath.mpf(10) ** (-2 * DPS + 20), verify=False)
        root = mpmath.re(root)
        below = spectral_radius(pmf, root * (1 - mpmath.mpf(check)), momentum, m)
        above = spectral_radius(pmf, root * (1 + mpmath.mpf(check)), momentum, m)
        assert below < 1 < above, (float(below), float(above))
        return root


def _astrom_mp(a, bs):
    """Astrom's integrals ``(1/2pi) int |B/A|^2`` in mpmath (current precision), highest
    power first; the Schur-Cohn reduction written out again (not the package's loop)."""
    a, bs = list(a), [list(b) for b in bs]
    a0n, tot = a[0], [mpmath.mpf(0)] * len(bs)
    for k in range(len(a) - 1, 0, -1):
        c = a[k] / a[0]
        assert abs(c) < 1, "mean recursion unstable"
        cb = [b[k] / a[0] for b in bs]
        tot = [t + a[0] * x**2 for t, x in zip(tot, cb)]
        old = a[: k + 1]
        a = [old[i] - c * old[k - i] for i in range(k)]
        bs = [[b[i] - x * old[k - i] for i in range(k)] for b, x in zip(bs, cb)]
    return [(t + b[0] ** 2 / a[0]) / a0n for t, b in zip(tot, bs)]


def mp_gain(delay, alpha, momentum="none", m=0.0):
    """``S(alpha) = ||h||^2 - ||D h||^2`` at 40 digits (the plain form: at this precision
    its cancellation, about ``log10(||h||^2 / S)`` digits, is harmless), from the cleared
    polynomials ``c = P + alpha Q`` and numerators built here in mpmath."""
    from stability import polynomial_pair

    P, Q = polynomial_pair(delay, momentum=momentum, m=m)
    with mpmath.workdps(DPS):
        a, mm = mpmath.mpf(alpha), mpmath.mpf(m)
        beta = 1 - mm if momentum != "none" else mpmath.mpf(1)
        p = [mpmath.mpf(float(x)) for x in np.asarray(as_pmf(delay), dtype=float)]
        total = mpmath.fsum(p)
        p = [x / total for x in p]
        A = [mpmath.mpf(float(x)) + a * mpmath.mpf(float(y)) for x, y in zip(P, Q)]
        B0, B1 = [mpmath.mpf(0)] * len(A), [mpmath.mpf(0)] * len(A)
        if momentum == "shifted":  # F = f - m z^-1
            f = mm - a * beta
            B0[1], B0[2] = f, -mm
            for j, x in enumerate(p):
                B1[1 + j] += f * x
                B1[2 + j] -= mm * x
            I0, I1 = _astrom_mp(A, [B0, B1])
            return I0 - I1
        B0[1] = mpmath.mpf(1)
        for j, x in enumerate(p):
            B1[1 + j] = x
        I0, I1 = _astrom_mp(A, [B0, B1])
        return (a * beta) ** 2 * (I0 - I1)
