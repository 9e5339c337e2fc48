"""A 40-digit truth for the mean-square edge: the dense lifted map in mpmath.

The second-moment map ``Phi(X) = sum_k p_k A(k) X A(k)^T`` maps the cone of positive
semidefinite matrices into itself, so its spectral radius is one of its eigenvalues, with
a semidefinite (hence symmetric) eigenvector (Krein-Rutman).  Restricted to symmetric
matrices (basis ``E_ij + E_ji``, ``i <= j``) it is a matrix ``L(alpha)`` of size
``n (n + 1) / 2``; the mean-square edge is the smallest ``alpha > 0`` where ``L(alpha)``
has the eigenvalue 1, a root of ``det(L(alpha) - I)``.  Restricting to symmetric
matrices drops the antisymmetric eigenvalues, which for a nearly constant delay sit next
to the symmetric one and would make that root nearly double.

``L`` is built entry by entry (:func:`sym_lifted`): every ``A(k)`` is a shift
(``A[i, i-1] = 1``) below a first row ``r_k``, so ``Phi(X)[i, j] = X[i-1, j-1]`` for
``i, j >= 1`` (times ``sum p_k``), ``Phi(X)[0, j] = sum_a R_a X[a, j-1]`` with the mean
first row ``R = sum_k p_k r_k``, and ``Phi(X)[0, 0] = sum_ab M_ab X[a, b]`` with
``M = sum_k p_k r_k r_k^T``: the same sums as ``A X A^T`` without the products by zeros.
:func:`sym_lifted_dense` keeps the literal ``sum_k p_k A(k) X A(k)^T`` for a cross-check.

:func:`mp_edge` runs secant iterations on ``det(L - I)`` at 40 digits from a
double-precision estimate (the dense map in double, :func:`stability.moments.kronecker_edge`,
unless given), until a step is below ``1e-34`` of the root, then certifies in mpmath that
the spectral radius of ``L`` is below 1 a hair below the root and above 1 a hair above it
(:func:`radius_side`, Stein-equation certificates at 60 digits in place of two
``mpmath.eig`` calls).  Determinants and solves are Gaussian elimination with partial
pivoting on lists of mpf that skips the zeros of the sparse ``L`` (:func:`_eliminate`;
``mpmath.det`` on the literal dense products cross-checks the root in
tests/test_ms_gain_accuracy.py).  Nothing here calls the frequency-domain code.
"""

from __future__ import annotations

import mpmath
import numpy as np

from stability import moments as mo
from stability.delays import as_pmf

DPS = 40
#: The secant stops once its step is below this fraction of the root (the step after the
#: last one is smaller still: secant converges with order 1.6).
SECANT_RTOL = mpmath.mpf(10) ** (-(DPS - 6))


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


def _basis(n):
    """The symmetric basis ``E_ij + E_ji`` (``E_ii`` on the diagonal) as index pairs
    ``i <= j``; the coordinates of a symmetric ``X`` in it are its entries ``X[i, j]``."""
    return [(i, j) for i in range(n) for j in range(i, n)]


def sym_lifted_dense(pmf, alpha, momentum="none", m=0.0):
    """The second-moment map on symmetric matrices as the literal ``sum_k p_k A X A^T`` of
    every basis element (mpmath, current precision): the reference for :func:`sym_lifted`."""
    mats, n = _matrices(pmf, alpha, momentum, m)
    basis = _basis(n)
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


def _sym_rows(pmf, alpha, momentum="none", m=0.0):
    """The entries of :func:`sym_lifted` as a list of rows (lists of mpf)."""
    mats, n = _matrices(pmf, alpha, momentum, m)
    rows = [(p, [A[0, a] for a in range(n)]) for p, A in mats]
    psum = mpmath.fsum(p for p, _ in rows)
    R = [mpmath.fsum(p * r[a] for p, r in rows) for a in range(n)]
    M = [[mpmath.fsum(p * r[a] * r[b] for p, r in rows) for b in range(n)] for a in range(n)]
    basis = _basis(n)
    index = {ij: c for c, ij in enumerate(basis)}
    zero = mpmath.mpf(0)
    L = [[zero] * len(basis) for _ in basis]
    for c, (i, j) in enumerate(basis):
        L[index[0, 0]][c] = M[i][i] if i == j else 2 * M[i][j]
        if j + 1 < n:
            L[index[0, j + 1]][c] += R[i]
            L[index[i + 1, j + 1]][c] = psum
        if i != j:  # X[j, i] = 1 too
            L[index[0, i + 1]][c] += R[j]
    return L


