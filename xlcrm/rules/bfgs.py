"""A quasi-Newton minimiser for the churn model's few parameters (Nocedal & Wright,
Numerical Optimization, 2nd ed., algorithm 6.1 with a backtracking Armijo line search).

The models have three or four parameters and exact gradients, where BFGS is the textbook
method; scipy's would do the same work behind an import that costs more than the fit.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..record import record

Objective = Callable[[np.ndarray], tuple[float, np.ndarray]]


@record(frozen=True)
class Minimum:
    """Where the minimiser stopped, and whether it got there by the gradient test."""

    x: np.ndarray
    fun: float
    jac: np.ndarray
    converged: bool
    iterations: int


def minimise(
    f: Objective,
    x0: np.ndarray,
    gtol: float = 1e-9,
    ftol: float = 1e-15,
    flat: float = 1e-4,
    maxiter: int = 1000,
) -> Minimum:
    """The minimum of ``f`` (value and gradient) from ``x0``. Converged when the largest
    gradient component is below ``gtol`` times max(1, |f|); also when no step lowers f any
    more, or lowers it by less than ``ftol`` relative (the arithmetic's limit), at a point
    where it is below ``flat`` times that."""
    x = np.asarray(x0, dtype=np.float64).copy()
    with np.errstate(all="ignore"):  # a trial step may overflow: f is then not finite
        return _minimise(f, x, gtol, ftol, flat, maxiter)


def _minimise(
    f: Objective, x: np.ndarray, gtol: float, ftol: float, flat: float, maxiter: int
) -> Minimum:
    fx, g = f(x)
    n = len(x)
    # the first step no longer than 1 in any coordinate, whatever the gradient's size
    H = np.eye(n) / max(1.0, float(np.max(np.abs(g))))
    for it in range(maxiter):
        scale = max(1.0, abs(fx))
        if np.max(np.abs(g)) <= gtol * scale:
            return Minimum(x, fx, g, True, it)
        p = -H @ g
        if g @ p >= 0:  # not a descent direction: start the curvature estimate again
            H = np.eye(n) / max(1.0, float(np.max(np.abs(g))))
            p = -H @ g
        step, moved = 1.0, False
        for _ in range(60):
            x_new = x + step * p
            f_new, g_new = f(x_new)
            if np.isfinite(f_new) and f_new <= fx + 1e-4 * step * (g @ p):
                moved = True
                break
            step *= 0.5
        if not moved:
            return Minimum(x, fx, g, bool(np.max(np.abs(g)) <= flat * scale), it)
        s, y = x_new - x, g_new - g
        gain = fx - f_new
        x, fx, g = x_new, f_new, g_new
        if gain <= ftol * max(abs(fx), 1.0):  # f no longer moves at this precision
            return Minimum(x, fx, g, bool(np.max(np.abs(g)) <= flat * scale), it + 1)
        sy = s @ y
        if sy > 1e-12 * np.linalg.norm(s) * np.linalg.norm(y):
            if it == 0:
                H = np.eye(n) * (sy / (y @ y))  # eq. (6.20): the first step's scale
            rho = 1.0 / sy
            V = np.eye(n) - rho * np.outer(s, y)
            H = V @ H @ V.T + rho * np.outer(s, s)  # eq. (6.17)
    return Minimum(x, fx, g, False, maxiter)
