"""The churn model's own numerics against an independent implementation (scipy, a test
dependency only) and against minima known by hand."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.special as sc

from xlcrm.rules import specfun
from xlcrm.rules.bfgs import minimise
from xlcrm.rules.bgnbd import _gone_log_odds, expected_purchases

GRID = np.concatenate([np.logspace(-8, 300, 3000), np.linspace(0.01, 40, 4000)])


def test_log_gamma_and_digamma_agree_with_scipy_to_double_precision():
    got, want = specfun.gammaln(GRID), sc.gammaln(GRID)
    assert np.max(np.abs(got - want) / np.maximum(1, np.abs(want))) < 1e-13
    got, want = specfun.digamma(GRID), sc.digamma(GRID)
    assert np.max(np.abs(got - want) / np.maximum(1, np.abs(want))) < 1e-13
    # by hand: log Gamma(1) = log Gamma(2) = 0, psi(1) = -Euler's constant, Gamma(5) = 24
    assert specfun.gammaln(np.array([1.0, 2.0, 5.0])) == pytest.approx(
        [0, 0, np.log(24)], abs=1e-14
    )
    assert specfun.digamma(np.array([1.0]))[0] == pytest.approx(-0.5772156649015329, abs=1e-14)


def test_expit_is_exact_at_the_ends():
    assert specfun.expit(np.array([-np.inf, 0.0, np.inf])).tolist() == [0.0, 0.5, 1.0]


def test_the_hypergeometric_series_agrees_with_scipy_where_the_model_uses_it():
    rng = np.random.default_rng(7)
    worst = 0.0
    for _ in range(300):
        a, b, r = rng.uniform(0.05, 5), rng.uniform(0.05, 60), rng.uniform(0.05, 5)
        x = rng.integers(0, 200, 200).astype(float)
        z = rng.uniform(0, 0.97, 200)
        c = a + b + x - 1
        keep = c > 0
        got = specfun.hyp2f1_series(a + b - 1 - r, a - 1, c[keep], z[keep])
        want = sc.hyp2f1(a + b - 1 - r, a - 1, c[keep], z[keep])
        worst = max(worst, float(np.max(np.abs(got - want) / np.abs(want), initial=0)))
    assert worst < 1e-12
    # by hand: 2F1(1, 1; 2; z) = -log(1 - z) / z
    z = np.array([0.1, 0.5, 0.9])
    assert specfun.hyp2f1_series(1.0, 1.0, 2.0, z) == pytest.approx(-np.log1p(-z) / z, rel=1e-13)


def test_expected_purchases_equal_eq_10_written_with_scipy():
    rng = np.random.default_rng(3)
    n = 5000
    x = rng.integers(0, 60, n).astype(float)
    T = rng.uniform(0.5, 300, n)
    tx = np.where(x > 0, T * rng.uniform(0, 1, n), 0)
    for p in (
        {"r": 0.2426, "alpha": 4.4136, "a": 0.7929, "b": 2.4259},  # CDNOW
        {"r": 2.0, "alpha": 30.0, "a": 3.0, "b": 1.2},
    ):
        r, alpha, a, b = p["r"], p["alpha"], p["a"], p["b"]
        for t in (4.3, 12.9, 51.4):
            z = t / (alpha + T + t)
            shrink = ((alpha + T) / (alpha + T + t)) ** (r + x)
            eq10 = (
                (a + b + x - 1) / (a - 1) * (1 - shrink * sc.hyp2f1(r + x, b + x, a + b + x - 1, z))
            )
            want = eq10 * sc.expit(-_gone_log_odds(p, x, tx, T))
            assert expected_purchases(p, t, x, tx, T) == pytest.approx(want, rel=1e-9)


def test_the_minimiser_finds_minima_known_by_hand():
    def rosenbrock(v):
        x, y = v
        f = (1 - x) ** 2 + 100 * (y - x * x) ** 2
        return f, np.array([-2 * (1 - x) - 400 * x * (y - x * x), 200 * (y - x * x)])

    found = minimise(rosenbrock, np.array([-1.2, 1.0]))
    assert found.converged and found.x == pytest.approx([1.0, 1.0], abs=1e-6)

    target = np.array([3.0, -2.0, 0.5, 10.0])
    scales = np.array([1.0, 10.0, 100.0, 0.01])  # badly scaled, as log-likelihoods are

    def bowl(v):
        d = v - target
        return float(scales @ d**2), 2 * scales * d

    found = minimise(bowl, np.zeros(4))
    assert found.converged and found.x == pytest.approx(target, abs=1e-6)


def test_the_minimiser_says_when_it_did_not_converge():
    found = minimise(lambda v: (float(-v[0]), np.array([-1.0])), np.zeros(1), maxiter=20)
    assert not found.converged  # unbounded below: no minimum to find


def test_data_that_do_not_pin_the_model_down_stay_within_bounds_and_out_of_noise():
    from scipy import optimize

    from xlcrm.rules.bgnbd import LOG_BOUND, fit_bgnbd, fit_gamma_gamma, gamma_gamma_log_likelihood

    same = np.full(200, 3.0)  # every customer alike: no spread to fit
    for fit in (fit_bgnbd(same, same * 7, same * 13), fit_gamma_gamma(same, same * 17)):
        assert np.isfinite(fit.log_likelihood)
        assert all(abs(np.log(v)) <= LOG_BOUND + 1e-9 for v in fit.params.values())
    assert not fit_gamma_gamma(same, same * 17).converged  # no spread in spend at all
    # spend with no gamma shape: the likelihood rises along a ridge towards q, v -> infinity;
    # the fit must climb at least as high as scipy's L-BFGS-B, and not to a spurious value
    m = np.random.default_rng(0).uniform(10, 1000, 100)
    x = np.full(100, 2.0)
    got = fit_gamma_gamma(x, m)

    def neg(log_params):
        return -gamma_gamma_log_likelihood(*np.exp(log_params), x, m).sum()

    ref = optimize.minimize(neg, np.zeros(3), method="L-BFGS-B", bounds=[(-25, 25)] * 3)
    assert got.converged and -ref.fun - 1e-6 <= got.log_likelihood <= -ref.fun + 0.1
