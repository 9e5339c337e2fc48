"""Compiled step loops (numba) for the simulation kernels; imported only when a run needs them.

Each function here repeats, operation for operation and in the same order, one step loop
written with numpy elsewhere, so that both give the same floating-point numbers (the tests
compare them bit for bit).  :func:`astrom_complex` writes numpy's complex products out as
numpy's loops compute them on x86-64 with FMA (:func:`_cmul`); where numpy's product does
not use FMA the two differ in the last bits.  Nothing here validates input: the callers do.

numba compiles on first use (about a second) and caches the machine code beside this file
(``__pycache__``), so later processes start at once.  Without numba the callers fall back
to their numpy loops, which give the same numbers, only slower.
"""

from __future__ import annotations

import numba
import numpy as np
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

_NONE, _STANDARD, _SHIFTED = 0, 1, 2
MODES = {"none": _NONE, "standard": _STANDARD, "shifted": _SHIFTED}


@numba.njit(cache=True, nogil=True)
def sgd_steps(X, V, h, step_size, m, mode, K, t0, t1, taus, noise, alive, diverged_at, limit2,
              norms, mid, window, steps, wmax_mid, wmax_end):  # pragma: no cover - compiled
    """Steps ``t0 .. t1 - 1`` of :func:`stability.simulation.run_delayed_sgd`, diagonal ``H``.

    ``X``, ``V``: ``(L, B, d)`` ring buffers of deviations and velocities (``V`` unused when
    ``mode`` is 0); ``h``: ``(d,)`` eigenvalues; ``step_size``: ``(B,)``; ``taus``:
    ``(t1 - t0, B)`` delays drawn for these steps, or ``(0, 0)`` for the constant delay
    ``K``; ``noise``: ``(t1 - t0, B, d)`` or ``(0, 0, 0)``; ``norms``: ``(steps + 1, B)`` or
    ``(0, 0)``.  ``alive``, ``diverged_at``, ``wmax_mid``, ``wmax_end`` are updated in place.
    """
    L, B, d = X.shape
    random_delay = taus.shape[0] > 0
    has_noise = noise.shape[0] > 0
    record = norms.shape[0] > 0
    g = np.empty(d)
    for t in range(t0, t1):
        j = t - t0
        cur = t % L
        nxt = (t + 1) % L
        s = t + 1
        in_mid = mid - window < s <= mid
        in_end = s > steps - window
        for b in range(B):
            if not alive[b]:  # diverged: frozen at its last state
                for i in range(d):
                    X[nxt, b, i] = X[cur, b, i]
                if mode != _NONE:
                    for i in range(d):
                        V[nxt, b, i] = V[cur, b, i]
            else:
                slot = (t - taus[j, b]) % L if random_delay else (t - K) % L
                ss = step_size[b]
                for i in range(d):
                    gi = X[slot, b, i] * h[i]
                    if has_noise:
                        gi += noise[j, b, i]
                    g[i] = gi * ss
                if mode == _NONE:
                    for i in range(d):
                        X[nxt, b, i] = X[cur, b, i] - g[i]
                else:
                    src = cur if mode == _STANDARD else slot
                    for i in range(d):
                        v = V[src, b, i] * m - g[i]
                        V[nxt, b, i] = v
                        X[nxt, b, i] = X[cur, b, i] + v
            sq = 0.0
            for i in range(d):
                sq += X[nxt, b, i] * X[nxt, b, i]
            if record:
                norms[s, b] = np.sqrt(sq)
            if alive[b] and not sq <= limit2:  # also catches NaN
                diverged_at[b] = s
                alive[b] = False
            if in_mid:
                wmax_mid[b] = _nanmax(wmax_mid[b], sq)
            if in_end:
                wmax_end[b] = _nanmax(wmax_end[b], sq)


@numba.njit(cache=True, inline="always")
def _nanmax(a, b):  # pragma: no cover - compiled
    """``numpy.maximum`` for two floats: NaN if either is NaN."""
    if a != a:
        return a
    if b != b or b > a:
        return b
    return a


