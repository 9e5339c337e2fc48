"""The paper's figures: the numbers behind each one, and ``stability figures``.

Each figure has a *compute* step (pure core, no matplotlib) returning a
:class:`FigureData` whose columns are written to ``<name>.csv``, and a *plot* step in
:mod:`stability.plotting` that draws exactly those columns.  :func:`run` regenerates
every figure, deterministically (same bytes on every run) and atomically.
"""

from __future__ import annotations

import functools
import io
import math
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np

from .closed_forms import inverse_edge_approx
from .delays import DiscreteGaussian, Uniform, mean_delay
from .thresholds import threshold, threshold_array

__all__ = ["FigureData", "FIGURES", "compute", "run", "write_csv", "read_csv", "M_GRID", "TAUS"]

#: Delays of figs. 4, 6 and 10.
TAUS = tuple(range(0, 65))
#: Momentum coefficients of figs. 4 and 10 (one line each).
M_GRID = (0.0, 0.3, 0.6, 0.9)
#: Upper ends ``b`` of the uniform delays ``{1..b}`` of fig. 7.
UNIFORM_B = tuple(range(1, 65))
#: Centres ``mu`` of the discretised Gaussians of fig. 8.
GAUSS_MU = tuple(range(1, 31))
#: Delays at which the edge is measured by simulation (fig. 4 right, quadratic_check).
SIM_TAUS = (0, 2, 8, 16, 32, 64)
#: Sharpness of the simulated quadratic.
SIM_SHARPNESS = 1.0
#: Schemes of quadratic_check: (case name, momentum, m).
CHECK_CASES = (("none", "none", 0.0), ("standard", "standard", 0.9), ("shifted", "shifted", 0.9))
#: Upper ends b of the uniform delays {1..b} in quadratic_check.
CHECK_UNIFORM_B = (2, 8, 16, 32, 64)


@dataclass(frozen=True)
class FigureData:
    """The numbers a figure plots: named columns of equal length, plus a caption."""

    name: str
    columns: dict[str, np.ndarray]
    caption: str
    notes: dict[str, float] = field(default_factory=dict)

    def column(self, key: str) -> np.ndarray:
        return self.columns[key]


def _tick(progress, n=1):
    if progress is not None:
        progress.update(n)


def fig6(progress=None) -> FigureData:
    """Plain A-SGD: ``1/alpha*`` against ``tau`` and eq. 7's line ``(2 tau + 1)/pi``."""
    taus = np.array(TAUS)
    alpha = threshold_array(taus)
    _tick(progress, taus.size)
    inv = 1.0 / alpha
    approx = np.array([inverse_edge_approx(t) for t in taus])
    gap = inv - approx
    max_gap = float(np.max(gap[taus >= 1]))
    return FigureData(
        "fig6",
        {"tau": taus, "alpha": alpha, "inverse_alpha": inv, "eq7_inverse_alpha": approx, "gap": gap},
        "Plain A-SGD, constant delay tau = 0..64: 1/(a eta) at the edge (markers, threshold's "
        "default method, the boundary locus) and eq. 7, (2 tau + 1)/pi (line). Inset: the gap, at most "
        f"{max_gap:.4f} for tau >= 1 (the paper's 'below 0.05' holds).",
        {"max_gap_tau_ge_1": max_gap},
    )


def _momentum_sweep(name: str, scheme: str, progress) -> FigureData:
    grid_m, grid_tau = np.meshgrid(np.array(M_GRID), np.array(TAUS), indexing="ij")
    alpha = threshold_array(grid_tau, momentum=scheme, m=grid_m).ravel()
    rows_m, rows_tau = grid_m.ravel(), grid_tau.ravel()
    _tick(progress, alpha.size)
    eq = "eq. 26" if scheme == "standard" else "eq. 11"
    return FigureData(
        name,
        {"m": rows_m, "tau": rows_tau, "alpha": alpha, "inverse_alpha": 1.0 / alpha},
        f"{scheme.capitalize()} momentum ({eq}), constant delay tau = 0..64, m in "
        f"{', '.join(str(m) for m in M_GRID)}: 1/(a eta) at the edge.",
    )


def fig10(progress=None) -> FigureData:
    """Standard (dampened heavy-ball) momentum, eq. 26: one line per ``m``."""
    return _momentum_sweep("fig10", "standard", progress)


def _simulated_inverse_edge(delay, scheme: str, m: float) -> float:
    """``1/(a eta)`` at the largest non-diverging rate found by simulation (``a = 1``)."""
    from .simulation import edge_learning_rate

    return 1.0 / edge_learning_rate(SIM_SHARPNESS, delay, momentum=scheme, m=m).eta / SIM_SHARPNESS


