"""The confidence's regression (qa.confidence): an L2-regularised logistic regression by Newton's
method over standardised features, in numpy; the cosines of a cross-lingual hit may have weights of
their own beside the shared ones (``fit_logistic_cross``; docs/confidence.md, tenth round)."""

from __future__ import annotations

import numpy as np


def fit_logistic(rows: np.ndarray, labels: np.ndarray, l2: float = 1e-2, iterations: int = 50) -> tuple:
    """(mean, scale, coef, intercept) of an L2-regularised logistic regression, by Newton's method."""
    mean, scale, coef, _, intercept = fit_logistic_cross(rows, labels, l2=l2, iterations=iterations)
    return mean, scale, coef, intercept


def fit_logistic_cross(rows: np.ndarray, labels: np.ndarray, cross: np.ndarray | None = None,
                       own: np.ndarray | None = None, l2: float = 1e-2, iterations: int = 50) -> tuple:
    """(mean, scale, coef, cross_coef, intercept) of an L2-regularised logistic regression, by
    Newton's method, where the rows ``cross`` marks (bool per row) add ``cross_coef`` to the weights
    of the columns ``own`` marks (bool per column; zero elsewhere): the same standardised column
    times the mark, penalised as the others, so a cross-lingual weight departs from the shared one
    only as far as the cross-lingual rows ask. ``cross_coef`` is None without ``cross``."""
    x = np.asarray(rows, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    standard = (x - mean) / scale
    own = np.zeros(x.shape[1], bool) if cross is None or own is None else np.asarray(own, bool)
    mark = np.zeros(len(x)) if cross is None else np.asarray(cross, dtype=np.float64)
    z = np.column_stack([standard, standard[:, own] * mark[:, None], np.ones(len(x))])
    w = _newton(z, y, l2, iterations)
    cross_coef = None
    if cross is not None:
        cross_coef = np.zeros(x.shape[1])
        cross_coef[own] = w[x.shape[1]:-1]
    return mean, scale, w[:x.shape[1]], cross_coef, float(w[-1])


def _newton(z: np.ndarray, y: np.ndarray, l2: float, iterations: int) -> np.ndarray:
    """The weights (the last column's not shrunk: the intercept) of the logistic regression."""
    w = np.zeros(z.shape[1])
    penalty = np.full(z.shape[1], l2 * len(z))
    penalty[-1] = 0.0  # the intercept is not shrunk
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -40, 40)))
        grad = z.T @ (p - y) + penalty * w
        hess = (z * (p * (1 - p))[:, None]).T @ z + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w