@numba.njit(cache=True, nogil=True)
def pca_steps(V, M, T, eta, k0, k1, Z, scale, err, window_start):  # pragma: no cover - compiled
    """Steps ``k0 .. k1 - 1`` of :func:`stability.pca.async_msgd` (Liu et al.'s eq. 5).

    ``V``: ``(L, B, d)`` ring buffer of iterates; ``M``: ``(B,)`` momenta; ``T``: ``(B,)``
    delays, ``0 <= T < L``; the data of step ``k`` for run ``b`` is
    ``X = Z[k - k0, b] * scale`` (the product numpy's loop forms before the step); ``err``
    accumulates ``sin^2`` of the angle to ``e_1`` (1 when not finite) from step
    ``window_start`` on.
    """
    for k in range(k0, k1):
        _pca_step(V, M, T, eta, k, Z[k - k0], scale, err, window_start)


@numba.njit(cache=True, nogil=True)
def pca_steps_normal(V, M, T, eta, k0, k1, gen, scale, err, window_start):  # pragma: no cover - compiled
    """:func:`pca_steps` with ``Z`` drawn here, step by step, from ``gen``.

    ``gen`` is a :class:`numpy.random.Generator`; numba's ``gen.standard_normal()`` runs
    numpy's ziggurat on the same bit generator (its state advances in place), and the
    numbers are drawn in the order of ``gen.standard_normal((k1 - k0, B, d))``, so the
    data, and every iterate, are the same as with ``Z`` drawn by numpy first: without the
    ``(steps, B, d)`` buffer, and at half numpy's cost per draw (numpy's C loop calls
    the ziggurat through a function pointer for every number).
    """
    L, B, d = V.shape
    Z = np.empty((B, d))  # one step's data: stays in cache for the step that reads it
    for k in range(k0, k1):
        for b in range(B):
            for i in range(d):
                Z[b, i] = gen.standard_normal()
        _pca_step(V, M, T, eta, k, Z, scale, err, window_start)


@numba.njit(cache=True, inline="always")
def _pca_step(V, M, T, eta, k, Z, scale, err, window_start):  # pragma: no cover - compiled
    """Step ``k`` of every run; ``Z``: ``(B, d)``, the step's data before scaling."""
    L, B, d = V.shape
    X = np.empty(d)
    cur = k % L
    prev = (k - 1) % L
    nxt = (k + 1) % L
    for b in range(B):
        src = cur - T[b]  # (k - T[b]) % L without a division: 0 <= T[b] < L
        if src < 0:
            src += L
        for i in range(d):
            X[i] = Z[b, i] * scale[i]
        y = _dot(X, V[src, b])
        mb = M[b]
        for i in range(d):
            c = V[cur, b, i]
            V[nxt, b, i] = c + mb * (c - V[prev, b, i]) + eta * y * (X[i] - y * V[src, b, i])
        if k >= window_start:
            nn = _dot(V[nxt, b], V[nxt, b])
            e = 1.0 - V[nxt, b, 0] * V[nxt, b, 0] / nn
            err[b] += e if np.isfinite(e) else 1.0


@numba.njit(cache=True, inline="always")
def _dot(a, b):  # pragma: no cover - compiled
    """``sum_i a_i b_i`` in the order numpy's ``einsum("bi,bi->b")`` uses for ``d = 4`` on
    x86-64 (two SIMD lanes, even and odd terms, then their sum); in index order otherwise."""
    if a.size == 4:
        return (a[0] * b[0] + a[2] * b[2]) + (a[1] * b[1] + a[3] * b[3])
    s = 0.0
    for i in range(a.size):
        s += a[i] * b[i]
    return s