def sym_lifted(pmf, alpha, momentum="none", m=0.0):
    """The second-moment map on symmetric matrices, in mpmath (current precision).

    Entry by entry from the structure of ``A(k)`` (a shift below the first row ``r_k``; see
    the module docstring): the image of ``X = E_ij + E_ji`` has ``Y[0, 0] = 2 M_ij``
    (``M_ii`` on the diagonal), ``Y[0, j+1] = R_i`` and ``Y[0, i+1] = R_j``, and
    ``Y[i+1, j+1] = sum_k p_k``; every other entry is 0.  Equal to
    :func:`sym_lifted_dense` up to the rounding of the sums (tests/test_ms_gain_accuracy.py)."""
    return mpmath.matrix(_sym_rows(pmf, alpha, momentum, m))


def _eliminate(U, rhs=None):
    """Gaussian elimination with partial pivoting, in place on the rows ``U`` (lists of
    mpf, current precision) and the right-hand side ``rhs``: returns the determinant's
    sign and the pivots, and leaves ``U`` upper triangular.  The zeros of the sparse
    lifted map are skipped (a zero multiplier or pivot-row entry changes nothing), which
    is what makes it faster than ``mpmath.det`` / ``mpmath.lu_solve`` on these matrices;
    the arithmetic on the other entries is the textbook one."""
    n = len(U)
    sign = 1
    pivots = []
    for k in range(n):
        p = max(range(k, n), key=lambda i: abs(U[i][k]))
        if p != k:
            U[k], U[p] = U[p], U[k]
            if rhs is not None:
                rhs[k], rhs[p] = rhs[p], rhs[k]
            sign = -sign
        piv = U[k][k]
        pivots.append(piv)
        if piv == 0:
            return sign, pivots
        cols = [j for j in range(k + 1, n) if U[k][j] != 0]
        for i in range(k + 1, n):
            if U[i][k] == 0:
                continue
            f = U[i][k] / piv
            row = U[i]
            row[k] = 0
            for j in cols:
                row[j] -= f * U[k][j]
            if rhs is not None:
                rhs[i] -= f * rhs[k]
    return sign, pivots


def _det(rows):
    """``det`` of the square matrix given by its rows (not modified)."""
    sign, pivots = _eliminate([list(r) for r in rows])
    out = mpmath.mpf(sign)
    for p in pivots:
        out *= p
    return out


def _solve(rows, b):
    """The solution of ``rows x = b`` (partial pivoting, back substitution)."""
    U, y = [list(r) for r in rows], list(b)
    _eliminate(U, y)
    n = len(U)
    x = [mpmath.mpf(0)] * n
    for i in range(n - 1, -1, -1):
        x[i] = (y[i] - mpmath.fsum(U[i][j] * x[j] for j in range(i + 1, n) if U[i][j] != 0)) / U[i][i]
    return x


def spectral_radius(pmf, alpha, momentum="none", m=0.0):
    """``max |eigenvalue|`` of :func:`sym_lifted` by ``mpmath.eig`` (current precision)."""
    L = sym_lifted(pmf, alpha, momentum, m)
    return max(abs(v) for v in mpmath.eig(L, left=False, right=False))


def _positive_definite(X):
    """Whether the symmetric matrix ``X`` (mpmath matrix or list of rows) is positive
    definite: every pivot of Gaussian elimination without pivoting (Cholesky's ``d_i``)
    is positive."""
    rows = X.tolist() if isinstance(X, mpmath.matrix) else X
    n = len(rows)
    U = [list(r) for r in rows]
    for k in range(n):
        if not U[k][k] > 0:
            return False
        for i in range(k + 1, n):
            f = U[i][k] / U[k][k]
            for j in range(k, n):
                U[i][j] -= f * U[k][j]
    return True


def _unvec(x, n):
    """The symmetric ``n x n`` matrix (list of rows) with coordinates ``x`` in the basis."""
    X = [[mpmath.mpf(0)] * n for _ in range(n)]
    for c, (i, j) in enumerate(_basis(n)):
        X[i][j] = X[j][i] = x[c]
    return X