def fig4(progress=None) -> FigureData:
    """Shifted momentum, eq. 11: theory (left panel) and simulation (right panel)."""
    data = _momentum_sweep("fig4", "shifted", progress)
    sim = np.full(data.column("tau").size, np.nan)
    for i, (m, t) in enumerate(zip(data.column("m"), data.column("tau"))):
        if t in SIM_TAUS:
            sim[i] = _simulated_inverse_edge(int(t), "shifted", float(m))
            _tick(progress)
    cols = dict(data.columns, inverse_alpha_simulated=sim)
    return FigureData(
        "fig4", cols,
        data.caption + " Right panel: the largest learning rate at which the delayed-SGD kernel "
        f"(eq. 10, scalar quadratic of sharpness a = {SIM_SHARPNESS:g}, no noise) does not diverge, "
        f"found by bisection on simulation, at tau in {', '.join(map(str, SIM_TAUS))} (markers), "
        "over the theory (lines).",
    )


def quadratic_check(progress=None) -> FigureData:
    """Theory against simulation for all three schemes and a uniform random delay."""
    rows = {"case": [], "scheme": [], "m": [], "delay": [], "mean_delay": [],
            "inverse_alpha": [], "inverse_alpha_simulated": []}

    def add(case, scheme, m, delay, label):
        rows["case"].append(case)
        rows["scheme"].append(scheme)
        rows["m"].append(m)
        rows["delay"].append(label)
        rows["mean_delay"].append(mean_delay(delay))
        rows["inverse_alpha"].append(1.0 / threshold(delay, momentum=scheme, m=m))
        rows["inverse_alpha_simulated"].append(_simulated_inverse_edge(delay, scheme, m))
        _tick(progress)

    for case, scheme, m in CHECK_CASES:
        for t in SIM_TAUS:
            add(case, scheme, m, t, str(t))
    for b in CHECK_UNIFORM_B:
        add("uniform", "none", 0.0, Uniform(1, b), f"U1-{b}")
    cols = {k: (np.array(v) if k not in ("case", "scheme", "delay") else v) for k, v in rows.items()}
    return FigureData(
        "quadratic_check", cols,
        "Edge of stability, theory (lines: 1/alpha* from the characteristic polynomial) against the "
        "delayed-SGD kernel on a scalar quadratic (markers: largest non-diverging learning rate by "
        "bisection on simulation), for plain A-SGD, standard and shifted momentum (m = 0.9), and a "
        "uniform random delay on {1..b} (one seeded run per learning rate; the theory describes the "
        "mean iterate).",
    )


def fig7(progress=None) -> FigureData:
    """Uniform delay on ``{1..b}``: ``1/alpha*`` against ``E[tau] = (1 + b)/2``."""
    b = np.array(UNIFORM_B)
    alpha = threshold_array([Uniform(1, int(bi)) for bi in b])
    _tick(progress, b.size)
    mean = (1.0 + b) / 2.0
    return FigureData(
        "fig7",
        {"b": b, "mean_delay": mean, "alpha": alpha, "inverse_alpha": 1.0 / alpha,
         "constant_delay_eq7": (2 * mean + 1) / math.pi},
        "Plain A-SGD, delay uniform on {1..b}, b = 1..64 (eq. 20): 1/(a eta) at the edge against "
        "E[tau] = (1+b)/2; dashed: eq. 7 for a constant delay of the same mean.",
    )


def fig8(progress=None) -> FigureData:
    """The paper's discretised Gaussian, ``mu = 1..30``, against the true mean delay."""
    mu = np.array(GAUSS_MU)
    mean = np.empty(mu.size)
    alpha = np.empty(mu.size)
    alpha_raw = np.empty(mu.size)
    for i, u in enumerate(mu):
        g = DiscreteGaussian(int(u))
        mean[i] = g.mean
        alpha[i] = threshold(g)
        alpha_raw[i] = threshold(DiscreteGaussian(int(u), normalize=False))
        _tick(progress)
        _tick(progress)
    return FigureData(
        "fig8",
        {"mu": mu, "mean_delay": mean, "alpha": alpha, "inverse_alpha": 1.0 / alpha,
         "alpha_raw_weights": alpha_raw, "inverse_alpha_raw_weights": 1.0 / alpha_raw},
        "Plain A-SGD, discretised Gaussian delay (k = 1..2mu, sigma = 1, normalised), mu = 1..30: "
        "1/(a eta) at the edge against the true E[tau] (filled) and against mu as the paper plots it "
        f"(open); E[tau] - mu is {mean[0] - mu[0]:.3f} at mu = 1 and below 1e-4 from mu = 5.",
    )


