"""Async-MSGD on streaming PCA (Liu et al. 2018), and its prediction by stability analysis.

The problem is ``max_v v^T Sigma v`` on the unit sphere, with ``Sigma = E[X X^T]`` known
only through samples.  Liu et al.'s eq. 5, the generalized Hebbian step with Polyak
momentum (not dampened) and a stale iterate, is

.. math::  v_{k+1} = v_k + \\mu (v_k - v_{k-1})
           + \\eta \\,(I - w w^\\top) X_k X_k^\\top w, \\qquad w = v_{k-\\tau}.

Here ``Sigma = diag(lambda_1, ..., lambda_d)`` with ``lambda_1 > lambda_2 >= ...``, so the
optimum is ``v* = +-e_1``.

**Stability prediction.**  Given the past iterates, the expected update replaces
``X X^T`` by ``Sigma``: ``F(v_k, v_{k-1}, w) = v_k + mu (v_k - v_{k-1}) + eta f(w)`` with
``f(w) = Sigma w - (w^T Sigma w) w``.  At ``w = e_1`` (``Sigma e_1 = lambda_1 e_1``,
``e_1^T Sigma e_1 = lambda_1``)

.. math::  \\partial f / \\partial w = \\Sigma - (w^\\top\\Sigma w) I - 2 w w^\\top \\Sigma
           = \\operatorname{diag}(-2\\lambda_1,\\ \\lambda_2 - \\lambda_1,\\ \\dots,\\
           \\lambda_d - \\lambda_1),

so the linearised deviations ``delta`` decouple into ``d`` scalar recurrences
``delta_{k+1} = (1 + mu) delta_k - mu delta_{k-1} - eta a_i delta_{k-tau}`` with
``a_1 = 2 lambda_1`` (the radial direction, the norm of ``v``) and
``a_i = lambda_1 - lambda_i`` (the angular ones).  The toolkit's standard momentum is
dampened, ``x+ = x + m (x - x_prev) - alpha (1 - m) x_d``; matching terms gives ``m = mu``
and ``alpha_i = eta a_i / (1 - mu)``.  The mean dynamics are stable at delay ``tau`` iff
every ``alpha_i`` is below the edge ``threshold(tau, momentum="standard", m=mu)``; the
largest, ``alpha_1 = 2 lambda_1 eta / (1 - mu)``, decides.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import (MAX_DELAY, MAX_STEPS, check_count, check_delay_int, check_elements, check_real,
                          compiled_kernel)
from .roots import max_root_modulus
from .thresholds import threshold

__all__ = ["GaussianData", "BoundedData", "PCAResult", "async_msgd", "expected_update",
           "jacobian_at_optimum", "linearised_alphas", "predicted_largest_stable_delay",
           "largest_good_delay", "PAPER_MU", "PAPER_GOOD_DELAY"]

#: Liu et al.'s Fig. 1: momentum values and the largest delays they report as good.
PAPER_MU = (0.7, 0.8, 0.85, 0.9, 0.95)
PAPER_GOOD_DELAY = (120, 80, 60, 30, 10)


def _eigenvalues(eigenvalues) -> np.ndarray:
    lam = np.asarray(eigenvalues, dtype=float)
    if lam.ndim != 1 or lam.size < 2:
        raise ValueError(f"eigenvalues must be a 1-D array of at least 2 values, got shape {lam.shape}")
    if not np.all(np.isfinite(lam)) or np.any(lam <= 0):
        raise ValueError(f"eigenvalues must be finite and > 0, got {lam.tolist()}")
    if np.any(np.diff(lam) > 0) or not lam[0] > lam[1]:
        raise ValueError(f"eigenvalues must be sorted descending with lambda_1 > lambda_2, got {lam.tolist()}")
    return lam


@dataclass(frozen=True)
class GaussianData:
    """``X ~ N(0, diag(eigenvalues))``: zero mean, covariance Sigma, unbounded."""

    eigenvalues: tuple

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        lam = np.asarray(self.eigenvalues, dtype=float)
        return rng.standard_normal((n, lam.size)) * np.sqrt(lam)


@dataclass(frozen=True)
class BoundedData:
    """``X_i = sqrt(lambda_i) U_i`` with ``U_i`` uniform on ``[-sqrt 3, sqrt 3]``, independent.

    Zero mean, covariance ``diag(eigenvalues)``, and ``||X|| <= sqrt(3 sum lambda)``: the
    bounded data of Liu et al.'s Assumption 2.
    """

    eigenvalues: tuple

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        lam = np.asarray(self.eigenvalues, dtype=float)
        return rng.uniform(-math.sqrt(3.0), math.sqrt(3.0), (n, lam.size)) * np.sqrt(lam)


@dataclass(frozen=True)
class PCAResult:
    """Errors of Async-MSGD runs.

    Attributes
    ----------
    mus, delays : ndarray
        The momentum values and delays simulated.
    errors : ndarray
        ``(len(mus), len(delays), runs)``: per run, the mean over the last ``window``
        steps of ``sin^2`` of the angle between ``v_k`` and ``e_1``,
        ``1 - v_1^2 / ||v||^2`` (1 for a run whose iterate overflowed).
    steps, window : int
    """

    mus: np.ndarray
    delays: np.ndarray
    errors: np.ndarray
    steps: int
    window: int


def async_msgd(eigenvalues, eta: float, mus, delays, *, runs: int = 100, steps: int = 10_000,
               window: int = 1000, data: str = "gaussian", v0=None, rng=0, progress: bool = False,
               samples=None, engine: str = "auto") -> PCAResult:
    """Run Liu et al.'s eq. 5 for every (momentum, delay, run) at once.

    Parameters
    ----------
    eigenvalues : array_like
        ``lambda_1 > lambda_2 >= ... > 0``; ``Sigma = diag(eigenvalues)``.
    eta : float
        Step size, ``> 0`` (the paper: 5e-4).
    mus : array_like
        Momentum values, each in ``[0, 1)``.
    delays : array_like of int
        Constant delays ``>= 0``.
    runs : int
        Independent runs per (mu, delay) pair (the paper: 100).
    steps : int
        Iterations per run.
    window : int
        The error of a run is averaged over its last ``window`` steps.
    data : {"gaussian", "bounded"}
        :class:`GaussianData` or :class:`BoundedData`.
    v0 : array_like, optional
        Start, default the saddle ``e_2`` (the paper's ``(0, 1, 0, 0)``); the history
        before step 0 is ``v0`` too.
    rng : numpy.random.Generator or int
        Seed of all the data.
    progress : bool
        Show a tqdm progress bar (only on a terminal).
    samples : callable, optional
        ``samples(k) -> (batch, d)`` data for step ``k``, replacing ``data`` and ``rng``
        (for tests that replay the same samples through another implementation).
    engine : {"auto", "numba", "numpy"}
        ``"numba"``: the step loop compiled by numba (:mod:`stability._compiled`);
        Gaussian data drawn inside it by numba's copy of numpy's ziggurat, bounded data
        8 steps at a time by numpy (either way the same random stream as step by step).
        ``"numpy"``: one vectorised step over every run at a time.  The two perform the
        same operations in the same order (the compiled dot product follows numpy's
        ``einsum`` order for ``d = 4``), so they agree bit for bit there and to the last
        bit otherwise.  ``"auto"`` (default): ``"numba"`` when numba is installed.

    Returns
    -------
    PCAResult
    """
    lam = _eigenvalues(eigenvalues)
    d = lam.size
    eta = check_real(eta, "eta")
    if eta <= 0:
        raise ValueError(f"eta must be > 0, got {eta!r}")
    mus = np.atleast_1d(np.asarray(mus, dtype=float))
    if mus.ndim != 1 or mus.size == 0:
        raise ValueError(f"mus must be a scalar or a non-empty 1-D array, got shape {mus.shape}")
    for mu in mus:
        check_real(float(mu), "mu", low=0.0, high=1.0, high_inclusive=False)
    delays = np.atleast_1d(np.asarray(delays))
    if delays.ndim != 1 or delays.size == 0 or delays.dtype.kind not in "iuf":
        raise ValueError(f"delays must be a non-empty 1-D array of integers, got {delays!r}")
    delays = np.array([check_delay_int(int(t) if np.isfinite(t) and float(t).is_integer() else float(t), "delay")
                       for t in delays])
    for name, val in (("runs", runs), ("steps", steps), ("window", window)):
        check_count(val, name, high=MAX_STEPS)
    if window > steps:
        raise ValueError(f"window={window} is longer than steps={steps}")
    if data not in ("gaussian", "bounded"):
        raise ValueError(f"data must be 'gaussian' or 'bounded', got {data!r}")
    start = np.eye(d)[1] if v0 is None else np.asarray(v0, dtype=float)
    if start.shape != (d,):
        raise ValueError(f"v0 has {start.size} entries but Sigma has dimension {d}")
    if not np.all(np.isfinite(start)) or not np.any(start != 0):
        raise ValueError(f"v0 must be finite and non-zero, got {start.tolist()}")
    check_elements((int(delays.max()) + 2) * mus.size * delays.size * runs * d,
                   "the iterate history (delay x momenta x delays x runs x dimension)")
    source = (GaussianData if data == "gaussian" else BoundedData)(tuple(lam))
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)

    M = np.repeat(np.repeat(mus, delays.size), runs)[:, None]
    T = np.tile(np.repeat(delays, runs), mus.size)
    B = M.shape[0]
    L = int(delays.max()) + 2
    V = np.empty((L, B, d))
    V[:] = start
    cols = np.arange(B)
    err = np.zeros(B)
    from tqdm import tqdm

    compiled = compiled_kernel("pca_steps", engine)
    if compiled is not None:
        pca_steps_normal = compiled_kernel("pca_steps_normal", engine)
        block = 8  # steps of data drawn at a time (1 MB per step at the figure's size)
        Mk = np.ascontiguousarray(M[:, 0])
        Tk = np.ascontiguousarray(T, dtype=np.int64)
        scale, ones = np.sqrt(lam), np.ones(d)
        with tqdm(total=steps, disable=None if progress else True, desc="Async-MSGD", leave=False) as bar:
            for k0 in range(0, steps, block):
                n = min(block, steps - k0)
                if samples is None and data == "gaussian":  # drawn inside, in the same order
                    pca_steps_normal(V, Mk, Tk, float(eta), k0, k0 + n, gen, scale, err, steps - window)
                    bar.update(n)
                    continue
                if samples is not None:  # x * 1.0 == x: the samples are used as given
                    Z, sc = np.stack([_replayed(samples, k, B, d) for k in range(k0, k0 + n)]), ones
                else:
                    Z, sc = gen.uniform(-math.sqrt(3.0), math.sqrt(3.0), (n * B, d)).reshape(n, B, d), scale
                compiled(V, Mk, Tk, float(eta), k0, k0 + n, Z, sc, err, steps - window)
                bar.update(n)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            for k in tqdm(range(steps), disable=None if progress else True, desc="Async-MSGD", leave=False):
                cur, prev = V[k % L], V[(k - 1) % L]
                w = V[(k - T) % L, cols]
                X = samples(k) if samples is not None else source.draw(gen, B)
                y = np.einsum("bi,bi->b", X, w)[:, None]
                V[(k + 1) % L] = cur + M * (cur - prev) + eta * y * (X - y * w)
                if k >= steps - window:
                    new = V[(k + 1) % L]
                    e = 1.0 - new[:, 0] ** 2 / np.einsum("bi,bi->b", new, new)
                    err += np.where(np.isfinite(e), e, 1.0)
    return PCAResult(mus, delays, (err / window).reshape(mus.size, delays.size, runs), steps, window)


def _replayed(samples, k: int, batch: int, d: int) -> np.ndarray:
    """``samples(k)`` as a ``(batch, d)`` float array (the compiled loop does no bounds checks)."""
    x = np.asarray(samples(k), dtype=float)
    if x.shape != (batch, d):
        raise ValueError(f"samples({k}) returned shape {x.shape}, expected ({batch}, {d})")
    return x


def expected_update(v, v_prev, w, eigenvalues, eta: float, mu: float) -> np.ndarray:
    """Expected next iterate given the past: ``v + mu (v - v_prev) + eta (I - w w^T) Sigma w``."""
    lam = _eigenvalues(eigenvalues)
    eta = _positive(eta, "eta")
    mu = check_real(mu, "mu", low=0.0, high=1.0, high_inclusive=False)
    v, v_prev, w = (_vector(a, name, lam.size) for a, name in ((v, "v"), (v_prev, "v_prev"), (w, "w")))
    with np.errstate(over="ignore", invalid="ignore"):
        sw = lam * w
        out = v + mu * (v - v_prev) + eta * (sw - (w @ sw) * w)
    return _finite_result(out, "expected_update")


def _positive(value, name: str) -> float:
    value = check_real(value, name)
    if value <= 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def _vector(value, name: str, d: int) -> np.ndarray:
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{name} must be a vector of {d} real numbers, got {value!r}") from exc
    if arr.shape != (d,):
        raise ValueError(f"{name} must have shape ({d},), got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got {arr.tolist()}")
    return arr


def _finite_result(out: np.ndarray, what: str) -> np.ndarray:
    if not np.all(np.isfinite(out)):
        raise OverflowError(f"{what} overflows double precision for these inputs")
    return out


def jacobian_at_optimum(eigenvalues, eta: float) -> np.ndarray:
    """``d F / d w`` at ``v* = e_1``, derived by hand: ``eta diag(-2 l_1, l_2 - l_1, ...)``.

    (``d F / d v_k = (1 + mu) I`` and ``d F / d v_{k-1} = -mu I`` need no derivation.)
    """
    lam = _eigenvalues(eigenvalues)
    eta = _positive(eta, "eta")
    with np.errstate(over="ignore"):
        a = np.concatenate([[2 * lam[0]], lam[0] - lam[1:]])
        return _finite_result(-eta * np.diag(a), "jacobian_at_optimum")


def linearised_alphas(eigenvalues, eta: float, mu: float) -> np.ndarray:
    """``alpha_i = eta a_i / (1 - mu)`` for every direction (see the module docstring)."""
    lam = _eigenvalues(eigenvalues)
    mu = check_real(mu, "mu", low=0.0, high=1.0, high_inclusive=False)
    eta = _positive(eta, "eta")
    with np.errstate(over="ignore"):
        a = np.concatenate([[2 * lam[0]], lam[0] - lam[1:]])
        return _finite_result(eta * a / (1.0 - mu), "linearised_alphas")


def predicted_largest_stable_delay(eigenvalues, eta: float, mu: float, *, max_delay: int = 100_000) -> int:
    """Largest constant delay at which the linearised mean dynamics at ``e_1`` are stable.

    Stable at ``tau`` iff every ``alpha_i`` of :func:`linearised_alphas` is below
    ``threshold(tau, momentum="standard", m=mu)``, i.e. iff the largest one is (the edge
    is the *smallest* ``alpha`` with a root on the circle, so every smaller ``alpha`` is
    stable).  The answer is confirmed by a second method below degree 2050:
    :func:`max_root_modulus` (numpy.roots) of the largest ``alpha`` is below 1 at the
    returned delay and at least 1 one step beyond it.  (The smaller ``alpha_i`` are not
    re-confirmed one by one here: that cost 60% of the run time; the test suite checks
    them.)  Returns -1 if even ``tau = 0`` is unstable.

    Parameters
    ----------
    eigenvalues : array_like
    eta : float
    mu : float
    max_delay : int
        Give up (ArithmeticError) beyond this delay.
    """
    max_delay = check_count(max_delay, "max_delay", high=MAX_DELAY)
    alphas = linearised_alphas(eigenvalues, eta, mu)
    top = float(np.max(alphas))

    def stable(tau: int) -> bool:
        return top < threshold(tau, momentum="standard", m=mu)

    if not stable(0):
        return -1
    lo, hi = 0, 1
    while stable(hi):  # the edge decreases with tau: bracket, then bisect
        lo, hi = hi, 2 * hi
        if hi > max_delay:
            raise ArithmeticError(f"still stable at delay {lo}; raise max_delay")
    while hi - lo > 1:
        mid = (lo + hi) // 2
        lo, hi = (mid, hi) if stable(mid) else (lo, mid)
    if lo + 1 < 2048:
        assert max_root_modulus(lo, top, momentum="standard", m=mu) < 1
        assert max_root_modulus(hi, top, momentum="standard", m=mu) >= 1
    return lo


def largest_good_delay(delays, errors, *, factor: float = 2.0, n_boot: int = 400, rng=0):
    """Largest delay whose mean error stays within ``factor`` times the delay-0 error.

    "Good" at delay ``tau``: the mean error over runs at ``tau`` and at every smaller
    delay on the grid is at most ``factor`` times the mean error at delay 0 (the first
    grid point, which must be 0).  The uncertainty comes from resampling the runs with
    replacement (``n_boot`` bootstrap replicates).

    Parameters
    ----------
    delays : array_like of int
        Increasing grid starting at 0.
    errors : ndarray
        ``(len(delays), runs)`` errors for one momentum value.
    factor : float
        Tolerated increase over the synchronous error.
    n_boot : int
        Bootstrap replicates.
    rng : numpy.random.Generator or int

    Returns
    -------
    (value, low, high) : tuple of int
        The estimate and the 5th and 95th percentiles of its bootstrap distribution.

    Raises
    ------
    TypeError, ValueError
        ``factor < 1`` (delay 0 itself would not be good), ``n_boot < 1``, delays not an
        increasing integer grid from 0, errors not a finite non-negative
        ``(len(delays), runs)`` array.
    """
    factor = check_real(factor, "factor", low=1.0)
    n_boot = check_count(n_boot, "n_boot", high=1_000_000)
    delays = np.asarray(delays)
    if delays.ndim != 1 or delays.dtype.kind not in "iu":
        raise ValueError(f"delays must be a 1-D array of integers, got {delays!r}")
    errors = np.asarray(errors, dtype=float)
    if delays.size == 0 or delays[0] != 0 or np.any(np.diff(delays) <= 0):
        raise ValueError(f"delays must increase from 0, got {delays.tolist()}")
    if errors.ndim != 2 or errors.shape[0] != delays.size or errors.shape[1] < 1:
        raise ValueError(f"errors must have shape ({delays.size}, runs) with runs >= 1, got {errors.shape}")
    if not np.all(np.isfinite(errors)) or np.any(errors < 0):
        raise ValueError(f"errors must be finite and >= 0, got {errors.ravel()[~(np.isfinite(errors.ravel()) & (errors.ravel() >= 0))][0]!r}")

    def good(mean_err):
        ok = mean_err <= factor * mean_err[0]
        bad = np.flatnonzero(~ok)
        return int(delays[-1] if bad.size == 0 else delays[bad[0] - 1])

    value = good(errors.mean(axis=1))
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    runs = errors.shape[1]
    boots = [good(errors[:, gen.integers(0, runs, runs)].mean(axis=1)) for _ in range(n_boot)]
    lo, hi = np.percentile(boots, [5, 95])
    return value, int(lo), int(hi)