def radius_side(L, n, *, shift):
    """Certify on which side of 1 the spectral radius ``rho`` of ``L = sym_lifted(...)``
    (``n`` the state size) lies: -1 if ``rho < 1``, +1 if ``rho > 1``, 0 if neither
    certificate holds.  ``shift > 0`` is the margin of the second one.

    Both rest on the order that ``Phi`` preserves (``X >= Y`` in the semidefinite order
    implies ``Phi(X) >= Phi(Y)``):

    * ``rho < 1`` if some ``X > 0`` has ``X - Phi(X) > 0``.  Then ``Phi(X) <= c X`` for a
      ``c < 1``, so ``Phi^k(X) <= c^k X``; every symmetric ``Y`` lies between ``-t X`` and
      ``t X`` for some ``t``, hence ``Phi^k(Y) -> 0``.  The candidate is the solution of the
      Stein equation ``X - Phi(X) = I``; the certificate is checked on the computed ``X``
      itself (``X`` and ``X - Phi(X)`` positive definite), so the solve's accuracy does not
      enter.
    * ``rho > 1`` if, for ``c = 1 + shift``, the solution of ``c X - Phi(X) = I`` is not
      positive definite: were ``rho <= 1 < c``, it would be ``sum_k Phi^k(I) / c^(k+1)``,
      at least ``I / c``.  Just above the edge that solution is about ``-1 / (rho - c)``
      times the semidefinite eigenvector, with large negative diagonal entries, as long as
      ``rho - 1`` (about ``alpha rho'(alpha) check``: ``1e-16`` at ``m = 0.9999``, ``1e-12``
      and more on the other test inputs) exceeds ``shift`` (:func:`mp_edge`: ``check *
      1e-8``).  Were ``rho <= 1`` instead, the solve's error at ``p`` digits (about
      ``cond * 10^-p * |X|``, at most ``1e20 * 1e-60 * 1e20`` at ``shift = 1e-20`` and the
      60 digits :func:`mp_edge` uses here) would be far below the smallest eigenvalue, at
      least ``1 / c``: rounding cannot fake the second certificate.
    """
    L = L.tolist() if isinstance(L, mpmath.matrix) else L
    N = len(L)
    e = [mpmath.mpf(1 if i == j else 0) for i, j in _basis(n)]

    def shifted(c):  # c I - L
        return [[(c if r == k else 0) - L[r][k] for k in range(N)] for r in range(N)]

    x = _solve(shifted(1), e)
    Lx = [mpmath.fsum(L[r][k] * x[k] for k in range(N) if L[r][k] != 0) for r in range(N)]
    if _positive_definite(_unvec(x, n)) and _positive_definite(_unvec([a - b for a, b in zip(x, Lx)], n)):
        return -1
    x = _solve(shifted(1 + shift), e)
    if not _positive_definite(_unvec(x, n)):
        return 1
    return 0


def _mp_pmf(delay):
    """The doubles the package sees (``as_pmf``), divided by their exact sum: a
    probability exactly (the doubles may sum to 1 +- eps)."""
    pmf = [mpmath.mpf(float(p)) for p in np.asarray(as_pmf(delay), dtype=float)]
    total = mpmath.fsum(pmf)
    return [p / total for p in pmf]


def mp_edge(delay, momentum="none", m=0.0, *, start=None, check=1e-12):
    """Mean-square edge to about 30 digits, as an ``mpmath.mpf`` (see the module docstring).

    Secant on ``det(L(alpha) - I)`` from ``start * (1 -+ 1e-7)`` (a start good to
    ``1e-10`` puts the first secant point within about ``1e-14``, and each
    further one squares the error roughly: 5 determinants on every test input), stopped once a step is below
    ``SECANT_RTOL`` of the root; then ``rho(L) < 1`` at ``root * (1 - check)`` and
    ``rho(L) > 1`` at ``root * (1 + check)`` are certified by :func:`radius_side`
    (AssertionError otherwise: a root that is not the edge, or a failed iteration)."""
    if start is None:
        start = mo.kronecker_edge(delay, momentum=momentum, m=m)
    with mpmath.workdps(DPS):
        pmf = _mp_pmf(delay)

        def f(a):
            L = _sym_rows(pmf, a, momentum, m)
            return _det([[x - (1 if r == k else 0) for k, x in enumerate(row)] for r, row in enumerate(L)])

        a0 = mpmath.mpf(start)
        x0, x1 = a0 * (1 - mpmath.mpf(1e-7)), a0 * (1 + mpmath.mpf(1e-7))
        f0, f1 = f(x0), f(x1)
        for _ in range(40):
            x2 = x1 - f1 * (x1 - x0) / (f1 - f0)
            if abs(x2 - x1) <= SECANT_RTOL * abs(x2):
                break
            x0, f0, x1, f1 = x1, f1, x2, f(x2)
        else:
            raise AssertionError(f"secant did not converge from {start!r}")
        root = x2
        n = _matrices(pmf, root, momentum, m)[1]
    with mpmath.workdps(DPS + 20):  # the certificates' margins (radius_side)
        shift = mpmath.mpf(check) * mpmath.mpf(1e-8)
        below = radius_side(_sym_rows(pmf, root * (1 - mpmath.mpf(check)), momentum, m), n, shift=shift)
        above = radius_side(_sym_rows(pmf, root * (1 + mpmath.mpf(check)), momentum, m), n, shift=shift)
        assert below == -1 and above == 1, (below, above)
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
    with mpmath.workdps(DPS):
        return _mp_gain_at(delay, mpmath.mpf(alpha), momentum, m)