#: Liu et al. (2018) reproduction: Sigma, step size, runs, steps, error window, delay grid.
LIU_EIGENVALUES = (4.0, 3.0, 2.0, 1.0)
LIU_ETA = 5e-4
LIU_RUNS = 100
LIU_STEPS = 10_000
LIU_WINDOW = 1000
LIU_DELAYS = tuple(range(0, 151, 5))
LIU_FACTOR = 2.0
LIU_SEED = 2018


@functools.lru_cache(maxsize=1)
def _liu_simulation(progress: bool = False):
    from .pca import PAPER_MU, async_msgd

    return async_msgd(LIU_EIGENVALUES, LIU_ETA, PAPER_MU, LIU_DELAYS, runs=LIU_RUNS, steps=LIU_STEPS,
                      window=LIU_WINDOW, data="gaussian", rng=LIU_SEED, progress=progress)


def liu_fig1(progress=None) -> FigureData:
    """Liu et al. Fig. 1: error of Async-MSGD against the delay, one line per momentum."""
    res = _liu_simulation(progress is not None)
    _tick(progress, 1)
    rows = {"mu": [], "delay": [], "mean_error": [], "p10_error": [], "p90_error": []}
    for i, mu in enumerate(res.mus):
        for j, tau in enumerate(res.delays):
            e = res.errors[i, j]
            rows["mu"].append(float(mu))
            rows["delay"].append(int(tau))
            rows["mean_error"].append(float(e.mean()))
            rows["p10_error"].append(float(np.percentile(e, 10)))
            rows["p90_error"].append(float(np.percentile(e, 90)))
    return FigureData(
        "liu_fig1", {k: np.array(v) for k, v in rows.items()},
        f"Async-MSGD on streaming PCA (Liu et al. eq. 5): d = 4, Sigma = diag(4, 3, 2, 1), eta = {LIU_ETA:g}, "
        f"start at the saddle e2, Gaussian data, {LIU_RUNS} runs of {LIU_STEPS} steps per point (seed "
        f"{LIU_SEED}); error = sin^2 of the angle to e1 averaged over the last {LIU_WINDOW} steps; line: mean "
        "over runs, band: 10th-90th percentile.",
    )


def liu_tradeoff(progress=None) -> FigureData:
    """Largest good delay against momentum: simulation, stability prediction, paper."""
    from .pca import PAPER_GOOD_DELAY, PAPER_MU, largest_good_delay, predicted_largest_stable_delay

    res = _liu_simulation(progress is not None)
    sim, lo, hi, pred = [], [], [], []
    for i, mu in enumerate(PAPER_MU):
        v, a, b = largest_good_delay(res.delays, res.errors[i], factor=LIU_FACTOR, rng=LIU_SEED)
        sim.append(v)
        lo.append(a)
        hi.append(b)
        pred.append(predicted_largest_stable_delay(LIU_EIGENVALUES, LIU_ETA, mu))
        _tick(progress, 1)
    return FigureData(
        "liu_tradeoff",
        {"mu": np.array(PAPER_MU), "simulated_good_delay": np.array(sim), "simulated_low": np.array(lo),
         "simulated_high": np.array(hi), "predicted_stable_delay": np.array(pred),
         "paper_good_delay": np.array(PAPER_GOOD_DELAY)},
        f"Largest delay whose mean error stays within {LIU_FACTOR:g}x the delay-0 error (simulation, delay grid "
        "step 5, bar: 5-95% bootstrap over runs), the largest delay at which the linearised mean dynamics "
        "around e1 are stable (stability analysis, standard momentum with alpha = 2 lambda_1 eta / (1 - mu)), "
        "and the values Liu et al. report.",
    )


#: name -> (compute function, number of progress ticks)
FIGURES: dict[str, tuple[Callable[..., FigureData], int]] = {
    "fig4": (fig4, len(M_GRID) * (len(TAUS) + len(SIM_TAUS))),
    "fig6": (fig6, len(TAUS)),
    "fig7": (fig7, len(UNIFORM_B)),
    "fig8": (fig8, 2 * len(GAUSS_MU)),
    "fig10": (fig10, len(M_GRID) * len(TAUS)),
    "quadratic_check": (quadratic_check, len(CHECK_CASES) * len(SIM_TAUS) + len(CHECK_UNIFORM_B)),
    "liu_fig1": (liu_fig1, 1),
    "liu_tradeoff": (liu_tradeoff, 5),
}


def compute(name: str, progress=None) -> FigureData:
    """The numbers behind figure ``name`` (one of :data:`FIGURES`)."""
    if name not in FIGURES:
        raise ValueError(f"unknown figure {name!r}; choose from {', '.join(FIGURES)}")
    return FIGURES[name][0](progress)


