"""The figures' numbers are a deterministic computation (checked cheaply, separately from
rendering, which tests/conftest.py checks by rendering the same numbers twice)."""

import numpy as np
import pytest

from stability import figures
from stability.pca import async_msgd
from stability.simulation import edge_learning_rate


@pytest.mark.parametrize("name", ["fig6", "fig7", "fig8", "fig10"])
def test_theory_figures_recompute_to_identical_numbers(name, figure_data):
    again = figures.compute(name)
    for key, col in figure_data[name].columns.items():
        # the CSV holds repr() of each float, which parses back exactly
        assert np.array_equal(np.asarray(again.column(key), dtype=float), col), key


def test_simulated_edge_is_reproducible():
    a = edge_learning_rate(1.0, 8, momentum="standard", m=0.9)
    b = edge_learning_rate(1.0, 8, momentum="standard", m=0.9)
    assert a == b


def test_async_msgd_is_reproducible_from_its_seed():
    kw = dict(runs=4, steps=500, window=100, rng=7)
    a = async_msgd((4.0, 3.0, 2.0, 1.0), 5e-3, [0.7, 0.9], [0, 10], **kw)
    b = async_msgd((4.0, 3.0, 2.0, 1.0), 5e-3, [0.7, 0.9], [0, 10], **kw)
    assert np.array_equal(a.errors, b.errors)
