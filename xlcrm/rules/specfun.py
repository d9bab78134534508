"""The special functions the churn model needs, on numpy arrays.

scipy has them all, but importing ``scipy.special`` and ``scipy.optimize`` costs about half a
second, more than the rest of an update of a few hundred customers; the model needs only
log-gamma and digamma of positive arguments, the logistic function and one Gauss
hypergeometric series, each a few lines here. Accuracy: about 1e-15 relative for digamma and
1e-14 absolute for log-gamma (tests/test_specfun.py compares them with scipy on a grid).
"""

from __future__ import annotations

import numpy as np

SHIFT = 8.0  # the asymptotic series below are accurate to double precision from here on
_HALF_LOG_2PI = 0.5 * np.log(2 * np.pi)
# Stirling's series for log-gamma: B_2k / (2k (2k-1)), k = 1..7
_STIRLING = (1 / 12, -1 / 360, 1 / 1260, -1 / 1680, 1 / 1188, -691 / 360360, 1 / 156)
# the asymptotic series of digamma: B_2k / (2k), k = 1..7
_DIGAMMA = (1 / 12, -1 / 120, 1 / 252, -1 / 240, 1 / 132, -691 / 32760, 1 / 12)


def _shifted(x) -> tuple[np.ndarray, np.ndarray]:
    """``x`` moved up by whole steps to at least SHIFT, and the values passed on the way (a
    row per element, NaN where no step was taken), for the recurrences G(x+1) = x G(x) and
    psi(x+1) = psi(x) + 1/x. One array operation for all the steps: the model calls these
    on a few values many times, where numpy's per-call cost is what counts."""
    x = np.asarray(x, dtype=np.float64)
    steps = x[..., None] + np.arange(SHIFT)
    low = steps < SHIFT
    return x + low.sum(axis=-1), np.where(low, steps, np.nan)


def _series(x, coefficients: tuple[float, ...]):
    """x shifted (see ``_shifted``), 1/y and the even power series in 1/y both asymptotic
    expansions below share."""
    y, passed = _shifted(x)
    inv = 1.0 / y
    inv2 = inv * inv
    series = np.zeros_like(y)
    for c in reversed(coefficients):
        series = series * inv2 + c
    return y, passed, inv, series


def gammaln(x) -> np.ndarray:
    """log Gamma(x) for x > 0."""
    y, passed, inv, series = _series(x, _STIRLING)
    out = (y - 0.5) * np.log(y) - y + _HALF_LOG_2PI + series * inv
    return out - np.log(np.nanprod(passed, axis=-1))


def digamma(x) -> np.ndarray:
    """psi(x) = d/dx log Gamma(x), for x > 0."""
    y, passed, inv, series = _series(x, _DIGAMMA)
    return np.log(y) - 0.5 * inv - series * inv * inv - np.nansum(1.0 / passed, axis=-1)


def expit(x) -> np.ndarray:
    """1 / (1 + exp(-x)), exact 0 and 1 at -inf and +inf."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-np.asarray(x, dtype=np.float64)))


def hyp2f1_series(A: float, B: float, C: np.ndarray, z: np.ndarray, tol: float = 1e-15):
    """2F1(A, B; C; z) for 0 <= z < 1 by its power series, each element summed until its
    terms no longer matter. Meant for small A and B (the churn model passes it the Euler
    transform of eq. 10's function), where the terms shrink about like z^n from the start;
    the elements still running are gathered apart now and then, so a few slow ones do not
    cost the rest."""
    shape = np.shape(z)
    C = np.broadcast_to(np.asarray(C, dtype=np.float64), shape).ravel()
    z = np.asarray(z, dtype=np.float64).ravel()
    out = np.ones_like(z)
    live = np.arange(len(z))
    total, term, c, zz = out.copy(), np.ones_like(z), C, z
    n = 0
    while len(live) and n < 100_000:
        for _ in range(8):  # a few terms between checks: the checks cost as much as a term
            term *= (A + n) * (B + n) / ((c + n) * (n + 1.0)) * zz
            total += term
            n += 1
        going = np.abs(term) > tol * np.abs(total)
        if not going.all():
            out[live[~going]] = total[~going]
            live, total, term, c, zz = (v[going] for v in (live, total, term, c, zz))
    return out.reshape(shape)
