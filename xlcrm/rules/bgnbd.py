"""Buy-till-you-die models, fitted by maximum likelihood: BG/NBD for how many purchases a
customer will make and whether they are still a customer, Gamma-Gamma for how much they
spend per purchase.

References (equation numbers are the papers'):
- BG/NBD: P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), "Counting Your Customers" the Easy
  Way: An Alternative to the Pareto/NBD Model, Marketing Science 24(2), 275-284.
- Gamma-Gamma: P. S. Fader, B. G. S. Hardie (2013), The Gamma-Gamma Model of Monetary Value
  (note); P. S. Fader, B. G. S. Hardie, K. L. Lee (2005), RFM and CLV: Using Iso-Value Curves
  for Customer Base Analysis, Journal of Marketing Research 42(4), 415-430.

Per customer: ``x`` repeat purchases (purchase days after the first), ``tx`` the time of the
last one and ``T`` the time observed, both from the first purchase. Everything is computed
in log space (no overflow for frequent buyers), with the special functions of
``specfun.py`` and the minimiser of ``bfgs.py``; identical customers are fitted once, with
their count as a weight.
"""

from __future__ import annotations

import numpy as np

from ..record import record
from . import specfun
from .bfgs import minimise


@record(frozen=True)
class Fit:
    """Fitted parameters by name, the log-likelihood at them, and how many customers."""

    params: dict[str, float]
    log_likelihood: float
    customers: int
    converged: bool


