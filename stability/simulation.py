"""A torch-free delayed-SGD kernel on quadratics, to check the theory by simulation.

The objective is ``f(x) = 1/2 (x - x*)^T H (x - x*)``.  The kernel runs the paper's update
rules exactly, for a whole batch of configurations (learning rates and/or random streams)
in one vectorised state, with ring buffers of the last ``K + 2`` iterates and velocities
(``K`` the largest delay):

* plain A-SGD (eq. 2):        ``x_{t+1} = x_t - eta g(x_{t-tau_t})``
* standard momentum (eq. 9):  ``v_{t+1} = m v_t - eta (1-m) g(x_{t-tau_t})``,
  ``x_{t+1} = x_t + v_{t+1}``
* shifted momentum (eq. 10):  ``v_{t+1} = m v_{t-tau_t} - eta (1-m) g(x_{t-tau_t})``,
  ``x_{t+1} = x_t + v_{t+1}`` (velocity and gradient from the same stale step)

where ``g`` is the exact gradient ``H (x - x*)``, optionally with noise.  Before the start
the history is constant: ``x_s = x_0`` and ``v_s = 0`` for ``s <= 0``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._streams import child_generators
from ._validation import (MAX_STEPS, check_bool, check_count, check_elements, check_engine, check_momentum, check_real,
                          check_result, compiled_kernel)
from .delays import as_pmf

__all__ = ["GaussianNoise", "SampledQuadratics", "KernelResult", "run_delayed_sgd",
           "edge_learning_rate", "edge_learning_rates", "EdgeResult"]


@dataclass(frozen=True)
class GaussianNoise:
    """Additive gradient noise: ``g = H (x - x*) + std * N(0, I)``, fresh at every step."""

    std: float

    def __post_init__(self):
        std = check_real(self.std, "noise std")
        if std < 0:
            raise ValueError(f"noise std must be >= 0, got {std!r}")


@dataclass(frozen=True)
class SampledQuadratics:
    """``f = (1/N) sum_i f_i`` with ``f_i(x) = 1/2 (x-x*)^T H_i (x-x*) + b_i^T (x-x*)``.

    Each step uses the gradient of one sample drawn uniformly (paper eq. 1-2), so the
    expected gradient is ``H (x - x*)`` with ``H = mean_i H_i``.  ``hessians`` is
    ``(N, d)`` (diagonal ``H_i``) or ``(N, d, d)``; ``offsets`` is ``(N, d)`` and must
    average to zero (so that ``x*`` stays the minimum of ``f``).
    """

    hessians: np.ndarray
    offsets: np.ndarray


@dataclass(frozen=True)
class KernelResult:
    """Outcome per configuration (arrays of length ``batch``).

    Attributes
    ----------
    diverged : ndarray of bool
        ``||x_t - x*|| > blowup * ||x_0 - x*||`` at some step, or a non-finite iterate.
        Only for these configurations may ``final_distance``, ``final_x``, ``norms``
        (and ``mean_path``, which averages over the batch) hold inf or NaN: the step that
        crossed the threshold can overflow.  Every other entry is finite.
    diverged_at : ndarray of int
        First step at which that happened, -1 if never.  A diverged configuration is
        frozen from then on.
    final_distance : ndarray
        ``||x_T - x*||`` (at the freeze for diverged configurations).
    growth_rate : ndarray
        Estimated asymptotic log-growth per step of ``||x_t - x*||``: the difference of
        the log of the largest distance over the final window and over the window ending
        at mid-run (which includes the start ``t = 0`` when the run is short), divided by
        the steps between them.  Negative: converging.  For a noise-free run it tends to
        ``log rho`` of the characteristic polynomial.  ``+inf`` for a diverged
        configuration, ``-inf`` where the iterate sits exactly at the minimum over the
        final window (nothing left to measure).
    final_x : ndarray
        ``(batch, d)`` last iterate (at the freeze for diverged configurations).
    norms : ndarray or None
        ``(steps + 1, batch)`` trajectory of ``||x_t - x*||`` when ``record_norms=True``.
    mean_path : ndarray or None
        ``(steps + 1, d)`` average over the batch of ``x_t - x*`` when
        ``record_mean=True`` (with many seeds at one learning rate: the empirical
        expected iterate, which is what the characteristic polynomial describes).
    """

    diverged: np.ndarray
    diverged_at: np.ndarray
    final_distance: np.ndarray
    growth_rate: np.ndarray
    final_x: np.ndarray
    norms: np.ndarray | None
    mean_path: np.ndarray | None = None


def _as_hessian(hessian):
    h = np.asarray(hessian, dtype=float)
    if h.ndim == 1:
        if h.size == 0:
            raise ValueError("hessian eigenvalues are empty")
        if not np.all(np.isfinite(h)):
            raise ValueError(f"hessian eigenvalues must be finite, got {h!r}")
        return h, True
    if h.ndim != 2 or h.shape[0] != h.shape[1] or h.shape[0] == 0:
        raise ValueError(f"hessian must be a square matrix or a 1-D array of eigenvalues, got shape {h.shape}")
    if not np.all(np.isfinite(h)):
        raise ValueError("hessian has non-finite entries")
    asym = np.max(np.abs(h - h.T))
    if asym > 1e-12 * max(1.0, np.max(np.abs(h))):
        raise ValueError(f"hessian must be symmetric; max |H - H^T| = {asym:.3g}")
    return h, False


def _child(seq: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """The ``i``-th child of ``seq``, derived without mutating ``seq`` (unlike ``spawn``)."""
    return _descendant(_key(seq), i)


def _key(seq: np.random.SeedSequence) -> tuple:
    return seq.entropy, tuple(seq.spawn_key), seq.pool_size


def _descendant(key: tuple, *path: int) -> np.random.SeedSequence:
    """The sequence reached from ``key`` (see :func:`_key`) by the children ``path``
    (``_descendant(_key(s), b, i)`` is ``_child(_child(s, b), i)``, built once)."""
    entropy, spawn_key, pool_size = key
    return np.random.SeedSequence(entropy, spawn_key=spawn_key + path, pool_size=pool_size)


def _as_seed_sequence(r) -> np.random.SeedSequence:
    if isinstance(r, np.random.SeedSequence):
        return r
    if isinstance(r, np.random.Generator):
        return r.bit_generator.seed_seq
    return np.random.SeedSequence(r)


def _rngs(rng, batch, n_per, need=None):
    """``n_per`` independent generators per configuration, derived deterministically.

    ``need`` (a bool per stream) leaves the unneeded streams out (None): stream ``i`` is
    the ``i``-th child of the configuration's seed sequence whether or not the others
    are made, so this changes no number and saves their construction."""
    need = [True] * n_per if need is None else list(need)
    if isinstance(rng, (list, tuple)):
        if len(rng) != batch:
            raise ValueError(f"rng was given as a sequence of {len(rng)} seeds for a batch of {batch}")
        paths = [(_key(_as_seed_sequence(r)), ()) for r in rng]
    else:
        if rng is None:
            raise ValueError("this run draws random numbers: pass rng (a numpy Generator or a seed)")
        # configuration b's sequence is _child(base, b); its stream i is built in one step
        base = _key(_as_seed_sequence(rng))
        fast = child_generators(base, batch, need)  # the same streams, seeded all at once
        if fast is not None:
            return fast
        paths = [(base, (b,)) for b in range(batch)]
    return [[np.random.default_rng(_descendant(key, *path, i)) if need[i] else None for i in range(n_per)]
            for key, path in paths]


def _delay_draws(gens, pmf: np.ndarray, n: int) -> np.ndarray:
    """``(n, batch)`` delays, column ``b`` drawn by ``gens[b][0].choice(K + 1, size=n, p=pmf)``.

    The same numbers as that call, which takes ``n`` uniforms by ``random`` and returns
    ``searchsorted(cdf, u, side="right")`` with ``cdf = cumsum(p) / cdf[-1]``, i.e. the
    number of entries of the (non-decreasing) ``cdf`` that are ``<= u``: here the uniforms
    of all configurations land in one array and are looked up together (by counting for
    short supports), instead of ``batch`` calls each checking ``p`` (checked once, below,
    by a call that draws nothing).  Tested bit for bit against ``choice``.
    """
    np.random.default_rng(0).choice(pmf.size, size=0, p=pmf)  # choice's checks of p, no draw
    cdf = np.asarray(pmf, dtype=float).cumsum()
    cdf /= cdf[-1]
    out = np.empty((n, len(gens)), dtype=np.int64)
    # 512 configurations at a time: the uniforms and counts of a block stay small (a batch
    # of 20000 x 512 steps allocated 90 MB more, and page faults cost more than the draws)
    u = np.empty((min(512, len(gens)), n))
    for s in range(0, len(gens), 512):
        block = gens[s : s + 512]
        ub = u[: len(block)]
        for b, g in enumerate(block):
            g[0].random(out=ub[b])
        if cdf.size <= 16:  # a few vector comparisons beat a binary search per draw
            idx = np.zeros(ub.shape, dtype=np.uint8)
            for c in cdf:
                idx += ub >= c
        else:
            idx = cdf.searchsorted(ub, side="right")
        out[:, s : s + len(block)] = idx.T
    return out


def _compiled_kernel(engine: str, supported: bool):
    """``(compiled step function, momentum modes)`` when ``engine`` asks for numba, else None."""
    check_engine(engine)
    kernel = compiled_kernel("sgd_steps", engine) if supported else None
    if kernel is None:
        return None
    from ._compiled import MODES

    return kernel, MODES


def run_delayed_sgd(hessian, learning_rates, delay, *, momentum: str = "none", m: float = 0.0,
                    steps: int = 1000, x0=None, x_star=None, noise=None, rng=None,
                    blowup: float = 1e6, buffer_size: int | None = None,
                    record_norms: bool = False, record_mean: bool = False,
                    chunk: int = 512, engine: str = "auto") -> KernelResult:
    """Run delayed (momentum) SGD on a quadratic for a batch of configurations at once.

    Parameters
    ----------
    hessian : array_like
        Symmetric ``(d, d)`` matrix ``H``, or its ``(d,)`` eigenvalues (then ``H`` is
        diagonal in the coordinates used).
    learning_rates : float or array_like
        One learning rate per configuration (``> 0``); the batch size is its length.
        Repeat a value to run many random streams at the same rate.
    delay : int or DelayDistribution
        Constant delay, or a distribution from which every configuration draws its own
        delay at every step.
    momentum : {"none", "standard", "shifted"}
    m : float
        Momentum coefficient, ``0 <= m <= 0.9999``.
    steps : int
        Number of updates ``T``.
    x0, x_star : array_like, optional
        Start (default ``x* + 1``, every coordinate) and minimum (default 0), shape ``(d,)``.
    noise : GaussianNoise or SampledQuadratics, optional
        Gradient noise; needs ``rng``.
    rng : numpy.random.Generator, int, or sequence of them, optional
        Randomness for random delays and noise.  A single Generator, SeedSequence or seed
        is split into one independent stream per configuration (children of its seed
        sequence, derived without consuming it, so the same ``rng`` gives the same run); a
        sequence of them gives each configuration its own, so a batch equals a loop over
        single runs.
    blowup : float
        Divergence threshold on ``||x_t - x*|| / ||x_0 - x*||`` (default 1e6).
    buffer_size : int, optional
        Ring-buffer length, at least ``K + 2`` (the default).
    record_norms : bool
        Also return the whole trajectory of distances.
    record_mean : bool
        Also return the batch average of the deviation ``x_t - x*`` at every step.
    chunk : int
        Random numbers are drawn this many steps at a time per configuration.
    engine : {"auto", "numba", "numpy"}
        ``"numba"``: the step loop compiled by numba (:mod:`stability._compiled`), for a
        diagonal or dense ``H`` without :class:`SampledQuadratics` and without
        ``record_mean`` (other runs use numpy).  ``"numpy"``: one vectorised numpy step
        over the whole batch at a time.  Both perform the same floating-point operations
        in the same order and draw the same random numbers, so they give the same
        results (tested bit for bit in one dimension; the squared distance of a
        ``d > 1`` iterate may be summed in another order, a last-bit difference).
        ``"auto"`` (default) is ``"numba"`` when numba is installed.  The compiled loop
        costs a few nanoseconds per configuration and step instead of numpy's
        microseconds of call overhead per step, which dominate at small batch sizes.

    Returns
    -------
    KernelResult

    Notes
    -----
    Memory is ``O(batch * d * (K + 2))`` for the two ring buffers plus
    ``O(chunk * batch * d)`` for pre-drawn noise.  A dense ``H`` is diagonalised once
    (:func:`numpy.linalg.eigh`) and the run proceeds in its eigenbasis, so each step costs
    ``O(batch * d)``; distances are invariant, the returned ``final_x`` and
    ``mean_path`` are rotated back, and isotropic Gaussian noise has the same law in
    either basis (though not the same draws).  With :class:`SampledQuadratics` the
    per-sample Hessians are applied as given.
    """
    momentum, m = check_momentum(momentum, m)
    steps = check_count(steps, "steps", high=MAX_STEPS)
    chunk = check_count(chunk, "chunk")
    record_norms = check_bool(record_norms, "record_norms")
    record_mean = check_bool(record_mean, "record_mean")
    H, diagonal = _as_hessian(hessian)
    d = H.shape[0]
    lr = np.atleast_1d(np.asarray(learning_rates, dtype=float))
    if lr.ndim != 1 or lr.size == 0:
        raise ValueError(f"learning_rates must be a scalar or a 1-D array, got shape {lr.shape}")
    if not np.all(np.isfinite(lr)):
        raise ValueError(f"learning rates must be finite, got {lr[~np.isfinite(lr)][0]!r}")
    if np.any(lr <= 0):
        raise ValueError(f"learning rates must be > 0, got {float(lr[lr <= 0][0])!r}")
    blowup = check_real(blowup, "blowup", low=1.0, low_inclusive=False)
    pmf = as_pmf(delay)
    K = pmf.size - 1
    L = K + 2 if buffer_size is None else check_count(buffer_size, "buffer_size")
    if L < K + 2:
        raise ValueError(f"buffer_size={buffer_size} is too small for delays up to {K} (needs >= {K + 2})")
    check_elements(L * lr.size * d * (1 if momentum == "none" else 2), "the ring buffers (delay x batch x dimension)")
    if noise is not None:
        check_elements(min(chunk, steps) * lr.size * d, "the pre-drawn noise (chunk x batch x dimension)")
    if record_norms:
        check_elements((steps + 1) * lr.size, "record_norms (steps x batch)")
    if record_mean:
        check_elements((steps + 1) * d, "record_mean (steps x dimension)")
    xs = np.zeros(d) if x_star is None else np.asarray(x_star, dtype=float)
    start = xs + 1.0 if x0 is None else np.asarray(x0, dtype=float)
    for name, arr in (("x0", start), ("x_star", xs)):
        if arr.shape != (d,):
            raise ValueError(f"{name} must have shape ({d},), got {arr.shape}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} must be finite")
    random_delay = np.count_nonzero(pmf) > 1
    if noise is not None and not isinstance(noise, (GaussianNoise, SampledQuadratics)):
        raise TypeError(f"noise must be GaussianNoise or SampledQuadratics, got {noise!r}")
    sampled = isinstance(noise, SampledQuadratics)
    if sampled:
        Hs = np.asarray(noise.hessians, dtype=float)
        bs = np.asarray(noise.offsets, dtype=float)
        if Hs.ndim not in (2, 3) or Hs.shape[1] != d or bs.shape != (Hs.shape[0], d):
            raise ValueError(f"SampledQuadratics shapes {Hs.shape}, {bs.shape} do not fit dimension {d}")
        if np.max(np.abs(bs.mean(axis=0))) > 1e-12 * max(1.0, np.max(np.abs(bs))):
            raise ValueError("SampledQuadratics offsets must average to zero")
    B = lr.size
    needs_rng = random_delay or (noise is not None and not (isinstance(noise, GaussianNoise) and noise.std == 0))
    gens = _rngs(rng, B, 2, need=(random_delay, noise is not None)) if needs_rng else None

    dev0 = start - xs
    basis = None
    if not diagonal and not sampled:
        # Work in the eigenbasis of H: distances are unchanged, isotropic Gaussian noise
        # keeps its law, and each step costs O(batch * d) instead of a matrix product.
        H, basis = np.linalg.eigh(H)
        diagonal = True
        dev0 = basis.T @ dev0
    X = np.empty((L, B, d))
    X[:] = dev0  # deviations x - x*, constant history
    V = np.zeros((L, B, d)) if momentum != "none" else None
    cols = np.arange(B)
    step_size = lr[:, None] * (1.0 - m if momentum != "none" else 1.0)
    gbuf = np.empty((B, d))
    frozen = False
    d0 = float(np.linalg.norm(dev0))
    lim = blowup * (d0 if d0 > 0 else 1.0)
    limit2 = lim * lim if lim < 1e150 else np.inf
    alive = np.ones(B, dtype=bool)
    diverged_at = np.full(B, -1, dtype=np.int64)
    norms = np.empty((steps + 1, B)) if record_norms else None
    if record_norms:
        norms[0] = d0
    mean_path = np.empty((steps + 1, d)) if record_mean else None
    if record_mean:
        mean_path[0] = dev0
    window = max(1, min(steps // 4, 8 * (K + 2)))
    mid = steps // 2
    wmax_mid = np.zeros(B)
    if mid - window < 0:  # a short run: the start belongs to the mid-run window
        wmax_mid[:] = d0 * d0
    wmax_end = np.zeros(B)
    taus = None
    noise_block = None
    sample_block = None

    kernel = _compiled_kernel(engine, diagonal and not sampled and not record_mean)
    if kernel is not None:
        steps_kernel, modes = kernel
        mode = modes[momentum]
        no_taus, no_noise = np.zeros((0, 0), dtype=np.int64), np.zeros((0, 0, 0))
        Vk = V if V is not None else np.zeros((0, 0, 0))
        hk = np.ascontiguousarray(H, dtype=float)
        ss = np.ascontiguousarray(step_size[:, 0])
        nk = norms if record_norms else np.zeros((0, 0))
        block = chunk if gens is not None else steps
        for t0 in range(0, steps, block):
            n = min(block, steps - t0)
            tk, zk = no_taus, no_noise
            if gens is not None:  # the same draws, in the same order, as the numpy loop
                if random_delay:
                    tk = _delay_draws(gens, pmf, n)
                if isinstance(noise, GaussianNoise) and noise.std > 0:
                    zk = np.stack([g[1].standard_normal((n, d)) for g in gens], axis=1) * noise.std
            steps_kernel(X, Vk, hk, ss, float(m), mode, K, t0, t0 + n, tk, zk, alive, diverged_at, limit2,
                         nk, mid, window, steps, wmax_mid, wmax_end)
    else:
        with np.errstate(over="ignore", invalid="ignore"):  # diverging runs may overflow
            for t in range(steps):
                j = t % chunk
                if j == 0 and gens is not None:
                    n = min(chunk, steps - t)
                    if random_delay:
                        taus = _delay_draws(gens, pmf, n)
                    if isinstance(noise, GaussianNoise) and noise.std > 0:
                        noise_block = np.stack([g[1].standard_normal((n, d)) for g in gens], axis=1) * noise.std
                    elif sampled:
                        sample_block = np.stack([g[1].integers(0, Hs.shape[0], size=n) for g in gens], axis=1)
                cur = t % L
                if random_delay:
                    slot = (t - taus[j]) % L
                    xd = X[slot, cols]
                else:
                    slot = (t - K) % L
                    xd = X[slot]
                if sampled:
                    idx = sample_block[j]
                    if Hs.ndim == 2:
                        grad = Hs[idx] * xd + bs[idx]
                    else:
                        grad = np.einsum("bij,bj->bi", Hs[idx], xd) + bs[idx]
                elif diagonal:
                    grad = np.multiply(xd, H, out=gbuf)
                else:
                    grad = np.matmul(xd, H, out=gbuf)
                if noise_block is not None:
                    grad += noise_block[j]
                nxt = (t + 1) % L
                grad *= step_size  # eta, or eta (1 - m) with momentum (dampening)
                if momentum == "none":
                    np.subtract(X[cur], grad, out=X[nxt])
                else:
                    if momentum == "standard":
                        v_prev = V[cur]
                    else:
                        v_prev = V[slot, cols] if random_delay else V[slot]
                    new_v = V[nxt]
                    np.multiply(v_prev, m, out=new_v)
                    new_v -= grad
                    np.add(X[cur], new_v, out=X[nxt])
                if frozen:  # diverged configurations keep their last state
                    X[nxt][~alive] = X[cur][~alive]
                    if momentum != "none":
                        V[nxt][~alive] = V[cur][~alive]
                new_x = X[nxt]
                sq = np.einsum("bi,bi->b", new_x, new_x)  # squared distances; sqrt only where needed
                if record_norms:
                    norms[t + 1] = np.sqrt(sq)
                if record_mean:
                    np.mean(new_x, axis=0, out=mean_path[t + 1])
                if not (sq <= limit2).all():  # also catches NaN
                    bad = alive & ~(sq <= limit2)
                    diverged_at[bad] = t + 1
                    alive &= ~bad
                    frozen = True
                s = t + 1
                if mid - window < s <= mid:
                    np.maximum(wmax_mid, sq, out=wmax_mid)
                if s > steps - window:
                    np.maximum(wmax_end, sq, out=wmax_end)

    last = X[steps % L]
    with np.errstate(invalid="ignore"):
        scale = np.max(np.abs(last), axis=1)  # scaled norm: a finite iterate has a finite distance
        final = scale * np.sqrt(np.einsum("bi,bi->b", last / np.where(scale > 0, scale, 1.0)[:, None],
                                          last / np.where(scale > 0, scale, 1.0)[:, None]))
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = 0.5 * (np.log(wmax_end) - np.log(wmax_mid)) / max(1, steps - mid)
    rate = np.where(wmax_end == 0, -np.inf, rate)  # at the minimum: nothing left to measure
    rate = np.where(diverged_at >= 0, np.inf, rate)
    last = X[steps % L]
    if basis is not None:
        last = last @ basis.T
        if mean_path is not None:
            mean_path = mean_path @ basis.T
    return KernelResult(diverged_at >= 0, diverged_at, final, rate, last + xs, norms, mean_path)


@dataclass(frozen=True)
class EdgeResult:
    """Largest non-diverging learning rate found by simulation, with its bracket."""

    eta: float
    bracket: tuple[float, float]
    rounds: int
    steps: int


def edge_learning_rate(sharpness: float, delay, *, momentum: str = "none", m: float = 0.0,
                       steps: int | None = None, grid: int = 24, rtol: float = 2e-3) -> EdgeResult:
    """Largest learning rate at which delayed SGD does not diverge, found by simulation.

    Runs the kernel on the scalar quadratic ``f(x) = a x**2 / 2`` (noise-free, start at
    ``x = 1``) and brackets the edge by batched bisection: every round simulates ``grid``
    learning rates spread geometrically over the current bracket in one batch and keeps
    the cell between the last stable and the first unstable one.  A rate counts as
    unstable when the distance to the minimum grew by 1e6 or its estimated asymptotic
    growth rate (see :class:`KernelResult`) is positive.

    Parameters
    ----------
    sharpness : float
        ``a > 0``.
    delay : int or DelayDistribution
        A constant delay for the comparison with theory; a distribution makes every
        rate's single run draw its own delays (seeded, see the README on what this
        measures).
    momentum : {"none", "standard", "shifted"}
    m : float
        Momentum coefficient.
    steps : int, optional
        Updates per run; default ``400 (K + 2) + 4000``, at least ``4 (K + 2)`` (a
        shorter run cannot see the delay act).
    grid : int
        Learning rates per round, ``1..10000``.
    rtol : float
        Stop when the bracket is narrower than this (relative), ``1e-10 <= rtol < 1``.

    Returns
    -------
    EdgeResult
        ``eta`` is the geometric centre of the final bracket.

    Raises
    ------
    TypeError, ValueError
        Bad input.
    OverflowError
        (an :class:`ArithmeticError`) ``eta = alpha / a`` overflows or underflows for an
        extreme sharpness (the dynamics depend on ``alpha = a eta`` only, so the
        simulation runs at ``a = 1`` and divides at the end).

    Notes
    -----
    Resolution: the bracket is narrower than ``rtol`` = 0.2%, but a run only tells the
    sign of the growth rate reliably when ``|log rho|`` times ``steps / 2`` is well above
    1; near the edge ``|log rho|`` is about ``(0.7 / (tau + 1)) * |eta / eta* - 1|``, so
    the default number of steps resolves the edge to within 1% for constant delays up to
    64 (tested against :func:`stability.threshold` for all three schemes and
    ``m <= 0.9``).  It does not use the theory to place its bracket: it starts from
    ``[1e-4, 4 (1 + m) / (1 - m)] / a`` and widens upward if needed.
    """
    a = check_real(sharpness, "sharpness")
    if a <= 0:
        raise ValueError(f"sharpness must be > 0, got {a!r}")
    momentum, m = check_momentum(momentum, m)
    grid = check_count(grid, "grid", high=10_000)
    rtol = check_real(rtol, "rtol", low=1e-10, high=1.0, high_inclusive=False)
    K = as_pmf(delay).size - 1
    steps = 400 * (K + 2) + 4000 if steps is None else check_count(steps, "steps", low=4 * (K + 2), high=MAX_STEPS)
    # The noise-free dynamics depend on alpha = a * eta only: bracket alpha at a = 1 and
    # divide at the end, so that no extreme sharpness can overflow the simulation.
    lo, hi = 1e-4, 4.0 * (1.0 + m) / (1.0 - m)
    random_delay = np.count_nonzero(as_pmf(delay)) > 1
    rounds = 0

    def unstable(alphas):
        res = run_delayed_sgd(np.array([1.0]), alphas, delay, momentum=momentum, m=m, steps=steps,
                              rng=12345 if random_delay else None)
        return res.diverged | (res.growth_rate > 0)

    while not unstable(np.array([hi]))[0]:
        hi *= 4.0
        if hi > 1e6:
            raise ArithmeticError(f"no divergence found up to eta={hi / a:.3g}")
    while hi / lo - 1.0 > rtol:
        rounds += 1
        etas = np.geomspace(lo, hi, grid + 2)[1:-1]
        bad = unstable(etas)
        first = int(np.argmax(bad)) if bad.any() else grid
        new_lo = lo if first == 0 else etas[first - 1]
        new_hi = hi if first == grid else etas[first]
        lo, hi = new_lo, new_hi
    what = f"edge_learning_rate(sharpness={a!r}, ...)"
    eta = check_result(math.sqrt(lo) * math.sqrt(hi) / a, what)
    bracket = (check_result(float(lo) / a, what + " bracket"), check_result(float(hi) / a, what + " bracket"))
    return EdgeResult(eta, bracket, rounds, steps)


def _edge_of_config(config) -> EdgeResult:
    """One point of :func:`edge_learning_rates` (module level, so that executors can pickle it)."""
    sharpness, delay, momentum, m = config
    return edge_learning_rate(sharpness, delay, momentum=momentum, m=m)


def edge_learning_rates(configs, *, executor=None, chunksize: int = 1) -> list[EdgeResult]:
    """:func:`edge_learning_rate` for many configurations, optionally on an executor.

    Parameters
    ----------
    configs : iterable of (sharpness, delay, momentum, m)
        One tuple per configuration, with the meaning of :func:`edge_learning_rate`'s
        arguments (default ``steps``, ``grid`` and ``rtol``).
    executor : concurrent.futures.Executor, optional
        Any executor: a ``ProcessPoolExecutor``, or a cluster's (dask's
        ``Client.get_executor(pure=False)``).  None runs serially.  Each configuration
        is a deterministic computation (random delays use a fixed seed), so the results
        are identical either way.
    chunksize : int
        Configurations per task handed to ``executor.map``.

    Returns
    -------
    list of EdgeResult
        In input order.
    """
    points = []
    for c in configs:
        if not isinstance(c, (tuple, list)) or len(c) != 4:
            raise TypeError(f"each configuration must be a (sharpness, delay, momentum, m) tuple, got {c!r}")
        points.append(tuple(c))
    chunksize = check_count(chunksize, "chunksize")
    if executor is None:
        return [_edge_of_config(p) for p in points]
    if not callable(getattr(executor, "map", None)):
        raise TypeError(f"executor must be a concurrent.futures.Executor (with a map method), got {executor!r}")
    return list(executor.map(_edge_of_config, points, chunksize=chunksize))
