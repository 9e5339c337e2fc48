"""Repository-wide pytest set-up: headless plotting for tests, doctests and notebooks."""

import os

# Notebook kernels started by nbmake inherit this environment, so they draw with Agg too.
os.environ["MPLBACKEND"] = "Agg"
