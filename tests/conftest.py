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
    """``stability figures`` run twice (all formats) into two fresh directories."""
    from stability.cli import main

    a, b = tmp_path_factory.mktemp("run1"), tmp_path_factory.mktemp("run2")
    assert main(["figures", "--out", str(a), "--format", "png,svg,pdf", "--no-progress"]) == 0
    assert main(["figures", "--out", str(b), "--format", "png,svg,pdf", "--no-progress"]) == 0
    return a, b


@pytest.fixture(scope="session")
def figure_data(figure_runs):
    """Every figure's numbers, as written by the command (read back from its CSVs)."""
    from stability import figures

    return {name: figures.read_csv(str(figure_runs[0] / f"{name}.csv")) for name in figures.FIGURES}