def _csv_text(data: FigureData) -> str:
    keys = list(data.columns)
    cols = [np.asarray(data.columns[k]) for k in keys]
    buf = io.StringIO()
    buf.write(",".join(keys) + "\n")
    for row in zip(*cols):
        buf.write(",".join(_cell(v) for v in row) + "\n")
    return buf.getvalue()


def _cell(v) -> str:
    if isinstance(v, str):
        if "," in v or "\n" in v:
            raise ValueError(f"CSV text cell {v!r} may not hold a comma or newline")
        return v
    if isinstance(v, (int, np.integer)):
        return repr(int(v))
    return repr(float(v))


def read_csv(path: str) -> FigureData:
    """Read a CSV written by :func:`write_csv` back into a :class:`FigureData`.

    Columns whose cells all parse as numbers become float arrays (integers stay exact
    as floats); the others stay lists of strings.
    """
    import csv

    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    cols = {}
    for j, key in enumerate(header):
        cells = [r[j] for r in body]
        try:
            cols[key] = np.array([float(c) for c in cells])
        except ValueError:
            cols[key] = cells
    name = os.path.splitext(os.path.basename(path))[0]
    return FigureData(name, cols, "")


def _atomic_write(path: str, write: Callable[[io.IOBase], None], binary: bool) -> None:
    """Write through ``write(fh)`` to a temporary file beside ``path``, then rename."""
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=os.path.basename(path), dir=directory)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual permissions
        with os.fdopen(fd, "wb" if binary else "w", **({} if binary else {"encoding": "utf-8", "newline": ""})) as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_csv(data: FigureData, path: str) -> None:
    """Write the columns of ``data`` as CSV (header row, full ``repr`` precision), atomically."""
    text = _csv_text(data)
    _atomic_write(path, lambda fh: fh.write(text), binary=False)


def _check_out(out: str) -> None:
    try:
        os.makedirs(out, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".probe-", dir=out)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise ValueError(f"cannot write to output directory {out!r}: {exc.strerror or exc}") from None


FORMATS = ("png", "pdf", "svg")


def _parse_formats(formats: str | Sequence[str]) -> list[str]:
    items = formats.split(",") if isinstance(formats, str) else list(formats)
    items = [f.strip().lower() for f in items if f.strip()]
    bad = [f for f in items if f not in FORMATS]
    if bad or not items:
        raise ValueError(f"unknown figure format {(bad or [formats])[0]!r}; choose from {', '.join(FORMATS)}")
    return list(dict.fromkeys(items))


def run(out: str = "figures", only: Iterable[str] | None = None, formats: str | Sequence[str] = "png",
        progress: bool = True) -> int:
    """Regenerate figures into ``out``: ``<name>.<fmt>`` and ``<name>.csv`` for each.

    Parameters
    ----------
    out : str
        Output directory (created if missing).
    only : iterable of str, optional
        Figure names to make (default: all of :data:`FIGURES`).
    formats : str or sequence of str
        ``"png"``, ``"pdf"``, ``"svg"`` or a comma-separated combination.
    progress : bool
        Show a tqdm progress bar (only when stderr is a terminal).

    Returns
    -------
    int
        0 on success.  Bad names, formats or an unwritable ``out`` raise ``ValueError``
        before anything is computed or written.
    """
    names = list(FIGURES) if only is None else list(dict.fromkeys(only))
    unknown = [n for n in names if n not in FIGURES]
    if unknown:
        raise ValueError(f"unknown figure {unknown[0]!r}; choose from {', '.join(FIGURES)}")
    fmts = _parse_formats(formats)
    _check_out(out)
    for name in names:  # an output path taken by a directory: refuse before computing
        for ext in ["csv", *fmts]:
            if os.path.isdir(os.path.join(out, f"{name}.{ext}")):
                raise ValueError(f"cannot write {os.path.join(out, f'{name}.{ext}')!r}: it is a directory")

    from tqdm import tqdm

    from . import plotting

    total = sum(FIGURES[n][1] for n in names)
    with tqdm(total=total, desc="edges", unit="edge", disable=None if progress else True,
              leave=False) as bar:
        for name in names:
            bar.set_postfix_str(name)
            data = compute(name, progress=bar)
            write_csv(data, os.path.join(out, f"{name}.csv"))
            fig, _ = plotting.PLOTS[name](data)
            try:
                for fmt in fmts:
                    path = os.path.join(out, f"{name}.{fmt}")
                    _atomic_write(path, lambda fh, fmt=fmt: plotting.save(fig, fh, fmt), binary=True)
            finally:
                plotting.close(fig)
    return 0
