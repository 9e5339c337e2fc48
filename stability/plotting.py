"""Plotting layer: one function per figure.  The only module that imports matplotlib.

Every ``plot_*`` function takes the :class:`~stability.figures.FigureData` computed by
the core (or computes it when ``data`` is None), draws on ``ax`` (a new figure when
``ax`` is None), applies its style with :func:`matplotlib.pyplot.rc_context` (never the
global rcParams), never calls ``show()``, and returns ``(figure, axes)``.
"""

from __future__ import annotations

import contextlib
import functools

import matplotlib

matplotlib.use("Agg", force=False)  # no effect when a backend is already in use

import matplotlib.mathtext as _mathtext  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import figures  # noqa: E402

__all__ = ["plot_fig4", "plot_fig6", "plot_fig7", "plot_fig8", "plot_fig10", "plot_quadratic_check",
           "plot_liu_fig1", "plot_liu_tradeoff", "plot_network_edges", "plot_network_rule",
           "plot_delayed_edge_of_stability", "plot_random_delay_edges", "PLOTS",
           "save", "close", "shared_mathtext", "laid_out",
           "STYLE"]

#: Sized for one column of a two-column paper (3.4 in wide), 8-pt text.
STYLE = {
    "figure.figsize": (3.4, 2.6),
    "figure.dpi": 100,
    "savefig.dpi": 200,
    "font.size": 8,
    "axes.titlesize": 8,
    "axes.labelsize": 8,
    "legend.fontsize": 7,
    "xtick.labelsize": 7,
    "ytick.labelsize": 7,
    "lines.linewidth": 1.2,
    "lines.markersize": 3.5,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "svg.hashsalt": "stability",  # deterministic SVG ids
    "savefig.bbox": "tight",
}

_INV_LABEL = r"$1/(a\eta)$ at the edge (dimensionless)"


def _axes(ax):
    if ax is None:
        fig, ax = plt.subplots(layout="constrained")
    else:
        fig = ax.figure
    return fig, ax


def _finish(ax, xlabel, ylabel, title, legend_loc):
    """Axis labels, title and legend, the same way on every figure."""
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(loc=legend_loc)


def plot_fig6(data=None, ax=None):
    """Fig. 6: plain A-SGD, ``1/(a eta)`` at the edge against ``tau``.

    Lines in ``ax.lines``: [0] computed edges (markers), [1] eq. 7 ``(2 tau + 1)/pi``;
    the inset (``ax.child_axes[0]``) shows the gap between them with the paper's 0.05 bound.
    """
    data = figures.fig6() if data is None else data
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax)
        tau = data.column("tau")
        ax.plot(tau, data.column("inverse_alpha"), "o", mfc="none", label="numerical (eq. 5 roots)")
        ax.plot(tau, data.column("eq7_inverse_alpha"), "-", label=r"eq. 7: $(2\tau+1)/\pi$")
        _finish(ax, r"delay $\tau$ (steps)", _INV_LABEL, "Plain A-SGD, constant delay", "upper left")
        inset = ax.inset_axes([0.58, 0.1, 0.38, 0.32])
        sel = tau >= 1
        inset.plot(tau[sel], data.column("gap")[sel], "-", color="C2")
        inset.axhline(0.05, color="k", ls=":", lw=0.8)
        inset.set_ylim(0, 0.055)
        inset.set_title(r"gap, $\tau\geq1$ (dotted: 0.05)", fontsize=6, pad=2)
        inset.tick_params(labelsize=5)
    return fig, ax


def _plot_momentum(data, ax, title):
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax)
        m = data.column("m")
        for i, mv in enumerate(dict.fromkeys(m.tolist())):
            sel = m == mv
            ax.plot(data.column("tau")[sel], data.column("inverse_alpha")[sel], "-o", markevery=8,
                    color=f"C{i}", label=f"m = {mv:g}")
        _finish(ax, r"delay $\tau$ (steps)", _INV_LABEL, title, "upper left")
    return fig, ax


def plot_fig10(data=None, ax=None):
    """Fig. 10: standard momentum (eq. 26); ``ax.lines[i]`` is the line for ``M_GRID[i]``."""
    data = figures.fig10() if data is None else data
    return _plot_momentum(data, ax, "Standard momentum (eq. 26)")


