"""Sweeps on a real dask.distributed cluster (two worker processes, one thread each)."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import stability

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    with cluster, distributed.Client(cluster) as c:
        yield c


def test_sweep_on_a_dask_local_cluster_is_identical_to_serial(client):
    configs = ([(t, "none", 0.0) for t in range(0, 40, 3)]
               + [(t, s, m) for t in (0, 5, 33) for s in ("standard", "shifted") for m in (0.3, 0.9)]
               + [(stability.Uniform(1, b), "none", 0.0) for b in (2, 9, 30)]
               + [(stability.DiscreteGaussian(6), "shifted", 0.5)])
    serial = stability.sweep(configs)
    spread = stability.sweep(configs, executor=client.get_executor(pure=False), chunksize=4)
    assert_array_equal(spread, serial)  # bit for bit: each point is a deterministic computation
    # and the work did leave this process: both workers took part
    per_worker = client.run(lambda: __import__("sys").modules.get("stability") is not None)
    assert len(per_worker) == 2 and all(per_worker.values())


def test_sweep_with_brentq_on_the_cluster_matches_the_closed_form(client):
    taus = [1, 10, 50, 100]
    got = stability.sweep([(t, "none", 0.0) for t in taus], method="brentq",
                          executor=client.get_executor(pure=False))
    exact = np.array([stability.edge_constant_delay(t) for t in taus])
    np.testing.assert_allclose(got, exact, rtol=1e-10)


def test_simulated_edges_on_a_dask_local_cluster_are_identical_to_serial(client):
    from stability.simulation import edge_learning_rates

    configs = [(1.0, 4, "none", 0.0), (2.0, 8, "shifted", 0.9), (1.0, 3, "standard", 0.5),
               (1.0, stability.Uniform(1, 6), "none", 0.0)]
    serial = edge_learning_rates(configs)
    spread = edge_learning_rates(configs, executor=client.get_executor(pure=False))
    assert spread == serial
    # and each is the edge the theory predicts, to the simulation's resolution
    for (a, delay, scheme, m), r in zip(configs[:3], serial):
        assert abs(r.eta * a / stability.threshold(delay, momentum=scheme, m=m) - 1) < 0.01


def test_edge_learning_rates_bad_config():
    from stability.simulation import edge_learning_rates

    with pytest.raises(TypeError, match=r"\(1.0, 4\)"):
        edge_learning_rates([(1.0, 4)])
