"""Eigenvalues of an upper Hessenberg matrix by LAPACK's ``dlahqr`` (imported on first use).

:func:`numpy.linalg.eigvals` (behind :func:`numpy.roots`) calls ``dgeev``: balancing
(``dgebal``), a Hessenberg reduction (``dgehrd``, which leaves the already-Hessenberg
companion matrix as it is) and ``dhseqr``.  ``dhseqr`` hands matrices of order below 75 to
``dlahqr``, the double-shift QR algorithm, and larger ones to its multishift code with
aggressive early deflation (``dlaqr0``).  On companion matrices of the characteristic
polynomials here ``dlahqr`` is the faster of the two up to order about 1000 (2.6 to 3.7 times
at orders 129 to 258, 1.4 times at 1001, measured: ``benchmarks/bench_roots.py``), so :mod:`stability.roots` calls it
directly on the matrix ``dgeev`` would hand to ``dhseqr``: the same matrix, the same
mathematics (Francis's implicit double-shift QR, backward stable), only other rounding.

``dlahqr`` is reached through the function pointers scipy exports for Cython
(:mod:`scipy.linalg.cython_lapack`), called with :mod:`ctypes`; if that is not available,
or ``dlahqr`` reports that it did not converge, :func:`hessenberg_eigenvalues` returns
None and the caller uses :func:`numpy.roots`.
"""

from __future__ import annotations

import ctypes

import numpy as np

_ROUTINE = None  # the ctypes function once loaded; False if it cannot be loaded


def _load():
    global _ROUTINE
    if _ROUTINE is None:
        try:
            from scipy.linalg import cython_lapack

            capsule = cython_lapack.__pyx_capi__["dlahqr"]
            get_name = ctypes.PYFUNCTYPE(ctypes.c_char_p, ctypes.py_object)(("PyCapsule_GetName", ctypes.pythonapi))
            get_pointer = ctypes.PYFUNCTYPE(ctypes.c_void_p, ctypes.py_object, ctypes.c_char_p)(
                ("PyCapsule_GetPointer", ctypes.pythonapi))
            address = get_pointer(capsule, get_name(capsule))
            ip, dp = ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_double)
            # dlahqr(wantt, wantz, n, ilo, ihi, h, ldh, wr, wi, iloz, ihiz, z, ldz, info)
            _ROUTINE = ctypes.CFUNCTYPE(None, ip, ip, ip, ip, ip, dp, ip, dp, dp, ip, ip, dp, ip, ip)(address)
        except (ImportError, AttributeError, KeyError, TypeError, ValueError, OSError):
            _ROUTINE = False
    return _ROUTINE


def balanced_companion(monic: np.ndarray):
    """The companion matrix :func:`numpy.roots` builds for the real monic polynomial
    ``monic`` (highest power first, nonzero constant term), balanced as ``dgeev`` balances
    it (``dgebal``, permutation and scaling).  Returns the Fortran-ordered matrix, or None
    if balancing permuted it (then it need not be Hessenberg any more; it does not happen
    for a nonzero constant term, whose companion matrix is irreducible)."""
    from scipy.linalg.lapack import dgebal

    n = monic.size - 1
    a = np.zeros((n, n), order="F")  # Fortran order: dgebal works in place, no copy
    a[np.arange(1, n), np.arange(n - 1)] = 1.0
    a[0, :] = -monic[1:]
    ba, lo, hi, _, info = dgebal(a, scale=1, permute=1, overwrite_a=1)
    if info != 0 or lo != 0 or hi != n - 1:
        return None
    return np.asfortranarray(ba)


def hessenberg_eigenvalues(h: np.ndarray):
    """All eigenvalues of the real upper Hessenberg matrix ``h`` (Fortran order; it is
    overwritten) by ``dlahqr``, as a complex array; None if ``dlahqr`` is unavailable or
    did not converge."""
    if not (h.ndim == 2 and h.shape[0] == h.shape[1] and h.dtype == np.float64 and h.flags.f_contiguous
            and h.flags.writeable):
        raise ValueError(f"h must be a square, writeable, Fortran-ordered float64 array, got shape {h.shape}, "
                         f"dtype {h.dtype}")
    routine = _load()
    if not routine:
        return None
    n = h.shape[0]
    wr, wi, z = np.empty(n), np.empty(n), np.empty(1)
    info = ctypes.c_int(0)
    dp = ctypes.POINTER(ctypes.c_double)

    def i(v):
        return ctypes.byref(ctypes.c_int(v))

    routine(i(0), i(0), i(n), i(1), i(n), h.ctypes.data_as(dp), i(n), wr.ctypes.data_as(dp),
            wi.ctypes.data_as(dp), i(1), i(1), z.ctypes.data_as(dp), i(1), ctypes.byref(info))
    if info.value != 0:
        return None
    return wr + 1j * wi
