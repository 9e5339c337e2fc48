"""Symbolic cross-checks with sympy (imported only here, never by ``import stability``).

Each characteristic polynomial is derived from its optimizer's update rule, written in
the paper's velocity form, by substituting ``x_t = z**t`` and clearing denominators.
This is independent of the hand-written coefficient layout in
:mod:`stability.polynomials`, which the tests compare against it.
"""

from __future__ import annotations

import sympy as sp

from ._validation import check_momentum
from .delays import as_pmf

__all__ = ["derive_polynomial", "derive_eq7"]

z, alpha, t = sp.symbols("z alpha t")


def derive_polynomial(delay, *, momentum: str = "none", m: float = 0.0) -> sp.Poly:
    """Characteristic polynomial in ``z`` (with symbol ``alpha``) derived from the update.

    The update rules (expected iterate, delay pmf ``p_k``; ``m`` and the ``p_k`` are
    converted to exact rationals, so the result is exact):

    * none (eq. 2):     ``x_{t+1} = x_t - alpha sum_k p_k x_{t-k}``
    * standard (eq. 9): ``v_{t+1} = m v_t - alpha (1-m) sum_k p_k x_{t-k}``,
      ``x_{t+1} = x_t + v_{t+1}``
    * shifted (eq. 10): ``v_{t+1} = sum_k p_k (m v_{t-k} - alpha (1-m) x_{t-k})``,
      ``x_{t+1} = x_t + v_{t+1}``

    with the velocity eliminated through ``v_s = x_s - x_{s-1}``.  The mode
    ``x_t = z**t`` turns the recurrence into a Laurent polynomial in ``z``; multiplying by
    the lowest power that clears negative exponents gives a monic polynomial.

    Returns
    -------
    sympy.Poly
        In the generator ``z`` with coefficients in ``alpha``; ``Poly.all_coeffs()`` lists
        them highest power first, as :func:`stability.characteristic_polynomial` does.
    """
    momentum, m = check_momentum(momentum, m)
    p = [sp.Rational(float(w)) for w in as_pmf(delay)]
    mm = sp.Rational(m)

    def x(s):
        return z**s

    def v(s):
        return x(s) - x(s - 1)

    if momentum == "none":
        residual = x(t + 1) - (x(t) - alpha * sum(pk * x(t - k) for k, pk in enumerate(p)))
    elif momentum == "standard":
        v_next = mm * v(t) - alpha * (1 - mm) * sum(pk * x(t - k) for k, pk in enumerate(p))
        residual = x(t + 1) - (x(t) + v_next)
    else:
        v_next = sum(pk * (mm * v(t - k) - alpha * (1 - mm) * x(t - k)) for k, pk in enumerate(p))
        residual = x(t + 1) - (x(t) + v_next)
    laurent = sp.expand(sp.powsimp(sp.expand(residual / z**t)))
    # Clear the most negative power of z present.
    powers = [term.as_coeff_exponent(z)[1] for term in sp.Add.make_args(laurent)]
    shift = -min(min(powers), 0)
    poly = sp.Poly(sp.expand(laurent * z**shift), z)
    # Remove common factors z^j (a root at 0 that carries no dynamics).
    while poly.degree() > 0 and poly.eval(0) == 0:
        poly = sp.Poly(sp.cancel(poly.as_expr() / z), z)
    return poly


def derive_eq7(order: int = 2):
    """Expand eq. 6 for large ``tau``: returns ``(leading, correction)`` as sympy exprs.

    ``1 / alpha* = 1 / (2 sin(pi / (4 tau + 2)))`` is expanded in ``eps = 1/tau``;
    ``leading`` is the part that grows or stays constant (eq. 7: ``(2 tau + 1)/pi``) and
    ``correction`` the first vanishing term (``pi / (48 tau)``).
    """
    eps, tau = sp.symbols("epsilon tau", positive=True)
    expr = 1 / (2 * sp.sin(sp.pi / (4 / eps + 2)))
    series = sp.series(expr, eps, 0, order).removeO()
    terms = sp.Add.make_args(sp.expand(series))
    leading = sp.Add(*[term for term in terms if term.as_coeff_exponent(eps)[1] <= 0])
    correction = sp.expand(series - leading)
    return sp.simplify(leading.subs(eps, 1 / tau)), sp.simplify(correction.subs(eps, 1 / tau))