def plot_fig4(data=None, ax=None):
    """Fig. 4: shifted momentum (eq. 11), theory (left) and simulation (right).

    ``ax`` may be None or a pair of axes.  Left: ``ax[0].lines[i]`` is the theory line
    for ``M_GRID[i]``.  Right: ``ax[1].lines[2 i]`` the same theory line, thin, and
    ``ax[1].lines[2 i + 1]`` the simulated edges (markers).
    """
    data = figures.fig4() if data is None else data
    with plt.rc_context(STYLE):
        if ax is None:
            fig, ax = plt.subplots(1, 2, figsize=(6.8, 2.6), layout="constrained", sharey=True)
        fig = ax[0].figure
        _plot_momentum(data, ax[0], "Shifted momentum: theory (eq. 11)")
        m = data.column("m")
        sim = data.column("inverse_alpha_simulated")
        for i, mv in enumerate(dict.fromkeys(m.tolist())):
            sel = m == mv
            ax[1].plot(data.column("tau")[sel], data.column("inverse_alpha")[sel], "-", lw=0.8,
                       color=f"C{i}", alpha=0.6)
            has = sel & np.isfinite(sim)
            ax[1].plot(data.column("tau")[has], sim[has], "s", mfc="none", color=f"C{i}",
                       label=f"m = {mv:g}, simulated")
        _finish(ax[1], r"delay $\tau$ (steps)", None, "Measured: delayed-SGD kernel on a quadratic", "upper left")
    return fig, ax


def plot_quadratic_check(data=None, ax=None):
    """Theory (lines) against simulated edges (markers) for every case of the figure.

    ``ax.lines[2 i]`` is the theory and ``ax.lines[2 i + 1]`` the simulation of the
    ``i``-th case in order of first appearance (none, standard, shifted, uniform).
    """
    data = figures.quadratic_check() if data is None else data
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax)
        cases = list(dict.fromkeys(data.column("case")))
        labels = {"none": "plain", "standard": "standard, m = 0.9", "shifted": "shifted, m = 0.9",
                  "uniform": r"plain, uniform $\{1..b\}$"}
        case_col = np.array(data.column("case"))
        for i, c in enumerate(cases):
            sel = case_col == c
            x = data.column("mean_delay")[sel]
            ax.plot(x, data.column("inverse_alpha")[sel], "-", color=f"C{i}", label=labels.get(c, c))
            ax.plot(x, data.column("inverse_alpha_simulated")[sel], "o", mfc="none", color=f"C{i}")
        _finish(ax, r"mean delay $E[\tau]$ (steps)", _INV_LABEL, "Theory (lines) vs. simulation (markers)",
                "upper left")
    return fig, ax


def plot_fig7(data=None, ax=None):
    """Fig. 7: uniform delay on {1..b}; [0] computed edges, [1] constant-delay eq. 7."""
    data = figures.fig7() if data is None else data
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax)
        x = data.column("mean_delay")
        ax.plot(x, data.column("inverse_alpha"), "o", mfc="none", label=r"uniform on $\{1..b\}$ (eq. 20)")
        ax.plot(x, data.column("constant_delay_eq7"), "--", color="0.4", label=r"constant delay, eq. 7")
        _finish(ax, r"mean delay $E[\tau] = (1+b)/2$ (steps)", _INV_LABEL, "Uniform random delay", "upper left")
    return fig, ax


def plot_fig8(data=None, ax=None):
    """Fig. 8: discretised Gaussian; [0] against the true mean, [1] against ``mu``."""
    data = figures.fig8() if data is None else data
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax)
        inv = data.column("inverse_alpha")
        ax.plot(data.column("mean_delay"), inv, "o", label=r"against true $E[\tau]$")
        ax.plot(data.column("mu"), inv, "o", mfc="none", color="C3", label=r"against $\mu$ (paper's axis)")
        _finish(ax, r"mean delay $E[\tau]$ (steps)", _INV_LABEL, "Discretised Gaussian delay, $\\sigma=1$",
                "upper left")
        ax.annotate(rf"$\mu=1$: $E[\tau]={data.column('mean_delay')[0]:.3f}$",
                    xy=(data.column("mean_delay")[0], inv[0]), xytext=(8, 2),
                    textcoords="offset points", fontsize=6)
    return fig, ax


