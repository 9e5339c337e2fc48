"""Helpers shared by the checks: bounds, state matrices, direct simulation, fits."""

from __future__ import annotations

import numpy as np


def below(x: float, bound: float):
    """``"< bound"`` if ``|x| < bound`` (a stable way to report a vanishing error), else ``x``."""
    return f"< {bound:g}" if abs(x) < bound else float(x)


def lags(tau: int, momentum: str, m: float, alpha: float) -> dict[int, float]:
    """Coefficients ``c_j`` of ``x_{t+1} = sum_j c_j x_{t-j}``, written from the update rules.

    none (eq. 3): ``x_{t+1} = x_t - alpha x_{t-tau}``; standard (eq. 25):
    ``x_{t+1} = (1+m) x_t - m x_{t-1} - alpha (1-m) x_{t-tau}``; shifted (Appendix D.3):
    ``x_{t+1} = x_t + m (x_{t-tau} - x_{t-tau-1}) - alpha (1-m) x_{t-tau}``.
    """
    c: dict[int, float] = {}

    def add(j, v):
        c[j] = c.get(j, 0.0) + v

    if momentum == "none":
        add(0, 1.0), add(tau, -alpha)
    elif momentum == "standard":
        add(0, 1.0 + m), add(1, -m), add(tau, -alpha * (1.0 - m))
    else:
        add(0, 1.0), add(tau, m), add(tau + 1, -m), add(tau, -alpha * (1.0 - m))
    return c


def state_matrix(tau: int, momentum: str, m: float, alpha: float) -> np.ndarray:
    """Companion (state-transition) matrix of the recurrence of :func:`lags`."""
    c = lags(tau, momentum, m, alpha)
    K = max(c) + 1
    A = np.zeros((K, K))
    for j, v in c.items():
        A[0, j] += v
    A[1:, :-1] += np.eye(K - 1)
    return A


def simulate(tau: int, momentum: str, m: float, alpha: float, steps: int) -> np.ndarray:
    """``|x_t|`` of the scalar recurrence of :func:`lags`, started from ``x = 1`` (all history)."""
    c = lags(tau, momentum, m, alpha)
    K = max(c) + 1
    hist = [1.0] * K  # hist[j] = x_{t-j}
    out = np.empty(steps)
    items = list(c.items())
    for t in range(steps):
        new = sum(v * hist[j] for j, v in items)
        hist.insert(0, new)
        hist.pop()
        out[t] = abs(new)
    return out


def fit_line(x, y) -> tuple[float, float, float]:
    """Least-squares line: ``(slope, intercept, largest |residual|)``."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    slope, intercept = np.polyfit(x, y, 1)
    return float(slope), float(intercept), float(np.max(np.abs(y - (slope * x + intercept))))


def loglog_slope(x, y) -> float:
    """Least-squares slope of ``log y`` against ``log x``."""
    return float(np.polyfit(np.log(np.asarray(x, float)), np.log(np.asarray(y, float)), 1)[0])
