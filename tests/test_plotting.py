"""The plotted numbers equal the core's results (read back from the artists, no pixels)."""

import math

import matplotlib
import numpy as np
import pytest
from numpy.testing import assert_allclose

import stability
from stability import figures, plotting


@pytest.fixture(autouse=True)
def _close_all():
    yield
    matplotlib.pyplot.close("all")


def test_fig6_lines_are_the_edges_and_eq7(figure_data):
    fig, ax = plotting.plot_fig6(figure_data["fig6"])
    xy = ax.lines[0].get_xydata()
    assert_allclose(xy[:, 0], figures.TAUS)
    for t in (0, 1, 17, 64):  # recomputed here, independently of the figure code
        assert_allclose(xy[t, 1], 1 / stability.threshold(t), rtol=1e-12)
        assert_allclose(xy[t, 1], 1 / stability.edge_constant_delay(t), rtol=1e-10)
    assert_allclose(ax.lines[1].get_ydata(), [(2 * t + 1) / math.pi for t in figures.TAUS], rtol=1e-15)
    inset = ax.child_axes[0]
    gap = inset.lines[0].get_xydata()
    assert gap[0, 0] == 1 and gap[:, 1].max() < 0.05  # the paper's claim, checked
    assert_allclose(gap[:, 1], [1 / stability.edge_constant_delay(t) - (2 * t + 1) / math.pi
                                for t in range(1, 65)], rtol=1e-8)


@pytest.mark.parametrize("name, scheme", [("fig10", "standard"), ("fig4", "shifted")])
def test_momentum_figures_one_line_per_m(figure_data, name, scheme):
    fig, ax = plotting.PLOTS[name](figure_data[name])
    if name == "fig4":
        ax = ax[0]  # left panel: theory
    assert len(ax.lines) == len(figures.M_GRID)
    assert 0.0 in figures.M_GRID and 0.9 in figures.M_GRID
    for line, m in zip(ax.lines, figures.M_GRID):
        xy = line.get_xydata()
        assert_allclose(xy[:, 0], figures.TAUS)
        for t in (0, 9, 64):
            assert_allclose(xy[t, 1], 1 / stability.threshold(t, momentum=scheme, m=m), rtol=1e-12)
        assert line.get_label() == f"m = {m:g}"


def test_fig4_right_panel_simulated_edges_match_theory(figure_data):
    fig, (left, right) = plotting.plot_fig4(figure_data["fig4"])
    assert len(right.lines) == 2 * len(figures.M_GRID)
    for i, m in enumerate(figures.M_GRID):
        sim = right.lines[2 * i + 1].get_xydata()
        assert_allclose(sim[:, 0], figures.SIM_TAUS)
        for tau, inv in sim:
            theory = 1 / stability.threshold(int(tau), momentum="shifted", m=m)
            assert abs(inv / theory - 1) < 0.01  # the kernel's promised resolution
        # and they are the numbers in the CSV
        col = figure_data["fig4"].column("inverse_alpha_simulated")
        sel = (figure_data["fig4"].column("m") == m) & np.isfinite(col)
        assert_allclose(sim[:, 1], col[sel], rtol=0)


def test_quadratic_check_theory_lines_and_simulated_markers(figure_data):
    fig, ax = plotting.plot_quadratic_check(figure_data["quadratic_check"])
    cases = [("none", "none", 0.0), ("standard", "standard", 0.9), ("shifted", "shifted", 0.9)]
    assert len(ax.lines) == 2 * (len(cases) + 1)
    for i, (_, scheme, m) in enumerate(cases):
        theory, sim = ax.lines[2 * i].get_xydata(), ax.lines[2 * i + 1].get_xydata()
        assert_allclose(theory[:, 0], figures.SIM_TAUS)
        for (tau, inv), (_, inv_sim) in zip(theory, sim):
            assert_allclose(inv, 1 / stability.threshold(int(tau), momentum=scheme, m=m), rtol=1e-12)
            assert abs(inv_sim / inv - 1) < 0.01
    theory, sim = ax.lines[6].get_xydata(), ax.lines[7].get_xydata()
    for b, (x, inv), (_, inv_sim) in zip(figures.CHECK_UNIFORM_B, theory, sim):
        assert x == (1 + b) / 2
        assert_allclose(inv, 1 / stability.threshold(stability.Uniform(1, b)), rtol=1e-12)
        # single seeded runs: within a few percent of the mean-iterate edge (see README)
        assert abs(inv_sim / inv - 1) < 0.05


def test_fig7_uniform(figure_data):
    fig, ax = plotting.plot_fig7(figure_data["fig7"])
    xy = ax.lines[0].get_xydata()
    assert_allclose(xy[:, 0], [(1 + b) / 2 for b in figures.UNIFORM_B])
    for i in (0, 10, 63):
        b = figures.UNIFORM_B[i]
        assert_allclose(xy[i, 1], 1 / stability.threshold(stability.Uniform(1, b)), rtol=1e-12)
    # b = 1 is the constant delay 1
    assert_allclose(xy[0, 1], 1 / stability.edge_constant_delay(1), rtol=1e-10)


def test_fig8_gaussian_true_mean(figure_data):
    fig, ax = plotting.plot_fig8(figure_data["fig8"])
    true, paper = ax.lines[0].get_xydata(), ax.lines[1].get_xydata()
    assert_allclose(paper[:, 0], figures.GAUSS_MU)
    for i in (0, 4, 29):
        g = stability.DiscreteGaussian(figures.GAUSS_MU[i])
        assert_allclose(true[i, 0], g.mean, rtol=1e-14)
        assert_allclose(true[i, 1], 1 / stability.threshold(g), rtol=1e-12)
    assert true[0, 0] - 1 > 0.38  # the true mean differs from mu = 1, and it is shown


