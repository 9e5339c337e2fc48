"""The edge of stability ``alpha* = a * eta`` and the learning-rate rule built on it."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ._validation import check_count, check_degree, check_momentum, check_real, check_result
from .closed_forms import edge_constant_delay
from .delays import as_pmf, mean_delay
from .locus import locus_edge, locus_edges
from .polynomials import polynomial_pair
from .roots import eigenvalue_roots, polished_roots, polynomial_roots

__all__ = ["ThresholdResult", "threshold", "threshold_result", "threshold_array", "sweep",
           "scaled_learning_rate", "scaled_learning_rate_approx", "reference_configuration", "SCAN_RATIO",
           "METHODS"]

#: Ratio between consecutive points of the upward scan that locates the first crossing.
SCAN_RATIO = 1.25
#: The scan starts this many times below a rough estimate of the edge.
_SCAN_START_FACTOR = 2.0**-4
#: Give up (and say so) if no crossing is found below this alpha.
_ALPHA_MAX = 1e12


@dataclass(frozen=True)
class ThresholdResult:
    """The edge of stability with the evidence for it.

    Attributes
    ----------
    alpha : float
        ``alpha* = a * eta`` at the edge: the smallest ``alpha > 0`` with ``rho(alpha) = 1``.
    method : str
        ``"brentq"`` (scan + brentq on ``rho - 1`` from the companion matrix's eigenvalues,
        the reference) or
        ``"locus"`` (boundary locus, no eigenvalues).
    angle : float
        Argument in ``[0, pi]`` of the root that reaches the unit circle at ``alpha``.
    residual : float
        ``"brentq"``: ``rho(alpha) - 1``.  ``"locus"``: ``|c(z)| / (|P(z)| + alpha |Q(z)|)``
        at ``z = exp(i angle)``, the relative residual of the root on the circle.
    bracket : tuple of float or None
        ``"brentq"``: ``(lo, hi)`` with ``rho(lo) < 1 <= rho(hi)``, every scanned point
        below ``lo`` stable.  ``"locus"``: None.
    iterations : int
        ``"brentq"``: brentq iterations.  ``"locus"``: zeros of the locus located (each a
        certified sign change of ``h``) plus ``theta = pi``.
    function_calls : int
        ``"brentq"``: evaluations of ``rho`` (each one eigenvalue computation of
        :func:`polynomial_roots`).  ``"locus"``: 0.
    certified : bool
        True when no crossing below ``alpha`` can have been missed (``"locus"``: the
        certificate of :mod:`stability.locus`); False for ``"brentq"``, whose scan can
        step over an unstable window shorter than a factor ``SCAN_RATIO``.
    margin : float or None
        ``"locus"``: the smallest certified lower bound of ``|h|`` (or ``|h'|/N``) over
        the cells of the grid and its bisections, relative to the bound on ``||h||``
        (positive by construction: the slack of the weakest exclusion).  None for brentq.
    alpha_margin : float or None
        ``"locus"``: the smallest ``|alpha|_lower / alpha - 1`` over the intervals that
        were discarded because no crossing in them can lie below ``alpha`` (positive by
        construction; None if no interval was discarded).  None for brentq.
    refined : int
        ``"locus"``: zeros refined by Newton's method plus intervals bisected.  0 for
        brentq.
    """

    alpha: float
    method: str
    angle: float
    residual: float
    bracket: tuple[float, float] | None = None
    iterations: int = 0
    function_calls: int = 0
    certified: bool = False
    margin: float | None = None
    alpha_margin: float | None = None
    refined: int = 0

    @property
    def inverse(self) -> float:
        """``1 / alpha*``, the quantity the paper plots."""
        return 1.0 / self.alpha


def _rough_edge(delay, momentum: str, m: float) -> float:
    """A cheap estimate of the edge, only used to place the scan (too high costs one more
    point per factor 16, too low a longer scan; either way the scan stays correct)."""
    est = edge_constant_delay(mean_delay(delay)) if mean_delay(delay) > 0 else 2.0
    if momentum == "standard" and as_pmf(delay).size == 1:
        est = 2.0 * (1.0 + m) / (1.0 - m)
    return est


METHODS = ("auto", "brentq", "locus")


def threshold_result(delay, *, momentum: str = "none", m: float = 0.0, method: str = "auto") -> ThresholdResult:
    """Edge of stability with the evidence for it (method, angle, residual, bracket).

    See :func:`threshold` for the methods, their accuracy and the parameters.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    momentum, m = check_momentum(momentum, m)
    P, Q = polynomial_pair(delay, momentum=momentum, m=m)
    if method in ("auto", "locus"):
        check_degree(P.size - 1, f"delay with largest value {as_pmf(delay).size - 1}", method="locus")
        return _locus_result(P, Q, f"delay={delay!r}, momentum={momentum!r}, m={m!r}")
    return _brentq_result(P, Q, delay, momentum, m)


def _locus_result(P, Q, label: str = "") -> ThresholdResult:
    try:
        e = locus_edge(P, Q)
    except ArithmeticError as err:
        raise ArithmeticError(f"{label}: {err}" if label else str(err)) from None
    return ThresholdResult(e.alpha, "locus", e.theta, e.residual, None, e.candidates, 0,
                           certified=True, margin=e.margin,
                           alpha_margin=None if math.isinf(e.alpha_margin) else e.alpha_margin,
                           refined=e.refined)


def _brentq_result(P, Q, delay, momentum, m) -> ThresholdResult:
    check_degree(P.size - 1, f"delay with largest value {as_pmf(delay).size - 1}")
    calls = 0
    eigen = {}  # alpha -> (c, monic, eigenvalues): the scan's last points, polished on demand
    seen = {}  # alpha -> (rho - 1, roots): brentq re-evaluates the bracket's ends, and the
    #           result's angle needs the roots at the last point it evaluated

    def eigenvalues(alpha: float):
        nonlocal calls
        if alpha not in eigen:
            calls += 1
            if len(eigen) >= 8:
                eigen.pop(next(iter(eigen)))  # the oldest
            eigen[alpha] = eigenvalue_roots(P + alpha * Q)
        return eigen[alpha]

    def rough_gap(alpha: float) -> float:
        """rho - 1 from the eigenvalues before the polish (the scan's stability test)."""
        return float(np.max(np.abs(eigenvalues(alpha)[2]))) - 1.0

    def gap(alpha: float) -> float:
        """rho - 1 from the polished roots, :func:`polynomial_roots` (what brentq solves)."""
        if alpha not in seen:
            roots = polished_roots(*eigenvalues(alpha))
            if len(seen) >= 4:
                seen.pop(next(iter(seen)))  # the oldest
            seen[alpha] = (float(np.max(np.abs(roots))) - 1.0, roots)
        return seen[alpha][0]

    est = _rough_edge(delay, momentum, m)

    def scan(test):
        # 1. A point strictly inside the stable interval.  rho(alpha) -> 1 from below as
        #    alpha -> 0+, so step down until rho < 1 is seen (normally at once).
        lo = est * _SCAN_START_FACTOR
        g_lo = test(lo)
        while g_lo >= 0.0:
            lo /= 16.0
            if lo < est * 1e-14:
                raise ArithmeticError(
                    f"no stable alpha found down to {lo:.3g}: rho - 1 = {g_lo:.3g} (delay={delay!r}, "
                    f"momentum={momentum!r}, m={m!r}); the roots may be too close to the unit circle "
                    "to resolve in double precision"
                )
            g_lo = test(lo)
        # 2. Walk up by SCAN_RATIO until rho >= 1: every point visited below the bracket is
        #    stable, so the bracket holds the first crossing (up to excursions shorter than a
        #    factor SCAN_RATIO, which the tests rule out against an independent method).
        hi, g_hi = lo, g_lo
        while g_hi < 0.0:
            lo, g_lo = hi, g_hi
            hi = lo * SCAN_RATIO
            if hi > _ALPHA_MAX:
                raise ArithmeticError(f"no edge found below alpha={_ALPHA_MAX:g} for delay={delay!r}")
            g_hi = test(hi)
        return lo, hi

    # The scan decides stability from the eigenvalues as computed (the polish moves rho by
    # about 1e-12 at most here, and costs a fifth to a half of an evaluation); the bracket's
    # ends are then confirmed with the polished roots from the same eigenvalues, and if
    # either disagrees the scan is run again with the polished roots throughout.
    lo, hi = scan(rough_gap)
    if not gap(lo) < 0.0 <= gap(hi):
        lo, hi = scan(gap)
    g_hi = gap(hi)
    if g_hi == 0.0:
        alpha, iterations = hi, 0
    else:
        from scipy.optimize import brentq  # lazily: not on the command line's default path

        alpha, info = brentq(gap, lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps,
                             maxiter=200, full_output=True)
        alpha, iterations = float(alpha), info.iterations
    roots = seen[alpha][1] if alpha in seen else polynomial_roots(P + alpha * Q)
    top = roots[np.argmax(np.abs(roots))]
    return ThresholdResult(alpha, "brentq", abs(float(np.angle(top))), float(np.abs(top)) - 1.0,
                           (lo, hi), iterations, calls)


def threshold(delay, *, momentum: str = "none", m: float = 0.0, method: str = "auto",
              criterion: str = "mean") -> float:
    """Edge of stability: the smallest ``alpha = a*eta > 0`` with ``rho(alpha) = 1``.

    Below it every root of the characteristic polynomial lies strictly inside the unit
    circle and the minimum of sharpness ``a`` is stable (in expectation); at it the
    largest root reaches the circle.  For plain A-SGD with a constant delay this is paper
    eq. 6, ``2 sin(pi / (4 tau + 2))``.

    Parameters
    ----------
    delay : int or DelayDistribution
        Constant delay ``tau >= 0`` or a delay distribution.
    momentum : {"none", "standard", "shifted"}
        Optimizer: plain A-SGD (eq. 2), dampened heavy ball (eq. 9) or shifted momentum
        (eq. 10).
    m : float
        Momentum coefficient, ``0 <= m <= 0.9999`` (0 for ``"none"``).  Accuracy near
        ``m = 1``: the polynomial has a nearly double root at ``z = 1``.  The locus method
        evaluates ``P`` through ``P / (z - 1)`` and keeps the 1e-10 promise for every
        allowed ``m`` and delay (at most 1.1e-12 measured against 40-digit truths, standard
        and shifted momentum, ``m`` up to 0.9999, constant delays up to ``1e6``).  The
        brentq method's relative error grows like ``eps (K + 1) / (1 - m)`` for delays up
        to ``K`` (e.g. 1e-10 at ``K = 32``, ``1 - m = 1e-4``).  Beyond ``0.9999`` ``m`` is
        refused (ValueError naming it and the limit ``_validation.MAX_MOMENTUM``).
    method : {"auto", "locus", "brentq"}
        ``"locus"``: the boundary-locus method of :mod:`stability.locus` (no eigenvalue
        solver, any delay length).  ``"brentq"``: the reference method below, built on
        :func:`numpy.roots`.  ``"auto"`` (default) picks ``"locus"``, which is valid for
        every polynomial here; :func:`threshold_result` says which method ran.
    criterion : {"mean", "mean-square", "almost-sure"}
        Which stability: ``"mean"`` (default, the paper's: the expected iterate),
        ``"mean-square"`` (``E[x_t^2] -> 0``, exact, :func:`stability.moments.mean_square_edge`)
        or ``"almost-sure"`` (one run converges: the top Lyapunov exponent crosses 0,
        estimated by seeded simulation to about 1%,
        :func:`stability.moments.almost_sure_edge` with its defaults).  For a constant
        delay the three coincide and the mean edge is returned for all of them; ``method``
        only concerns the mean edge.

    Returns
    -------
    float
        ``alpha*``.  The largest stable learning rate at sharpness ``a`` is ``alpha*/a``.

    Raises
    ------
    TypeError, ValueError
        Bad delay, momentum name, coefficient or method; a delay above ``2**20`` (checked
        from the delay's description, before any array is allocated).  With ``method="brentq"`` a
        polynomial of degree above 2050 (delays beyond about 2048) is refused: numpy.roots
        cannot handle it in reasonable time; the locus method takes degrees up to
        ``2**20 + 2`` (delays of about a million).
    ArithmeticError
        The locus method could not certify that no crossing hides below the value it
        found (the message names the configuration), or no crossing exists.  Observed for
        valid input: ``{0: .5, K: .5}`` from ``K`` of about ``10^5`` (every crossing at
        exactly ``alpha = 2``, next to a pole), and dense pmfs with ``m = 0.9999`` (a
        geometric pmf of ratio 0.99 and ``K = 3000`` with shifted momentum).

    Notes
    -----
    **Locus method** (default), certified.  A root is on the unit circle at
    ``z = e^{i theta}`` iff ``alpha = -P(z)/Q(z)`` is real there, i.e. iff
    ``g(theta) = Im(P conj Q) = 0``; the edge is the smallest positive such ``alpha`` over
    ``theta`` in ``(0, pi)`` and ``theta = pi``.  No crossing can be missed:
    ``f = g / sin(theta/2)`` is a cosine polynomial of known degree (its coefficients come
    from one FFT cross-correlation of the coefficients of ``P`` and ``Q``); on a grid of
    at least 4 points per ``pi / n`` its first derivatives come from FFTs, and Taylor's
    theorem with Bernstein's inequality as remainder certifies every cell as zero-free or
    monotone (so holding exactly the zeros its sign pattern shows); cells that cannot be
    certified are refined (finer grid, then bisection).  A zero of ``g`` is skipped only
    if a certified lower bound of ``|alpha| = |P|/|Q|`` on its cell exceeds an edge already
    found; the others are refined by Newton's method.  Poles (``Q = 0`` on the circle,
    where ``g`` vanishes too) are rejected: a candidate is accepted only if
    ``|P + alpha Q| / (|P| + |alpha Q|) <= 1e-6`` there.  If a cell that could hide a
    crossing below the edge cannot be certified in double precision, ArithmeticError is
    raised instead of returning a value.  The rounding term in the bounds is a generous
    model of FFT rounding, not interval arithmetic.  See :mod:`stability.locus` for the
    details and :class:`ThresholdResult` for the evidence (``margin``, ``alpha_margin``,
    ``refined``, ``residual``).  Cost ``O(n log n)`` for every pmf (dense ones included).
    Tested against an independent 30-digit truth (real roots of the crossing polynomial
    in ``cos(theta)``, exact integer arithmetic) at relative 1e-10 on adversarial pmfs
    (two point masses, gaps, geometric tails, tiny far weights; support up to 256,
    ``m <= 0.99``), and with eq. 6 up to ``tau = 100000`` (measured error: at most about
    2e-12; it grows like ``eps / theta`` for longer delays: 1.3e-11 at ``tau = 1e6``).
    Where a root pair only touches the circle at the edge (a double zero of ``g``) the
    accuracy is about 1e-8 (``sqrt(eps)`` in the angle), and within about 1e-7 of such a
    pmf, where the pair does cross, about 4e-10 (measured: 4.4e-10, on either side of the
    edge).

    **Brentq method** (reference).  ``rho(alpha) - 1`` tends to 0 from below as
    ``alpha -> 0+`` (the root ``z = 1`` moves inward with ``dz/dalpha = -1``) and is not
    monotone, so a bracket for the root finder must start strictly inside the stable
    interval and end at the *first* sign change.
    The method:

    1. start at ``alpha_0 = est / 16`` where ``est`` is a rough estimate of the edge
       (eq. 6 at the mean delay; exact for plain A-SGD with a constant delay), and check
       ``rho(alpha_0) < 1`` (dividing further by 16 until it is).  The start was
       ``est / 256``; from ``est / 16`` the scan visits about 12 points fewer (measured
       over 70 configurations of every scheme and delay type: 37% fewer numpy.roots
       calls, the same edges to 4e-12 relative);
    2. walk up geometrically by a factor 1.25 until ``rho >= 1``; the last two points are
       the bracket ``(lo, hi)``, and every point visited below ``lo`` is stable.  Steps 1
       and 2 read ``rho`` from the eigenvalues before their Newton polish (which moves
       ``rho`` by about 1e-12 at most here and costs a fifth to a half of an evaluation);
       ``rho`` at ``lo`` and ``hi`` is then recomputed from the polished roots of the same
       eigenvalues, and if that contradicts the bracket, steps 1 and 2 are repeated with
       polished roots throughout;
    3. :func:`scipy.optimize.brentq` on ``rho(alpha) - 1`` over ``(lo, hi)`` with
       ``xtol=1e-300, rtol=4*eps``, i.e. until the bracket is as narrow as double
       precision allows; ``rho`` comes from the eigenvalues of the balanced companion
       matrix (numpy.roots; LAPACK's ``dlahqr`` directly for degrees 75 to 1024) with
       each root Newton-polished (see :func:`polynomial_roots`).

    Its limit: a root that leaves and re-enters the circle between two scan points (an
    unstable window shorter than a factor 1.25 in ``alpha``) is stepped over, and the
    result is then a later crossing, not the edge.  It is a cross-check, not a
    certificate (``ThresholdResult.certified`` is False); the tests compare it with the
    certified method and an independent truth where it is affordable.

    Accuracy: relative error below 1e-10 (measured: at most about 2e-12, typically
    1e-14) for constant delays up to
    256, all three schemes with ``0 <= m <= 0.99``, and uniform, discretised-Gaussian and
    empirical delays with support up to 128.  The error grows with the degree because
    the roots of a degree-``n`` polynomial cluster near the unit circle; beyond these
    ranges it is not promised.  Each ``rho`` costs ``O(K**3)``: about 1 ms at
    ``tau = 64`` and 20 ms at ``tau = 256`` (60 ms through numpy.roots' multishift QR,
    before ``dlahqr`` was called directly; the edges moved by at most 5.2e-12 relative
    over 527 configurations of every scheme and delay type, their error against the
    certified method stayed 8.1e-12 at most: ``benchmarks/accuracy_brentq_routes.py``).

    Examples
    --------
    >>> round(threshold(32), 10)
    0.0483274905
    >>> threshold_result(32, method="brentq").method
    'brentq'
    >>> abs(threshold(32, method="brentq") / threshold(32, method="locus") - 1) < 1e-10
    True
    >>> round(threshold(0, momentum="standard", m=0.5), 10)   # heavy ball: 2(1+m)/(1-m)
    6.0
    """
    if criterion != "mean":
        from .moments import criterion_edge

        if method not in METHODS:  # checked here too: a random delay may never reach the mean edge
            raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")

        return criterion_edge(delay, momentum=momentum, m=m, criterion=criterion,
                              mean_edge=lambda: threshold_result(delay, momentum=momentum, m=m,
                                                                 method=method).alpha)
    return threshold_result(delay, momentum=momentum, m=m, method=method).alpha


def threshold_array(delays, *, momentum: str = "none", m=0.0, method: str = "auto",
                    criterion: str = "mean") -> np.ndarray:
    """Edges for arrays of delays and momentum coefficients, broadcast together.

    Parameters
    ----------
    delays : int, DelayDistribution, or array_like of them
        Constant delays (an integer array) or a sequence of delays/distributions.
    momentum : {"none", "standard", "shifted"}
    m : float or array_like
        Momentum coefficients; broadcast against ``delays`` with numpy's rules.
    method : {"auto", "locus", "brentq"}
        As for :func:`threshold`.
    criterion : {"mean", "mean-square", "almost-sure"}
        As for :func:`threshold`.

    Returns
    -------
    ndarray
        ``alpha*`` with the broadcast shape of ``delays`` and ``m``: each entry is exactly
        (bit for bit) what :func:`threshold` returns for its point.

    Notes
    -----
    With the locus method and the mean criterion the points whose polynomials are sparse
    (constant delays, short supports; degree below 4096) are computed together by
    :func:`stability.locus.locus_edges`, the same certified computation vectorised over
    points (on ``tau = 0..1024`` x 5 momenta about 4x faster than a loop over
    :func:`threshold`, 6x faster than the loop issue #14 measured:
    ``benchmarks/bench_threshold_array.py``); every other
    point, and every point refused or left by the batch, goes through :func:`threshold`.

    Examples
    --------
    >>> threshold_array([0, 1], m=[[0.0], [0.5]], momentum="standard").round(6)
    array([[2., 1.],
           [6., 1.]])
    """
    d = np.empty(len(delays), dtype=object) if isinstance(delays, (list, tuple)) else None
    if d is not None:
        d[:] = list(delays)
    else:
        d = np.asarray(delays, dtype=object)
    b = np.broadcast(d, np.asarray(m, dtype=float))
    out = np.empty(b.shape)
    points = []
    for delay, mm in b:
        delay = int(delay) if isinstance(delay, (int, np.integer)) and not isinstance(delay, bool) else delay
        points.append((delay, float(mm)))
    edges = [None] * len(points)
    if method in ("auto", "locus") and criterion == "mean" and points:
        edges = _locus_edges(points, momentum)
    for i, (delay, mm) in enumerate(points):
        out.flat[i] = (edges[i].alpha if edges[i] is not None
                       else threshold(delay, momentum=momentum, m=mm, method=method, criterion=criterion))
    return _finite_edges(out)


def _locus_edges(points, momentum: str) -> list:
    """The certified locus edges of many ``(delay, m)`` points at once (None where a point
    needs the general method, or is refused: :func:`threshold` then handles it alone).

    :func:`stability.locus.locus_edges` computes each point exactly as
    :func:`stability.locus.locus_edge` would (the same numbers, bit for bit)."""
    pairs, where = [], []
    for i, (delay, mm) in enumerate(points):
        try:
            mom, mm = check_momentum(momentum, mm)
            P, Q = polynomial_pair(delay, momentum=mom, m=mm)
            check_degree(P.size - 1, "delay", method="locus")
        except (TypeError, ValueError):
            continue  # threshold() raises the error with its own message
        pairs.append((P, Q))
        where.append(i)
    edges = [None] * len(points)
    for i, e in zip(where, locus_edges(pairs)):
        edges[i] = e
    return edges


def _finite_edges(out: np.ndarray) -> np.ndarray:
    """Never hand back a silently non-finite edge (each one comes from :func:`threshold`)."""
    bad = np.flatnonzero(~np.isfinite(out))
    if bad.size:
        raise ArithmeticError(f"edge number {bad[0]} came out as {out.flat[bad[0]]!r}")
    return out


def _edge_of(config) -> float:
    """One point of a sweep (module level, so that process pools can pickle it)."""
    delay, momentum, m, method, criterion = config
    return threshold(delay, momentum=momentum, m=m, method=method, criterion=criterion)


def sweep(configs, *, method: str = "auto", executor=None, chunksize: int = 16,
          criterion: str = "mean") -> np.ndarray:
    """Edges for many configurations, optionally spread over a ``concurrent.futures.Executor``.

    Parameters
    ----------
    configs : iterable of (delay, momentum, m)
        One tuple per point; a delay is an ``int`` or a :class:`DelayDistribution`.
    method : {"auto", "locus", "brentq"}
        As for :func:`threshold`.
    executor : concurrent.futures.Executor, optional
        Any executor: a ``ProcessPoolExecutor`` for local cores, or a cluster's (dask's
        ``Client.get_executor(pure=False)`` is one); the toolkit depends on neither.
        None runs serially.  The result is identical either way (each point is a
        deterministic computation).
    chunksize : int
        Points per task handed to ``executor.map`` (executors that ignore it are fine).
    criterion : {"mean", "mean-square", "almost-sure"}
        As for :func:`threshold` (the almost-sure edge is seeded, so still identical).

    Returns
    -------
    ndarray
        ``alpha*`` per configuration, in input order.
    """
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; expected one of {METHODS}")
    if isinstance(configs, (str, bytes)) or not hasattr(configs, "__iter__"):
        raise TypeError(f"configs must be an iterable of (delay, momentum, m) tuples, got {configs!r}")
    from .moments import check_criterion

    criterion = check_criterion(criterion)
    points = []
    for c in configs:
        if not isinstance(c, (tuple, list)) or len(c) != 3:
            raise TypeError(f"each configuration must be a (delay, momentum, m) tuple, got {c!r}")
        points.append((c[0], c[1], c[2], method, criterion))
    if executor is None:
        return _finite_edges(np.array([_edge_of(p) for p in points], dtype=float))
    chunksize = check_count(chunksize, "chunksize")
    if not callable(getattr(executor, "map", None)):
        raise TypeError(f"executor must be a concurrent.futures.Executor (with a map method), got {executor!r}")
    return _finite_edges(np.array(list(executor.map(_edge_of, points, chunksize=chunksize)), dtype=float))


def reference_configuration(momentum: str, m: float, reference_momentum: str | None,
                            reference_m: float | None) -> tuple[str, float]:
    """The reference optimizer and coefficient :func:`scaled_learning_rate` uses."""
    ref_momentum = momentum if reference_momentum is None else reference_momentum
    if reference_m is None:
        reference_m = m if ref_momentum == momentum else 0.0
    return check_momentum(ref_momentum, reference_m, names=("reference_momentum", "reference_m"))


def scaled_learning_rate(eta0: float, delay, *, momentum: str = "none", m: float = 0.0,
                         reference=0, reference_momentum: str | None = None,
                         reference_m: float | None = None, criterion: str = "mean-square") -> float:
    """Learning rate that keeps the same minima stable after a change of delay or momentum.

    Paper eq. 8 done exactly: if ``eta0`` is at the edge of stability for a minimum of
    sharpness ``a = alpha*_ref / eta0`` in the reference configuration, the target
    configuration keeps that minimum exactly at its edge with

    .. math::  \\eta = \\eta_0 \\, \\alpha^*_{\\rm target} / \\alpha^*_{\\rm ref}.

    Parameters
    ----------
    eta0 : float
        Learning rate (``> 0``) in the reference configuration.
    delay : int or DelayDistribution
        Target delay.
    momentum, m :
        Target optimizer and momentum coefficient.
    reference : int or DelayDistribution, optional
        Reference delay, default 0 (synchronous training).
    reference_momentum, reference_m : optional
        Reference optimizer and coefficient; by default the target's optimizer, and the
        target's ``m`` when the optimizers are the same (0 otherwise).
    criterion : {"mean-square", "mean", "almost-sure"}
        Edge used in both configurations.  Default ``"mean-square"``: for a random delay
        the paper's mean edge can be far above what one run survives (8x for a
        parameter-server staleness histogram), while mean-square stability implies that
        almost every run converges.  For constant delays all criteria give the same rate.

    Returns
    -------
    float
        The rescaled learning rate; its relative accuracy is that of :func:`threshold`
        (1e-10) in both configurations, except with ``criterion="almost-sure"`` and a
        random delay: that edge is simulated (seeded; 95% CI of about 1%).

    Raises
    ------
    TypeError, ValueError
        Bad input (as for :func:`threshold`, and ``eta0`` not finite and ``> 0``).
    OverflowError
        (an :class:`ArithmeticError`) The rescaled rate overflows or underflows double
        precision (for example ``eta0 = 1e308`` with a 20 times larger edge, or
        ``eta0 = 5e-324``): valid input, but no float can hold the answer.

    Examples
    --------
    From ``eta0 = 0.8`` at ``tau = 0`` to ``tau = 32`` (the paper's Fig. 12):

    >>> round(scaled_learning_rate(0.8, 32), 8)
    0.0193310
    >>> round(scaled_learning_rate_approx(0.8, 32), 8)    # eq. 8's approximation
    0.01933288
    """
    eta0 = check_real(eta0, "eta0")
    if eta0 <= 0:
        raise ValueError(f"eta0 must be > 0, got {eta0!r}")
    ref_momentum, reference_m = reference_configuration(momentum, m, reference_momentum, reference_m)
    target = threshold(delay, momentum=momentum, m=m, criterion=criterion)
    ref = threshold(reference, momentum=ref_momentum, m=reference_m, criterion=criterion)
    return check_result(eta0 * (target / ref), f"scaled_learning_rate(eta0={eta0!r}, ...) = "
                        f"{eta0!r} * {target!r} / {ref!r}")


def scaled_learning_rate_approx(eta0: float, tau) -> float:
    """The paper's approximation to eq. 8 for plain A-SGD from ``tau = 0``.

    .. math::  \\eta \\approx \\frac{\\pi \\eta_0}{4 (\\tau + 0.5)}

    It follows from eq. 7 and is accurate to about ``pi**2 / (24 (2 tau + 1)**2)``
    relative (0.3% at ``tau = 4``, 1e-4 at ``tau = 32``); :func:`scaled_learning_rate`
    is exact.

    Parameters
    ----------
    eta0 : float
        Learning rate at ``tau = 0``, ``> 0``.
    tau : float
        Constant delay, or a mean delay, ``>= 0``.
    """
    eta0 = check_real(eta0, "eta0")
    if eta0 <= 0:
        raise ValueError(f"eta0 must be > 0, got {eta0!r}")
    tau = check_real(tau, "tau", low=0.0)
    return check_result(math.pi * eta0 / (4.0 * (tau + 0.5)),
                        f"scaled_learning_rate_approx(eta0={eta0!r}, tau={tau!r})")