def plot_liu_fig1(data=None, ax=None):
    """Liu et al. Fig. 1: mean error against delay per momentum (``ax.lines[i]``), with
    the 10-90% band over runs (``ax.collections[i]``)."""
    data = figures.liu_fig1() if data is None else data
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax)
        mu = data.column("mu")
        for i, m in enumerate(dict.fromkeys(mu.tolist())):
            sel = mu == m
            x = data.column("delay")[sel]
            ax.fill_between(x, data.column("p10_error")[sel], data.column("p90_error")[sel], color=f"C{i}",
                            alpha=0.2, lw=0)
            ax.plot(x, data.column("mean_error")[sel], "-", color=f"C{i}", label=rf"$\mu$ = {m:g}")
        ax.set_yscale("log")
        _finish(ax, r"delay $\tau$ (iterations)", r"error $\sin^2\angle(v, e_1)$", "Async-MSGD, streaming PCA",
                "lower right")
    return fig, ax


def plot_liu_tradeoff(data=None, ax=None):
    """Largest good delay against momentum: [0] simulation (error bars in
    ``ax.containers[0]``), [1] stability prediction, [2] Liu et al.'s values."""
    data = figures.liu_tradeoff() if data is None else data
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax)
        mu = data.column("mu")
        sim = data.column("simulated_good_delay")
        err = np.vstack([sim - data.column("simulated_low"), data.column("simulated_high") - sim])
        ax.plot(mu, sim, "o-", label="simulation (this toolkit)")
        ax.plot(mu, data.column("predicted_stable_delay"), "s--", label="stability analysis")
        ax.plot(mu, data.column("paper_good_delay"), "^:", color="k", label="Liu et al. (2018)")
        ax.errorbar(mu, sim, yerr=err, fmt="none", ecolor="C0", capsize=2)
        _finish(ax, r"momentum $\mu$", r"largest good delay $\tau$ (iterations)", "Momentum-delay tradeoff",
                "upper right")
    return fig, ax


_SCHEME_LABELS = {"none": "plain", "standard": "standard, m = 0.9", "shifted": "shifted, m = 0.9"}


def plot_network_edges(data=None, ax=None):
    """Edges at a network minimum: measured against predicted.

    ``ax`` may be None or a pair of axes.  Left, full-batch GD, ``1/(a eta)`` against
    ``tau``: ``ax[0].lines[2 i]`` the prediction ``1/threshold`` and
    ``ax[0].lines[2 i + 1]`` the measured edges (markers) of the ``i``-th scheme (plain,
    standard, shifted).  Right, mini-batch SGD: ``ax[1].lines[j]`` the measured edge over
    the predicted one against the batch size (mean over seeds) for the ``j``-th delay;
    the dotted line at 1 is ``ax[1].lines[-1]``.
    """
    data = figures.network_edges() if data is None else data
    with plt.rc_context(STYLE):
        if ax is None:
            fig, ax = plt.subplots(1, 2, figsize=(6.8, 2.6), layout="constrained")
        fig = ax[0].figure
        kind = np.array(data.column("kind"))
        scheme = np.array(data.column("scheme"))
        a = data.column("sharpness")
        inv_pred = 1.0 / (a * data.column("predicted_eta"))
        inv_meas = 1.0 / (a * data.column("measured_eta"))
        full = kind == "full_batch"
        for i, sc in enumerate(dict.fromkeys(scheme[full].tolist())):
            sel = full & (scheme == sc)
            tau = data.column("tau")[sel]
            ax[0].plot(tau, inv_pred[sel], "-", color=f"C{i}", label=f"{_SCHEME_LABELS.get(sc, sc)}: theory")
            ax[0].plot(tau, inv_meas[sel], "o", mfc="none", color=f"C{i}", label="measured")
        ax[0].set_yscale("log")
        _finish(ax[0], r"delay $\tau$ (steps)", r"$1/(a\,\eta)$ at the edge", "Full-batch GD from the minimum",
                "lower right")
        sgd = kind == "sgd"
        ratio = data.column("ratio")
        batch = data.column("batch_size")
        taus = data.column("tau")
        for j, t in enumerate(dict.fromkeys(taus[sgd].tolist())):
            sel = sgd & (taus == t)
            bs = np.array(sorted(set(batch[sel].tolist())))
            mean = np.array([ratio[sel & (batch == b)].mean() for b in bs])
            ax[1].plot(bs, mean, "s-", color=f"C{j + 3}", label=rf"$\tau$ = {int(t)}")
            ax[1].scatter(batch[sel], ratio[sel], s=6, color=f"C{j + 3}", alpha=0.5)
        ax[1].axhline(1.0, color="k", ls=":", lw=0.8)
        ax[1].set_xscale("log", base=2)
        _finish(ax[1], "batch size", "measured / predicted edge", "Mini-batch SGD (plain), seeds as dots",
                "lower right")
    return fig, ax