@numba.njit(cache=True, nogil=True)
def astrom(M, stable, out):  # pragma: no cover - compiled
    """Schur-Cohn / Astrom reduction of :func:`stability.moments._astrom_numpy`, in place.

    ``M``: ``(s, r + 1, n + 1)``, row 0 of each ``M[j]`` the denominator ``A`` and rows
    ``1..r`` the numerators ``B`` (highest power first; overwritten).  Writes the integrals
    into ``out`` ``(s, r)`` and clears ``stable[j]`` (``(s,)``, True on entry) where a
    reflection coefficient is not below 1 in modulus.  The same operations in the same
    order as the numpy loop (the old row 0 is copied before each update, as numpy's
    temporary outer product holds it), so both give the same numbers.
    """
    s_, r1, n1 = M.shape
    n = n1 - 1
    r = r1 - 1
    coef = np.empty(r1)
    rev = np.empty(n1)
    for j in range(s_):
        a0n = M[j, 0, 0]
        for q in range(r):
            out[j, q] = 0.0
        for k in range(n, 0, -1):
            ak0 = M[j, 0, 0]
            for q in range(r1):
                coef[q] = M[j, q, k] / ak0
            if not abs(coef[0]) < 1.0:
                stable[j] = False
                break
            for q in range(r):
                out[j, q] += ak0 * (coef[q + 1] * coef[q + 1])
            for i in range(k):  # row 0 reversed: contiguous in the update below
                rev[i] = M[j, 0, k - i]
            for q in range(r1):
                cq = coef[q]
                row = M[j, q]
                for i in range(k):
                    row[i] -= cq * rev[i]
        if stable[j]:
            a00 = M[j, 0, 0]
            for q in range(r):
                b0 = M[j, q + 1, 0]
                v = (out[j, q] + (b0 * b0) / a00) / a0n
                out[j, q] = v
                if not np.isfinite(v):
                    stable[j] = False


@intrinsic
def _fma(typingctx, x, y, z):  # pragma: no cover - compiled
    """``x * y + z`` with one rounding (LLVM's ``fma``: the CPU's instruction, or libm)."""
    sig = types.float64(types.float64, types.float64, types.float64)

    def codegen(context, builder, signature, args):
        dbl = ir.DoubleType()
        fn = builder.module.declare_intrinsic("llvm.fma", [dbl], ir.FunctionType(dbl, [dbl, dbl, dbl]))
        return builder.call(fn, args)

    return sig, codegen


@numba.njit(cache=True, inline="always")
def _cmul(ar, ai, br, bi):  # pragma: no cover - compiled
    """``(ar + i ai) (br + i bi)`` as numpy's complex loops compute it on x86-64 with FMA:
    ``(fma(ar, br, -(ai bi)), fma(ar, bi, ai br))``."""
    return _fma(ar, br, -(ai * bi)), _fma(ar, bi, ai * br)


@numba.njit(cache=True, inline="always")
def _cdiv(ar, ai, br, bi):  # pragma: no cover - compiled
    """``(ar + i ai) / (br + i bi)`` by numpy's formula (Smith's, with the reciprocal of
    the scaled denominator), not Python's (which divides by it): the same bits as numpy."""
    if abs(br) >= abs(bi):
        if br == 0.0 and bi == 0.0:
            return ar / abs(br), ai / abs(br)
        rat = bi / br
        scl = 1.0 / (br + bi * rat)
        return (ar + ai * rat) * scl, (ai - ar * rat) * scl
    rat = br / bi
    scl = 1.0 / (bi + br * rat)
    return (ar * rat + ai) * scl, (ai * rat - ar) * scl


