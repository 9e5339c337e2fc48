"""The benchmarks' timing helpers refuse impossible readings instead of printing them."""

import importlib.util
import time
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parent.parent / "benchmarks" / "_common.py"


@pytest.fixture(scope="module")
def common():
    spec = importlib.util.spec_from_file_location("bench_common", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _spin(seconds):
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


def test_kernel_benchmark_printed_a_negative_time_per_step(common):
    # the "larger" run is the cheaper one, as load can make it look: the difference is
    # negative on every attempt, so the helper raises rather than return it
    with pytest.raises(common.ImpossibleReading, match="not positive"):
        common.marginal(lambda: _spin(0.004), lambda: None, extra=100, repeats=1, retries=2)


def test_marginal_cost_of_real_work_is_positive(common):
    per_unit = common.marginal(lambda: _spin(0.002), lambda: _spin(0.012), extra=10, repeats=1)
    assert 0.0005 < per_unit < 0.002  # 0.001 s of CPU per unit, with room for the clock's granularity


def test_a_reading_at_or_below_the_floor_is_refused(common):
    with pytest.raises(common.ImpossibleReading):
        common.cpu_time(lambda: None, repeats=1, min_time=1.0, retries=2)
