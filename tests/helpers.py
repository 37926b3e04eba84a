"""Shared test helpers: finite differences and small random problems."""
from __future__ import annotations

import numpy as np


def fd_gradient(f, w, h=1e-6):
    """Central finite-difference gradient of scalar f."""
    return np.array([(f(w + h * e) - f(w - h * e)) / (2 * h) for e in np.eye(w.size)])


def fd_jacobian(g, w, h=1e-6):
    """Central finite-difference Jacobian (columns) of vector function g: the Hessian when g is
    a gradient."""
    return np.array([(g(w + h * e) - g(w - h * e)) / (2 * h) for e in np.eye(w.size)]).T