_RULE_STYLE = {"eta0": ("x", "C3"), "scaled": ("o", "C0"), "naive": ("s", "C2")}
_RULE_LABELS = {"eta0": r"$\eta_0$", "scaled": r"eq. 8: $\eta_0\,\alpha^*(\tau)/\alpha^*(0)$",
                "naive": r"$\eta_0/\tau$"}


def plot_network_rule(data=None, ax=None):
    """The learning-rate rule on a network trained from scratch.

    ``ax`` may be None or three axes: final training loss, test accuracy and sharpness
    against ``tau``.  On each, ``ax[k].lines[i]`` holds every seed (markers) of the
    ``i``-th rule in order of first appearance (eta0, scaled, naive); diverged runs are
    not drawn.  ``ax[2]`` also draws the rule's edge line ``threshold(tau)/eta``
    dashed (``ax[2].lines[3 + i]``).
    """
    data = figures.network_rule() if data is None else data
    with plt.rc_context(STYLE):
        if ax is None:
            fig, ax = plt.subplots(1, 3, figsize=(7.2, 2.5), layout="constrained")
        fig = ax[0].figure
        rule = np.array(data.column("rule"))
        tau = data.column("tau")
        ok = data.column("diverged") == 0
        rules = list(dict.fromkeys(rule.tolist()))
        offsets = {r: (k - 1) * 0.8 for k, r in enumerate(rules)}
        for k, (col, ylabel) in enumerate((("final_loss", "final training loss"),
                                           ("test_accuracy", "test accuracy"), ("sharpness", "sharpness"))):
            for r in rules:
                sel = (rule == r) & ok
                mk, c = _RULE_STYLE.get(r, ("o", "k"))
                ax[k].plot(tau[sel] + offsets[r], data.column(col)[sel], mk, mfc="none", color=c,
                           label=_RULE_LABELS.get(r, r))
            ax[k].set_xlabel(r"delay $\tau$ (steps)")
            ax[k].set_ylabel(ylabel)
        for r in rules:
            sel = rule == r
            mk, c = _RULE_STYLE.get(r, ("o", "k"))
            t, line = tau[sel], data.column("edge_line")[sel]
            order = np.argsort(t, kind="stable")
            keep = line[order] < 2 * np.nanmax(data.column("sharpness"))
            ax[2].plot(t[order][keep], line[order][keep], "--", color=c, lw=0.8)
        ax[0].set_yscale("log")
        ax[0].set_title("Loss (diverged runs omitted)")
        ax[1].set_title("Test accuracy")
        ax[2].set_title(r"Sharpness; dashed: threshold$(\tau)/\eta$")
        ax[1].legend(loc="lower right")
    return fig, ax


