"""The loss a scipy user would write: vectorised numpy cross-entropy + λ‖W‖² and its gradient
for a one-hidden-layer tanh/softmax net, in lmapp's parameter layout (W1, b1, W2, b2)."""

from __future__ import annotations

import numpy as np


class NumpyMLP:
    """Loss and analytic gradient of a [K, H, C] classifier, for scipy.optimize."""

    def __init__(
        self, X: np.ndarray, y: np.ndarray, hidden: int, n_classes: int, lam: float
    ) -> None:
        self.X = np.asarray(X, float)
        self.Y = np.eye(n_classes)[np.asarray(y)]
        self.K, self.H, self.C = self.X.shape[1], hidden, n_classes
        self.lam = lam
        self.n_params = self.K * self.H + self.H + self.H * self.C + self.C

    def _unpack(self, w: np.ndarray):
        K, H, C = self.K, self.H, self.C
        i = 0
        W1 = w[i : i + H * K].reshape(H, K)
        i += H * K
        b1 = w[i : i + H]
        i += H
        W2 = w[i : i + C * H].reshape(C, H)
        i += C * H
        return W1, b1, W2, w[i : i + C]

    def __call__(self, w: np.ndarray) -> tuple[float, np.ndarray]:
        W1, b1, W2, b2 = self._unpack(w)
        A = np.tanh(self.X @ W1.T + b1)
        Z = A @ W2.T + b2
        Z = Z - Z.max(axis=1, keepdims=True)
        E = np.exp(Z)
        P = E / E.sum(axis=1, keepdims=True)
        N = self.X.shape[0]
        loss = -np.sum(self.Y * (Z - np.log(E.sum(axis=1, keepdims=True)))) / N
        D2 = (P - self.Y) / N
        D1 = (D2 @ W2) * (1 - A * A)
        g = np.concatenate([(D1.T @ self.X).ravel(), D1.sum(0), (D2.T @ A).ravel(), D2.sum(0)])
        return loss + self.lam * w @ w, g + 2 * self.lam * w
