"""Hypothesis strategies shared by the test modules."""

import numpy as np
from hypothesis import strategies as st

import stability

schemes = st.sampled_from(["none", "standard", "shifted"])
momenta = st.floats(0.0, 0.99, allow_nan=False)


@st.composite
def scheme_and_m(draw):
    scheme = draw(schemes)
    return scheme, (0.0 if scheme == "none" else draw(momenta))


@st.composite
def pmfs(draw, max_support=40):
    """Random pmfs over 0..K, with gaps (zero weights) and a positive last weight."""
    K = draw(st.integers(0, max_support))
    w = draw(st.lists(st.floats(0.0, 1.0), min_size=K + 1, max_size=K + 1))
    w = np.array(w)
    w[-1] += 0.05
    return w / w.sum()


@st.composite
def delays(draw, max_tau=40):
    kind = draw(st.sampled_from(["const", "uniform", "gauss", "empirical"]))
    if kind == "const":
        return draw(st.integers(0, max_tau))
    if kind == "uniform":
        hi = draw(st.integers(0, max_tau))
        return stability.Uniform(draw(st.integers(0, hi)), hi)
    if kind == "gauss":
        return stability.DiscreteGaussian(draw(st.integers(1, max(1, max_tau // 2))),
                                          sigma=draw(st.floats(0.2, 8.0)))
    return stability.Empirical(draw(pmfs(max_tau)))
