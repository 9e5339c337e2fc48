"""Linear stability analysis of asynchronous (delayed) gradient descent.

Near a minimum of sharpness ``a``, delayed SGD (with or without momentum) is stable iff
every root of a characteristic polynomial lies inside the unit circle.  This package
computes those polynomials, their largest root modulus, the edge of stability
``alpha* = a * eta`` and the learning-rate rule that keeps a minimum stable when the
delay or the momentum changes.

``import stability`` loads numpy and scipy only; plotting (matplotlib) and the symbolic
cross-checks (sympy) live in submodules imported on demand.
"""

from .closed_forms import (
    LargeDelayLaw,
    edge_constant_delay,
    heavy_ball_edge,
    inverse_edge_approx,
    large_delay_edge,
    large_delay_law,
)
from .delays import DelayDistribution, DiscreteGaussian, Empirical, Uniform, as_pmf, mean_delay
from .polynomials import characteristic_polynomial, polynomial_pair
from .moments import almost_sure_edge, mean_square_edge
from .roots import max_root_modulus, polynomial_roots
from .thresholds import (
    ThresholdResult,
    scaled_learning_rate,
    scaled_learning_rate_approx,
    sweep,
    threshold,
    threshold_result,
    threshold_array,
)

__version__ = "0.1.0"

__all__ = [
    "DelayDistribution",
    "DiscreteGaussian",
    "Empirical",
    "LargeDelayLaw",
    "ThresholdResult",
    "Uniform",
    "almost_sure_edge",
    "as_pmf",
    "characteristic_polynomial",
    "edge_constant_delay",
    "heavy_ball_edge",
    "inverse_edge_approx",
    "large_delay_edge",
    "large_delay_law",
    "max_root_modulus",
    "mean_delay",
    "mean_square_edge",
    "polynomial_pair",
    "polynomial_roots",
    "scaled_learning_rate",
    "scaled_learning_rate_approx",
    "sweep",
    "threshold",
    "threshold_result",
    "threshold_array",
]
