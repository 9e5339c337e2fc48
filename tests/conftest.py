import os

os.environ.setdefault("MPLBACKEND", "Agg")  # headless plots, also for notebook kernels

from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "ci", derandomize=True, deadline=None, print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def figure_data():
    """Every figure's numbers, computed once per test session."""
    from stability import figures

    return {name: figures.compute(name) for name in figures.FIGURES}