def plot_delayed_edge_of_stability(data=None, ax=None):
    """Sharpness during full-batch delayed GD against the predicted line.

    ``ax.lines[2 i]`` is the sharpness against the step of the ``i``-th run and
    ``ax.lines[2 i + 1]`` its line ``threshold(tau)/eta`` (dashed, same colour).
    """
    data = figures.delayed_edge_of_stability() if data is None else data
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax)
        tau = data.column("tau")
        for i, t in enumerate(dict.fromkeys(tau.tolist())):
            sel = tau == t
            step = data.column("step")[sel]
            eta = data.column("eta")[sel][0]
            ax.plot(step, data.column("sharpness")[sel], "-", color=f"C{i}",
                    label=rf"$\tau$ = {int(t)}, $\eta$ = {eta:.3g}")
            ax.plot(step, data.column("edge_line")[sel], "--", color=f"C{i}", lw=0.8)
        _finish(ax, "step", "sharpness (top Hessian eigenvalue)",
                r"Delayed GD: sharpness vs. threshold$(\tau)/\eta$ (dashed)", "lower right")
    return fig, ax


def plot_random_delay_edges(data=None, ax=None):
    """Three edges against the mean delay, one colour per family.

    ``ax.lines[0]`` is the constant-delay line; then per family in the order uniform,
    gaussian, geometric, bimodal: ``ax.lines[1 + 3 i]`` the mean edge (open markers, dotted),
    ``[2 + 3 i]`` the mean-square edge (filled), ``[3 + 3 i]`` the almost-sure edge (crosses,
    its confidence interval in ``ax.containers[i]``).
    """
    data = figures.random_delay_edges() if data is None else data
    with plt.rc_context(STYLE):
        fig, ax = _axes(ax)
        fam = np.array(data.column("family"))
        x = data.column("mean_delay")
        const = fam == "constant"
        ax.plot(x[const], 1.0 / data.column("mean_edge")[const], "-", color="0.3", lw=0.8,
                label="constant delay (all three)")
        names = {"uniform": r"uniform $\{1..b\}$", "gaussian": "Gaussian", "geometric": "geometric",
                 "bimodal": "bimodal"}
        families = ("uniform", "gaussian", "geometric", "bimodal")
        for i, f in enumerate(families):
            sel = fam == f
            c = f"C{i}"
            ax.plot(x[sel], 1.0 / data.column("mean_edge")[sel], "o:", mfc="none", color=c, lw=0.6)
            ax.plot(x[sel], 1.0 / data.column("mean_square_edge")[sel], "s-", color=c, label=names[f])
            ax.plot(x[sel], 1.0 / data.column("almost_sure_edge")[sel], "x", color=c, ms=5)
        for i, f in enumerate(families):  # after the lines: error-bar caps are Line2D objects too
            sel = fam == f
            inv = 1.0 / data.column("almost_sure_edge")[sel]
            err = np.vstack([inv - 1.0 / data.column("almost_sure_high")[sel],
                             1.0 / data.column("almost_sure_low")[sel] - inv])
            ax.errorbar(x[sel], inv, yerr=err, fmt="none", ecolor=f"C{i}", capsize=1.5, lw=0.6)
        ax.set_yscale("log")
        _finish(ax, r"mean delay $E[\tau]$ (steps)", _INV_LABEL,
                "Random delays: mean (o), mean-square (s), almost-sure (x)", "lower right")
    return fig, ax


PLOTS = {"fig4": plot_fig4, "fig6": plot_fig6, "fig7": plot_fig7, "fig8": plot_fig8, "fig10": plot_fig10,
         "quadratic_check": plot_quadratic_check, "liu_fig1": plot_liu_fig1, "liu_tradeoff": plot_liu_tradeoff,
         "network_edges": plot_network_edges, "network_rule": plot_network_rule,
         "delayed_edge_of_stability": plot_delayed_edge_of_stability,
         "random_delay_edges": plot_random_delay_edges}

# Metadata that would embed versions or dates; removed so output is byte-for-byte stable.
_METADATA = {
    "png": {"Software": None},
    "pdf": {"Creator": None, "Producer": None, "CreationDate": None},
    "svg": {"Creator": None, "Date": None},
}


#: matplotlib's own cache of parsed math text (``MathTextParser._parse_cached``, a method
#: under ``functools.lru_cache(50)``) and the function it wraps; None if this matplotlib
#: has no such cache (then :func:`shared_mathtext` does nothing).
_PARSE_CACHED = _mathtext.MathTextParser.__dict__.get("_parse_cached")
_PARSE = getattr(_PARSE_CACHED, "__wrapped__", None)
_SHARED = []  # the active shared cache, if any (contexts nest: the outermost one wins)