def _unique(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of the columns, and how many customers each stands for."""
    cols = [np.asarray(c, dtype=np.float64) for c in columns]
    order = np.lexsort(cols[::-1])
    cols = [c[order] for c in cols]
    new = np.ones(len(order), dtype=bool)
    for c in cols:
        new[1:] &= c[1:] == c[:-1]
    starts = np.flatnonzero(~np.r_[False, new[1:]] if len(order) else new)
    counts = np.diff(np.r_[starts, len(order)]).astype(np.float64)
    return [c[starts] for c in cols], counts


LOG_BOUND = 25.0  # parameters within e^-25..e^25 (about 1e-11..7e10)


def _fit(neg_ll, start: np.ndarray) -> tuple[np.ndarray, float, bool]:
    """Minimise over log-parameters (they stay positive), ``neg_ll`` giving the value and
    its gradient. Data that do not pin a model down (every customer alike, spend with no
    spread) send the parameters off together towards 0 or infinity, where the likelihood's
    large terms cancel into noise that can look like an improvement; outside the bounds a
    step counts as a failed one, and a fit stuck at a bound does not converge."""

    def bounded(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        if np.max(np.abs(log_params)) > LOG_BOUND:
            return np.inf, np.zeros_like(log_params)
        return neg_ll(log_params)

    found = minimise(bounded, start)
    finite = bool(np.all(np.isfinite(found.x)) and np.isfinite(found.fun))
    return np.exp(found.x), float(found.fun), finite and found.converged


# --- BG/NBD --------------------------------------------------------------------------------


def bgnbd_log_likelihood(
    r: float,
    alpha: float,
    a: float,
    b: float,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    levels: np.ndarray | None = None,
    at: np.ndarray | None = None,
    common: np.ndarray | None = None,
) -> np.ndarray:
    """Each customer's log-likelihood, eq. (6) of Fader, Hardie & Lee (2005):

    L = B(a, b+x)/B(a, b) * G(r+x) a^r / (G(r) (alpha+T)^(r+x))
        + [x > 0] B(a+1, b+x-1)/B(a, b) * G(r+x) alpha^r / (G(r) (alpha+tx)^(r+x))

    ``common`` is ``_common``'s value when the caller has it already.
    """
    x = np.asarray(x, dtype=np.float64)
    if common is None:
        common = _common(r, alpha, a, b, x, levels, at)
    alive = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    xs = np.where(repeat, x, 1.0)  # keeps log(b + x - 1) finite where the term is dropped
    gone = np.log(a) - np.log(b + xs - 1) - (r + x) * np.log(alpha + tx)
    return common + np.logaddexp(alive, np.where(repeat, gone, -np.inf))


def fit_bgnbd(x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> Fit:
    (ux, utx, uT), w = _unique(x, tx, T)
    repeat = ux > 0
    xs = np.where(repeat, ux, 1.0)
    levels, at = np.unique(ux, return_inverse=True)
    n = len(levels)

    def neg_ll(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        r, alpha, a, b = np.exp(log_params)
        common = _common(r, alpha, a, b, ux, levels, at)
        ll = bgnbd_log_likelihood(r, alpha, a, b, ux, utx, uT, levels, at, common)
        total = -(w * ll).sum()
        if not np.isfinite(total):
            return 1e300, np.zeros(4)
        # digamma at r + x, a + b + x and b + x (on x's few values), then at r, a + b and b:
        # one call, as numpy's cost per call is what counts on so few values
        psi = specfun.digamma(
            np.concatenate([r + levels, a + b + levels, b + levels, [r, a + b, b]])
        )
        psi_rx, psi_abx, psi_bx = (psi[i * n : (i + 1) * n][at] for i in range(3))
        psi_r, psi_ab, psi_b = psi[3 * n :]
        # the weights of eq. (6)'s two terms in each customer's likelihood
        alive = -(r + ux) * np.log(alpha + uT)
        w3 = np.exp(alive - ll + common)
        w4 = 1.0 - w3
        d_r = psi_rx - psi_r + np.log(alpha) - w3 * np.log(alpha + uT)
        d_r -= np.where(repeat, w4 * np.log(alpha + utx), 0.0)
        d_alpha = r / alpha - w3 * (r + ux) / (alpha + uT)
        d_alpha -= np.where(repeat, w4 * (r + ux) / (alpha + utx), 0.0)
        d_a = psi_ab - psi_abx + np.where(repeat, w4 / a, 0.0)
        d_b = psi_ab + psi_bx - psi_b - psi_abx
        d_b -= np.where(repeat, w4 / (b + xs - 1), 0.0)
        grad = np.array([(w * d).sum() for d in (d_r, d_alpha, d_a, d_b)])
        return float(total), -grad * np.array([r, alpha, a, b])  # d/d log(theta)

    params, fun, ok = _fit(neg_ll, np.zeros(4))
    names = ("r", "alpha", "a", "b")
    return Fit(dict(zip(names, params.tolist(), strict=True)), -fun, len(x), ok)


def _common(
    r: float, alpha: float, a: float, b: float, x: np.ndarray, levels=None, at=None
) -> np.ndarray:
    """The factor both terms of eq. (6) share, in logs. It depends on the customer only
    through x, which takes few values: the special functions run on those."""
    if levels is None:
        levels, at = np.unique(x, return_inverse=True)
    n = len(levels)
    # log-gamma at r + x, b + x, a + b + x (on x's few values), r, a + b and b in one call
    lg = specfun.gammaln(np.concatenate([r + levels, b + levels, a + b + levels, [r, a + b, b]]))
    per = lg[:n] + lg[n : 2 * n] - lg[2 * n : 3 * n]
    g_r, g_ab, g_b = lg[3 * n :]
    return per[at] - g_r + r * np.log(alpha) + g_ab - g_b


def _gone_log_odds(p: dict[str, float], x, tx, T) -> np.ndarray:
    """log of a/(b+x-1) * ((alpha+T)/(alpha+tx))^(r+x): the odds the customer has left."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    xs = np.where(x > 0, x, 1.0)
    odds = np.log(a) - np.log(b + xs - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return np.where(x > 0, odds, -np.inf)


def probability_alive(p: dict[str, float], x, tx, T) -> np.ndarray:
    """P(still a customer | x, tx, T), eq. (11): 1 / (1 + [x > 0] a/(b+x-1) ((alpha+T)/(alpha+tx))^(r+x));
    a customer with no repeat purchase is alive by the model's assumption (a drop-out happens
    only right after a purchase)."""
    x = np.asarray(x, dtype=np.float64)
    return specfun.expit(-_gone_log_odds(p, x, tx, T))


def expected_purchases(p: dict[str, float], t: float | np.ndarray, x, tx, T) -> np.ndarray:
    """E[Y(t) | x, tx, T], purchases in the next ``t``, eq. (10):

    (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))]
    divided by the same denominator as P(alive). ``t`` may be a column of horizons: a row
    of results for each."""
    r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
    x = np.asarray(x, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    z = t / (alpha + T + t)
    # ((alpha+T)/(alpha+T+t))^(r+x) 2F1(r+x, b+x; a+b+x-1; z) is, by Euler's transformation
    # 2F1(A, B; C; z) = (1-z)^(C-A-B) 2F1(C-A, C-B; C; z), (1-z)^(a-1) times a series whose
    # first two parameters do not grow with x: it converges like z^n for every customer
    hyp = specfun.hyp2f1_series(a + b - 1 - r, a - 1, a + b + x - 1, z)
    first = (a + b + x - 1) / (a - 1) * (1 - np.exp((a - 1) * np.log1p(-z)) * hyp)
    out = first * specfun.expit(-_gone_log_odds(p, x, tx, T))
    return np.where(np.isfinite(out), out, np.nan)


# --- Gamma-Gamma ---------------------------------------------------------------------------


def gamma_gamma_log_likelihood(
    p: float, q: float, v: float, x, m, levels=None, at=None
) -> np.ndarray:
    """Each repeat buyer's log-likelihood of the mean ``m`` of their ``x`` repeat purchases
    (Fader & Hardie 2013, eq. 3, with the mean's density):

    G(px+q) / (G(px) G(q)) * v^q * m^(px-1) * x^(px) / (v + x m)^(px+q)

    The gamma functions depend on the customer only through x: they run on its few values.
    """
    x = np.asarray(x, dtype=np.float64)
    if levels is None:
        levels, at = np.unique(x, return_inverse=True)
    n = len(levels)
    # log-gamma at p x + q and p x (on x's few values) and at q, in one call
    lg = specfun.gammaln(np.concatenate([p * levels + q, p * levels, [q]]))
    px = p * x
    return (
        (lg[:n] - lg[n : 2 * n])[at]
        - lg[2 * n]
        + q * np.log(v)
        + (px - 1) * np.log(m)
        + px * np.log(x)
        - (px + q) * np.log(v + x * m)
    )


def fit_gamma_gamma(x: np.ndarray, m: np.ndarray) -> Fit:
    (ux, um), w = _unique(x, m)
    levels, at = np.unique(ux, return_inverse=True)
    log_xm = np.log(um) + np.log(ux)

    def neg_ll(log_params: np.ndarray) -> tuple[float, np.ndarray]:
        p, q, v = np.exp(log_params)
        ll = gamma_gamma_log_likelihood(p, q, v, ux, um, levels, at)
        total = -(w * ll).sum()
        if not np.isfinite(total):
            return 1e300, np.zeros(3)
        spent = v + ux * um
        n = len(levels)
        psi = specfun.digamma(np.concatenate([p * levels + q, p * levels, [q]]))
        dg_pxq, dg_px = psi[:n][at], psi[n : 2 * n][at]
        d_p = ux * (dg_pxq - dg_px + log_xm - np.log(spent))
        d_q = dg_pxq - psi[2 * n] + np.log(v) - np.log(spent)
        d_v = q / v - (p * ux + q) / spent
        grad = np.array([(w * d).sum() for d in (d_p, d_q, d_v)])
        return float(total), -grad * np.array([p, q, v])

    params, fun, ok = _fit(neg_ll, np.zeros(3))
    return Fit(dict(zip(("p", "q", "v"), params.tolist(), strict=True)), -fun, len(x), ok)


def expected_order_value(p: dict[str, float], x, m) -> np.ndarray:
    """E(M | p, q, v, m, x) = p (v + x m) / (p x + q - 1): the customer's own mean pulled
    toward the population's (p v / (q - 1)) the fewer purchases it rests on."""
    pp, q, v = p["p"], p["q"], p["v"]
    x = np.asarray(x, dtype=np.float64)
    m = np.where(x > 0, np.nan_to_num(np.asarray(m, dtype=np.float64)), 0.0)
    return pp * (v + x * m) / (pp * x + q - 1)


def clv(
    bg: dict[str, float],
    value: np.ndarray,
    x,
    tx,
    T,
    months: int,
    yearly_discount: float,
    unit_days: float,
) -> np.ndarray:
    """Discounted value of the next ``months``: each month's expected purchases (the
    difference of E[Y] at its end and start) times the expected order value, discounted by
    the monthly rate equivalent to the yearly one."""
    monthly = (1 + yearly_discount) ** (1 / 12) - 1
    ends = np.arange(1, months + 1, dtype=np.float64)[:, None]  # a row per month
    # every month's E[Y] in one evaluation: the series runs once over all of them
    cumulative = expected_purchases(bg, ends * (30 / unit_days), x, tx, T)
    each = np.diff(cumulative, axis=0, prepend=0.0)
    return (each * value / (1 + monthly) ** ends).sum(axis=0)