def mp_gain_derivative(delay, alpha, momentum="none", m=0.0):
    """``S'(alpha)`` at 40 digits: the complex step ``Im S(alpha + i h) / h`` through the
    plain form of :func:`mp_gain` in mpmath (``h = 1e-30 alpha``: the step's error is
    ``O(h^2)`` relative, 1e-60; the plain form's cancellation costs ``log10(||h||^2 / S)``
    of the 40 digits, at most 12 here)."""
    with mpmath.workdps(DPS):
        a = mpmath.mpf(alpha)
        h = a * mpmath.mpf(10) ** -30
        return mpmath.im(_mp_gain_at(delay, mpmath.mpc(a, h), momentum, m)) / h


def _mp_gain_at(delay, a, momentum, m):
    """The plain-form gain at ``a`` (mpf, or mpc for a complex step), current precision."""
    from stability import polynomial_pair

    P, Q = polynomial_pair(delay, momentum=momentum, m=m)
    mm = mpmath.mpf(m)
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


def _mp_conv(x, y):
    out = [mpmath.mpf(0)] * (len(x) + len(y) - 1)
    for i, a in enumerate(x):
        for j, b in enumerate(y):
            out[i + j] += a * b
    return out


def mp_step_norms(delay, alpha, momentum="none", m=0.0):
    """``(||N_0 G||_w^2, ||N_0 G^2||_w^2)`` at ``alpha`` in mpmath (50 digits, returned as
    mpf), ``G = 1/c``, ``w = 1 - |D|^2``: the norm the certified march's step bound uses and
    the exact ``||K||_w^2 / b^2`` it bounds (``K = dH/dalpha = -b N_0 G^2``).

    ``N_0`` from its definition (``z - 1`` for plain and shifted momentum, ``c_0 = z - (1 + m)
    + m / z`` for standard), ``D`` from the pmf divided by its exact sum, ``c`` from the
    cleared ``P + alpha Q``; each weighted norm is the plain form ``||N_0 X||^2 -
    ||D N_0 X||^2`` by :func:`_astrom_mp` on the denominator ``c`` or ``c^2`` (its
    cancellation, up to 12 digits for the nearly constant delays, leaves 38).  Polynomials
    are padded with trailing zeros to one length (a factor ``z^j``, which leaves
    ``|B / A|`` on the circle unchanged)."""
    from stability import polynomial_pair

    with mpmath.workdps(50):
        P, Q = polynomial_pair(delay, momentum=momentum, m=m)
        a = mpmath.mpf(alpha)
        A = [mpmath.mpf(float(x)) + a * mpmath.mpf(float(y)) for x, y in zip(P, Q)]
        p = [mpmath.mpf(float(x)) for x in np.asarray(as_pmf(delay), dtype=float)]
        total = mpmath.fsum(p)
        p = [x / total for x in p]  # D(z) = sum_k p_k z^-k: coefficient k is power -k
        mm = mpmath.mpf(m)
        N0 = [1 + 0 * mm, -(1 + mm), mm] if momentum == "standard" else [mpmath.mpf(1), mpmath.mpf(-1)]
        DN0 = _mp_conv(N0, p)
        out = []
        for den in (A, _mp_conv(A, A)):
            L = max(len(den), len(DN0))
            pad = lambda v: list(v) + [mpmath.mpf(0)] * (L - len(v))  # noqa: E731
            I_N, I_DN = _astrom_mp(pad(den), [pad(N0), pad(DN0)])
            out.append(I_N - I_DN)
        return tuple(out)


_KRONECKER = {}


def kronecker_edge(delay, momentum="none", m=0.0):
    """:func:`stability.moments.kronecker_edge` (the dense lifted map's edge), computed once
    per input in a test session: tests/test_moments.py and tests/test_ms_certify.py compare
    with the same dense edges (the function itself is tested in tests/test_moments.py)."""
    key = (np.asarray(as_pmf(delay), dtype=float).tobytes(), momentum, float(m))
    if key not in _KRONECKER:
        _KRONECKER[key] = mo.kronecker_edge(delay, momentum=momentum, m=m)
    return _KRONECKER[key]