def test_plot_on_given_axes_and_no_global_style_change():
    import matplotlib.pyplot as plt

    before = dict(plt.rcParams)
    fig, ax = plt.subplots()
    out_fig, out_ax = plotting.plot_fig7(figures.FigureData(
        "fig7", {"b": np.array([1, 2]), "mean_delay": np.array([1.0, 1.5]), "alpha": np.array([1.0, 0.7]),
                 "inverse_alpha": np.array([1.0, 1 / 0.7]), "constant_delay_eq7": np.array([0.9, 1.2])}, ""), ax=ax)
    assert out_fig is fig and out_ax is ax
    assert dict(plt.rcParams) == before


def test_plotting_never_calls_show(monkeypatch, figure_data):
    import matplotlib.pyplot as plt

    def boom(*a, **k):
        raise AssertionError("show() called")

    monkeypatch.setattr(plt, "show", boom)
    for name, plot in plotting.PLOTS.items():
        plot(figure_data[name])


def test_liu_fig1_lines_are_the_simulated_mean_errors(figure_data):
    from stability.pca import PAPER_MU

    fig, ax = plotting.plot_liu_fig1(figure_data["liu_fig1"])
    res = figures._liu_simulation(False)  # the run the command made, cached in this process
    assert len(ax.lines) == len(PAPER_MU) == len(ax.collections)
    for i, line in enumerate(ax.lines):
        xy = line.get_xydata()
        assert_allclose(xy[:, 0], figures.LIU_DELAYS)
        assert_allclose(xy[:, 1], res.errors[i].mean(axis=1), rtol=1e-14)
        assert line.get_label() == f"$\\mu$ = {PAPER_MU[i]:g}"


def test_liu_tradeoff_three_series(figure_data):
    from stability.pca import PAPER_GOOD_DELAY, PAPER_MU, largest_good_delay, predicted_largest_stable_delay

    fig, ax = plotting.plot_liu_tradeoff(figure_data["liu_tradeoff"])
    sim, pred, paper = (line.get_xydata() for line in ax.lines[:3])
    assert_allclose(paper[:, 1], PAPER_GOOD_DELAY)
    res = figures._liu_simulation(False)
    for i, mu in enumerate(PAPER_MU):
        assert pred[i, 1] == predicted_largest_stable_delay(figures.LIU_EIGENVALUES, figures.LIU_ETA, mu)
        assert sim[i, 1] == largest_good_delay(res.delays, res.errors[i], factor=figures.LIU_FACTOR,
                                               rng=figures.LIU_SEED)[0]


def test_shared_mathtext_parses_once_gives_the_same_bytes_and_restores_matplotlib(monkeypatch):
    import io
    from pathlib import Path

    from matplotlib.mathtext import MathTextParser

    original = MathTextParser.__dict__["_parse_cached"]
    calls = []
    real = plotting._PARSE
    monkeypatch.setattr(plotting, "_PARSE", lambda *a: calls.append(a[1:]) or real(*a))

    data = figures.read_csv(str(Path(__file__).resolve().parent.parent / "figures" / "fig8.csv"))

    def render(shared):
        fig, _ = plotting.plot_fig8(data)  # math text in labels and annotation
        with plotting.shared_mathtext() if shared else io.BytesIO():
            out = []
            for fmt in ("png", "svg", "png"):  # each new Agg renderer has a parser of its own
                buf = io.BytesIO()
                plotting.save(fig, buf, fmt)
                out.append(buf.getvalue())
        plotting.close(fig)
        return out

    alone = render(False)
    n_alone = len(calls)
    assert MathTextParser.__dict__["_parse_cached"] is original
    calls.clear()
    shared = render(True)
    assert shared == alone  # the same bytes in every format
    assert len(calls) == len(set(calls)) < n_alone  # each (text, dpi, font, flags) parsed once per block
    assert MathTextParser.__dict__["_parse_cached"] is original
    with pytest.raises(RuntimeError), plotting.shared_mathtext():
        raise RuntimeError("restored on errors too")
    assert MathTextParser.__dict__["_parse_cached"] is original


def test_laid_out_once_gives_the_png_bytes_and_vector_pages_within_a_point():
    name = "fig6"  # with an inset (an axes locator)
    import io
    import re
    from pathlib import Path

    data = figures.read_csv(str(Path(__file__).resolve().parent.parent / "figures" / f"{name}.csv"))

    def render(once):
        fig, _ = plotting.PLOTS[name](data)
        engine = fig.get_layout_engine()
        out = {}
        with plotting.laid_out(fig) if once else io.BytesIO():
            for fmt in ("svg", "png", "pdf"):  # the PNG not first: the layout is the PNG's anyway
                buf = io.BytesIO()
                plotting.save(fig, buf, fmt)
                out[fmt] = buf.getvalue()
        assert fig.get_layout_engine() is engine and not plotting._LAYOUTS  # restored
        plotting.close(fig)
        return out

    alone = render(False)
    with matplotlib.rc_context({"savefig.format": "pdf"}):  # the layout is the PNG's whatever the default
        once = render(True)
    assert once["png"] == alone["png"]
    size = {"svg": rb'width="([\d.]+)pt" height="([\d.]+)pt"', "pdf": rb"MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]"}
    for fmt, pattern in size.items():
        (w1, h1), (w2, h2) = (map(float, re.search(pattern, d[fmt]).groups()) for d in (alone, once))
        assert abs(w1 - w2) < 1 and abs(h1 - h2) < 1, fmt  # points