@numba.njit(cache=True, nogil=True)
def astrom_complex(Mr, Mi, out_r, out_i):  # pragma: no cover - compiled
    """:func:`stability._ms_certify._astrom_complex` (one denominator, complex
    coefficients, no stability test) in place, on real and imaginary parts ``Mr``, ``Mi``
    ``(r + 1, n + 1)`` (row 0 the denominator; overwritten); writes the ``r`` integrals
    into ``out_r``, ``out_i``.  Every complex operation is written out in real arithmetic
    as numpy's loops do it (:func:`_cmul`, the square as a product, :func:`_cdiv`), in the
    same order, so both give the same numbers where numpy's complex product uses FMA (as
    on this project's x86-64 machines; tests/test_ms_certify.py checks which)."""
    r1, n1 = Mr.shape
    n = n1 - 1
    r = r1 - 1
    cr = np.empty(r1)
    ci = np.empty(r1)
    rev_r = np.empty(n1)
    rev_i = np.empty(n1)
    a0r, a0i = Mr[0, 0], Mi[0, 0]
    for q in range(r):
        out_r[q] = 0.0
        out_i[q] = 0.0
    for k in range(n, 0, -1):
        pr, pi = Mr[0, 0], Mi[0, 0]
        for q in range(r1):
            cr[q], ci[q] = _cdiv(Mr[q, k], Mi[q, k], pr, pi)
        for q in range(r):  # total += M[0, 0] * coef[1:] ** 2
            sr, si = _cmul(cr[q + 1], ci[q + 1], cr[q + 1], ci[q + 1])
            tr, ti = _cmul(pr, pi, sr, si)
            out_r[q] += tr
            out_i[q] += ti
        for i in range(k):  # the old row 0, reversed (numpy's outer product holds it)
            rev_r[i] = Mr[0, k - i]
            rev_i[i] = Mi[0, k - i]
        for q in range(r1):  # M[:, :k] -= outer(coef, M[0, k:0:-1])
            xr, xi = cr[q], ci[q]
            for i in range(k):
                tr, ti = _cmul(xr, xi, rev_r[i], rev_i[i])
                Mr[q, i] -= tr
                Mi[q, i] -= ti
    pr, pi = Mr[0, 0], Mi[0, 0]
    for q in range(r):  # (total + M[1:, 0] ** 2 / M[0, 0]) / a0n
        sr, si = _cmul(Mr[q + 1, 0], Mi[q + 1, 0], Mr[q + 1, 0], Mi[q + 1, 0])
        dr, di = _cdiv(sr, si, pr, pi)
        out_r[q], out_i[q] = _cdiv(out_r[q] + dr, out_i[q] + di, a0r, a0i)


@numba.njit(cache=True, nogil=True)
def lyapunov_steps(buf, taus, ab, coef, m, mode, t0, nstep, renorm, steps, norms, at):  # pragma: no cover
    """Steps ``t0 .. t0 + nstep - 1`` of :func:`stability.moments.lyapunov_exponents`.

    ``buf``: ``(L, B)`` ring buffer of the scalar iterates, one column per (alpha, stream);
    ``taus``: ``(nstep, B)`` delays; ``ab``, ``coef``: ``(B,)``.  At every renormalisation
    (step count ``s`` a multiple of ``renorm``, or ``s == steps``) the columns are divided
    by their max norm (by 1 where it is 0 or not finite), which is written to
    ``norms[e]`` (``e`` counts the renormalisations of this call, ``at[e] = s``); the
    logarithms and their sums stay with the caller, in numpy.  Returns the count.
    """
    L, B = buf.shape
    e = 0
    for j in range(nstep):
        tt = t0 + j
        cur = tt % L
        nxt = (tt + 1) % L
        for b in range(B):
            tau = taus[j, b]
            xd = buf[(tt - tau) % L, b]
            c = buf[cur, b]
            if mode == _NONE:
                new = c - ab[b] * xd
            elif mode == _STANDARD:
                new = (1.0 + m) * c - m * buf[(tt - 1) % L, b] - ab[b] * xd
            else:
                new = c + coef[b] * xd - m * buf[(tt - tau - 1) % L, b]
            buf[nxt, b] = new
        s = tt + 1
        if s % renorm == 0 or s == steps:
            for b in range(B):
                norm = 0.0
                for i in range(L):
                    v = abs(buf[i, b])
                    if v > norm or v != v:  # numpy.max: NaN wins
                        norm = v
                    if norm != norm:
                        break
                norms[e, b] = norm
                if not 0.0 < norm < np.inf:  # 0, inf or NaN: numpy's loop divides by 1
                    norm = 1.0
                for i in range(L):
                    buf[i, b] /= norm
            at[e] = s
            e += 1
    return e
