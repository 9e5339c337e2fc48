import os



from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def figure_runs(tmp_path_factory):
    """``stability figures`` (all formats) into a fresh directory, and the same numbers
    rendered a second time into another.

    The second directory checks that rendering is deterministic (same data, same bytes);
    it does not recompute the figures: that the computation is deterministic is checked
    by the comparison of a fresh run with the committed CSVs (tests/test_figures.py) and
    cheaply by tests/test_determinism.py.
    """
    from stability import figures, plotting, render
    from stability.cli import main

    a, b = tmp_path_factory.mktemp("run1"), tmp_path_factory.mktemp("run2")
    computed = {}
    compute = figures.compute

    def recording(name, progress=None):
        computed[name] = compute(name, progress=progress)
        return computed[name]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(figures, "compute", recording)
        assert main(["figures", "--out", str(a), "--format", "png,svg,pdf", "--no-progress"]) == 0
    assert set(computed) == set(figures.FIGURES)
    with plotting.shared_mathtext():  # as the command renders (a cache of its own)
        for data in computed.values():
            render.write_figure(data, str(b), "png,svg,pdf")
    return a, b


@pytest.fixture(scope="session")
def figure_data(figure_runs):
    """Every figure's numbers, as written by the command (read back from its CSVs)."""
    from stability import figures

    return {name: figures.read_csv(str(figure_runs[0] / f"{name}.csv")) for name in figures.FIGURES}
