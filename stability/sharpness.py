"""Sharpness (top Hessian eigenvalue) from Hessian-vector products, and the learning rate
it implies at the edge of stability."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validation import MAX_ARRAY_ELEMENTS, check_count, check_real
from .thresholds import threshold

__all__ = ["SharpnessResult", "power_iteration", "lanczos", "sharpness", "recommended_learning_rate"]


@dataclass(frozen=True)
class SharpnessResult:
    """Algebraically largest eigenvalue of a symmetric operator.

    Attributes
    ----------
    value : float
        The eigenvalue estimate.
    vector : ndarray
        Unit eigenvector estimate.
    iterations : int
        Operator applications used.
    residual : float
        ``||H v - value v||`` for the returned pair.
    converged : bool
        Whether the tolerance was met before the iteration cap.
    method : str
    """

    value: float
    vector: np.ndarray
    iterations: int
    residual: float
    converged: bool
    method: str


#: Cap on ``maxiter`` (ARPACK counts in 32-bit integers; more would run for hours anyway).
_MAX_ITER = 10**8


def _wrap(hvp: Callable, dim: int):
    if not callable(hvp):
        raise TypeError(f"hvp must be callable (v -> H v), got {hvp!r}")
    check_count(dim, "dim", high=MAX_ARRAY_ELEMENTS)
    count = [0]

    def apply(v):
        count[0] += 1
        out = np.asarray(hvp(v), dtype=float).reshape(-1)
        if out.shape != (dim,):
            raise ValueError(f"hvp returned shape {out.shape}, expected ({dim},)")
        if not np.all(np.isfinite(out)):
            raise ValueError("hvp returned a non-finite value")
        return out

    return apply, count


def _power(apply, v, shift, tol, maxiter):
    """Power iteration on ``H - shift I``; stops when ``||H v - lam v|| <= tol |lam|``."""
    lam = 0.0
    for it in range(1, maxiter + 1):
        w = apply(v) - shift * v
        lam = float(v @ w)
        res = float(np.linalg.norm(w - lam * v))
        if res <= tol * max(abs(lam + shift), abs(lam), 1e-300):
            return lam, v, it, True
        nw = np.linalg.norm(w)
        if nw == 0:
            return lam, v, it, True
        v = w / nw
    return lam, v, maxiter, False


def power_iteration(hvp: Callable, dim: int, *, tol: float = 1e-10, maxiter: int = 10_000,
                    rng=0) -> SharpnessResult:
    """Largest (algebraically) eigenvalue of a symmetric ``H`` by power iteration.

    Plain power iteration finds the eigenvalue of largest *magnitude*, ``mu``.  If
    ``mu < 0`` the top eigenvalue is elsewhere: a second pass iterates on ``H - mu I``
    (all eigenvalues ``>= 0``), whose dominant eigenvalue is ``lambda_max - mu``.

    Parameters
    ----------
    hvp : callable
        ``v -> H v`` for vectors of length ``dim``.
    dim : int
        Dimension.
    tol : float
        Stop when the residual ``||H v - lambda v||`` is below ``tol * |lambda|``.
    maxiter : int
        Cap on iterations per pass.
    rng : numpy.random.Generator or int
        Seed of the random start vector.

    Returns
    -------
    SharpnessResult

    Notes
    -----
    Convergence is linear with ratio ``|lambda_2 / lambda_1|`` of the iterated operator;
    with a small gap prefer :func:`lanczos`.  For a symmetric ``H`` a residual ``r``
    bounds the eigenvalue error by ``min(r, r**2 / gap)``, so once converged the relative
    error is below ``tol``.
    """
    apply, count = _wrap(hvp, dim)
    tol = check_real(tol, "tol", low=0.0, low_inclusive=False)
    maxiter = check_count(maxiter, "maxiter", high=_MAX_ITER)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    v = gen.standard_normal(dim)
    v /= np.linalg.norm(v)
    mu, v1, _, conv = _power(apply, v, 0.0, tol, maxiter)
    value, vec = mu, v1
    if mu < 0:
        lam, vec, _, conv = _power(apply, v, mu, tol, maxiter)
        value = lam + mu
    res = float(np.linalg.norm(apply(vec) - value * vec))
    return SharpnessResult(float(value), vec, count[0], res, bool(conv), "power")


def lanczos(hvp: Callable, dim: int, *, tol: float = 1e-10, maxiter: int | None = None,
            rng=0) -> SharpnessResult:
    """Largest (algebraically) eigenvalue by implicitly restarted Lanczos.

    :func:`scipy.sparse.linalg.eigsh` with ``which="LA"`` on a ``LinearOperator``.

    Parameters
    ----------
    hvp : callable
        ``v -> H v``.
    dim : int
        Dimension; for ``dim <= 2`` the matrix is assembled and solved densely.
    tol : float
        Relative accuracy asked of ARPACK for the eigenvalue.
    maxiter : int, optional
        Cap on Arnoldi restarts (ARPACK's default when None).
    rng : numpy.random.Generator or int
        Seed of the starting vector.

    Returns
    -------
    SharpnessResult
    """
    from scipy.sparse.linalg import ArpackError, ArpackNoConvergence, LinearOperator, eigsh

    apply, count = _wrap(hvp, dim)
    tol = check_real(tol, "tol", low=0.0, low_inclusive=False)
    if maxiter is not None:
        maxiter = check_count(maxiter, "maxiter", high=_MAX_ITER)
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    if dim <= 2:  # ARPACK needs k < dim
        Hm = np.column_stack([apply(e) for e in np.eye(dim)])
        w, U = np.linalg.eigh((Hm + Hm.T) / 2)
        vec = U[:, -1]
        value = float(w[-1])
        conv = True
    else:
        op = LinearOperator((dim, dim), matvec=apply, dtype=float)
        v0 = gen.standard_normal(dim)
        if not np.any(apply(v0)):
            # H v0 = 0 exactly: ARPACK stops with "starting vector is zero" on such an
            # operator (the zero Hessian); ask power iteration, which handles it.
            res = power_iteration(hvp, dim, tol=tol, rng=rng)
            return SharpnessResult(res.value, res.vector, count[0] + res.iterations, res.residual,
                                   res.converged, "lanczos")
        try:
            w, U = eigsh(op, k=1, which="LA", tol=tol, maxiter=maxiter, v0=v0)
            conv = True
        except ArpackNoConvergence as exc:
            if len(exc.eigenvalues) == 0:
                raise ArithmeticError(f"Lanczos did not converge in {count[0]} products") from None
            w, U = exc.eigenvalues, exc.eigenvectors
            conv = False
        except ArpackError:  # e.g. an invariant subspace of dimension 0: fall back
            res = power_iteration(hvp, dim, tol=tol, rng=rng)
            return SharpnessResult(res.value, res.vector, count[0] + res.iterations, res.residual,
                                   res.converged, "lanczos")
        value, vec = float(w[0]), U[:, 0]
    res = float(np.linalg.norm(apply(vec) - value * vec))
    return SharpnessResult(value, vec, count[0], res, conv, "lanczos")


def sharpness(hvp: Callable, dim: int, *, method: str = "lanczos", tol: float = 1e-10) -> SharpnessResult:
    """Top Hessian eigenvalue with ``method="lanczos"`` (default) or ``"power"``.

    Parameters
    ----------
    hvp : callable
        ``v -> H v``.
    dim : int
        Dimension.
    method : {"lanczos", "power"}
    tol : float
        Relative tolerance.
    """
    if method == "lanczos":
        return lanczos(hvp, dim, tol=tol)
    if method == "power":
        return power_iteration(hvp, dim, tol=tol)
    raise ValueError(f"unknown method {method!r}; expected 'lanczos' or 'power'")


def recommended_learning_rate(hvp: Callable, dim: int, delay, *, momentum: str = "none", m: float = 0.0,
                              method: str = "lanczos", tol: float = 1e-10) -> float:
    """Learning rate at the edge of stability for the measured sharpness.

    Chains :func:`sharpness` -> :func:`stability.threshold` -> ``eta = alpha* / a``.  A
    minimum is stable (in expectation) for any smaller learning rate.

    Parameters
    ----------
    hvp : callable
        ``v -> H v`` at the minimum.
    dim : int
        Dimension.
    delay : int or DelayDistribution
    momentum : {"none", "standard", "shifted"}
    m : float
        Momentum coefficient.
    method : {"lanczos", "power"}
    tol : float
        Relative tolerance of the eigenvalue.

    Raises
    ------
    ValueError
        If the top eigenvalue is not positive (no edge: the point is not a minimum
        with positive curvature).
    """
    a = sharpness(hvp, dim, method=method, tol=tol).value
    if not a > 0:
        raise ValueError(f"the top Hessian eigenvalue is {a!r}; a learning-rate edge needs it > 0")
    return threshold(delay, momentum=momentum, m=m) / a
