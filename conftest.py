"""Repository-wide pytest set-up: headless plotting for tests, doctests and notebooks."""

import os

# Notebook kernels started by nbmake inherit this environment, so they draw with Agg too.
os.environ["MPLBACKEND"] = "Agg"

# One BLAS thread, here and in every notebook kernel: on a loaded 2-core machine
# numpy.roots of degree 257 under two OpenBLAS threads costs 7x the CPU time of one
# (benchmarks/bench_blas.py).  threadpoolctl also limits a BLAS that numpy has already
# loaded before this file ran.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy  # noqa: E402,F401  (loads BLAS, so that threadpoolctl finds it)
from threadpoolctl import threadpool_limits  # noqa: E402

threadpool_limits(1)

# tests/test_notebooks.py runs pytest on a notebook of its own, in-process
pytest_plugins = ["pytester"]