@contextlib.contextmanager
def shared_mathtext():
    """Within the ``with`` block, parse each piece of math text once for all renderers.

    matplotlib caches a parse per *parser instance*, and every renderer makes its own
    parser; a ``savefig`` makes two renderers (one for the layout, one to draw) and each
    output format more, so the same labels (``$1/(a\\eta)$``, log-axis ticks
    ``$\\mathdefault{10^{-1}}$``) were parsed again and again: a quarter of the rendering
    time of ``stability figures``.  Here the cache is keyed on what the parse depends on
    (the parser's output type, the text, dpi, font properties, antialiasing and hinting
    flags: matplotlib's own key without the instance; the parser itself keeps no state
    between parses), so the results, and the files, are the same bytes as without it.  The
    cache lives for the block only (rcParams that change the font lookup cannot go stale
    in it); nested blocks share the outer one.  Not thread-safe: it swaps a class attribute
    of :class:`matplotlib.mathtext.MathTextParser` for the duration of the block.
    """
    if _PARSE is None or _SHARED:
        yield
        return
    parsers = {}

    @functools.lru_cache(maxsize=None)
    def parse(output_type, *args):
        return _PARSE(parsers[output_type], *args)

    def parse_cached(self, *args):
        parsers.setdefault(self._output_type, self)
        return parse(self._output_type, *args)

    _SHARED.append(parse)
    _mathtext.MathTextParser._parse_cached = parse_cached
    try:
        yield
    finally:
        _mathtext.MathTextParser._parse_cached = _PARSE_CACHED
        _SHARED.clear()


def save(fig, fh, fmt: str) -> None:
    """Save ``fig`` to the binary file ``fh`` in format ``fmt``, without volatile metadata.

    Inside :func:`shared_mathtext` (as :func:`stability.render.write_figure` calls it for
    all formats of a figure) the math text is parsed once for all of them; inside
    :func:`laid_out` for ``fig``, the figure is not laid out again but drawn with that layout.
    """
    fixed = _LAYOUTS.get(id(fig))
    with plt.rc_context(STYLE), shared_mathtext():
        if fixed is not None and fixed[0] is fig:
            fig.savefig(fh, format=fmt, metadata=_METADATA[fmt], bbox_inches=fixed[1])
        else:
            fig.savefig(fh, format=fmt, metadata=_METADATA[fmt])


_LAYOUTS = {}  # id(fig) -> (fig, tight bounding box) for the figures inside laid_out()


@contextlib.contextmanager
def laid_out(fig):
    """Lay ``fig`` out once, as its PNG sees it; :func:`save` then draws it with that layout.

    Outside this block :func:`save` lays the figure out again for every file: a draw that
    computes the constrained layout with the format's own renderer, and the tight bounding
    box, before the draw that renders (and every draw lays out every tick label and title
    again): most of the time ``savefig`` takes.  Here the layout and the box are computed
    once (under :data:`STYLE`, with the PNG's renderer, Agg at ``savefig.dpi``: exactly the
    draw and box :func:`save` computes for a PNG, so the PNG is the same bytes) and every
    file saved in the block is rendered with them, the layout engine switched off for the
    block (restored afterwards).  An SVG or PDF therefore places its text by Agg's text
    extents instead of its own, which differ by a fraction of a point (the page size by
    under a point); the files are as deterministic as without the block.
    """
    with plt.rc_context({**STYLE, "savefig.format": "png"}), shared_mathtext():  # the renderer a PNG gets
        dpi = fig.dpi
        fig.dpi = plt.rcParams["savefig.dpi"]
        try:
            fig.draw_without_rendering()  # the layout, on the canvas' own (Agg) renderer
            bbox = fig.get_tightbbox().padded(plt.rcParams["savefig.pad_inches"])
        finally:
            fig.dpi = dpi
    engine = fig.get_layout_engine()
    with plt.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)  # None, not "none": a placeholder engine still makes savefig lay out
    _LAYOUTS[id(fig)] = (fig, bbox)
    try:
        yield
    finally:
        del _LAYOUTS[id(fig)]
        if engine is not None:
            fig.set_layout_engine(engine)


def close(fig) -> None:
    plt.close(fig)
