"""Polynomials derived symbolically from the update rules equal the numeric ones."""

import numpy as np
import pytest
import sympy as sp
from numpy.testing import assert_allclose

from stability import DiscreteGaussian, Empirical, Uniform, polynomial_pair
from stability.symbolic import alpha, derive_eq7, derive_polynomial


def _strip_common_zero_roots(P, Q):
    # the numeric form may carry a factor z (e.g. standard momentum with m = 0); the
    # symbolic derivation removes such factors
    while P[-1] == 0 and Q[-1] == 0:
        P, Q = P[:-1], Q[:-1]
    return P, Q


CASES = [(tau, scheme, m) for tau in (0, 1, 2, 5, 12)
         for scheme, m in [("none", 0.0), ("standard", 0.0), ("standard", 0.37), ("standard", 0.9),
                           ("shifted", 0.0), ("shifted", 0.5), ("shifted", 0.99)]]
CASES += [(Uniform(1, 6), "none", 0.0), (Uniform(2, 5), "standard", 0.8), (Uniform(0, 4), "shifted", 0.9),
          (DiscreteGaussian(3), "shifted", 0.7), (Empirical([0.2, 0, 0.5, 0.3]), "standard", 0.6)]


@pytest.mark.parametrize("delay, scheme, m", CASES)
def test_symbolic_polynomial_equals_numeric(delay, scheme, m):
    poly = derive_polynomial(delay, momentum=scheme, m=m)
    coeffs = poly.all_coeffs()  # highest power first, like numpy.roots
    sym_P = np.array([float(c.subs(alpha, 0)) for c in coeffs])
    sym_Q = np.array([float(sp.diff(c, alpha)) for c in coeffs])
    P, Q = _strip_common_zero_roots(*polynomial_pair(delay, momentum=scheme, m=m))
    assert P.size == sym_P.size
    assert_allclose(P, sym_P, rtol=1e-15, atol=1e-15)
    assert_allclose(Q, sym_Q, rtol=1e-15, atol=1e-15)


def test_eq7_is_the_leading_part_of_eq6():
    leading, correction = derive_eq7()
    tau = sp.Symbol("tau", positive=True)
    assert sp.simplify(leading - (2 * tau + 1) / sp.pi) == 0
    assert sp.simplify(correction - sp.pi / (48 * tau)) == 0
