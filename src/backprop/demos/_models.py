"""The classifiers the application demos compare, each behind ``fit_predict``.

``MLP`` trains a :class:`~backprop.Network` with :func:`backprop.fit` (the
library's one training loop): a sigmoid output unit and binary cross-entropy
for two classes, softmax and cross-entropy for more, Adam, coupled L2 weight
decay lambda/2 ||W||^2, and early stopping on a stratified validation part of
the training split with the best weights restored.  The baselines are
scikit-learn's ``LogisticRegression`` (imported lazily) and the majority class.
Every model sees the same preprocessed training and test rows.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np

__all__ = ["MLP", "LogisticBaseline", "MajorityBaseline", "FitInfo"]


@dataclass
class FitInfo:
    """What a fit left behind: epochs run, the restored epoch, warnings raised."""

    epochs: int = 0
    best_epoch: int = 0
    warnings: list[str] = field(default_factory=list)


@dataclass
class MLP:
    """One hidden layer (or more) trained by backpropagation through :func:`backprop.fit`."""

    hidden: tuple[int, ...] = (8,)
    activation: str = "tanh"
    learning_rate: float = 0.01
    weight_decay: float = 1e-2
    epochs: int = 300
    batch_size: int = 32
    patience: int = 20
    validation_fraction: float = 0.2

    def sizes(self, n_in: int, n_classes: int) -> list[int]:
        return [n_in, *self.hidden, 1 if n_classes == 2 else n_classes]

    def name(self, n_in: int, n_classes: int) -> str:
        return "MLP " + "-".join(map(str, self.sizes(n_in, n_classes)))

    def describe(self, n_in: int, n_classes: int) -> str:
        out = ("sigmoid output, binary cross-entropy" if n_classes == 2
               else "softmax output, cross-entropy")
        return (f"{self.name(n_in, n_classes)} ({self.activation} hidden units, {out}; Adam, learning "
                f"rate {self.learning_rate:g}, mini-batches of {self.batch_size}, weight decay "
                f"{self.weight_decay:g}; early stopping on {self.validation_fraction:.0%} of the training "
                f"split, patience {self.patience}, at most {self.epochs} epochs, best weights restored)")

    def fit(self, Z: np.ndarray, y: np.ndarray, n_classes: int, seed: int):
        """Train a fresh network on (Z, y); returns (network, FitInfo)."""
        from .. import Network, fit
        init = "he_uniform" if self.activation == "relu" else "glorot_uniform"
        net = Network(self.sizes(Z.shape[1], n_classes), self.activation,
                      "sigmoid" if n_classes == 2 else "softmax", init=init, random_state=seed)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            hist = fit(net, Z, y, loss="binary_cross_entropy" if n_classes == 2 else "cross_entropy",
                       optimizer="adam", optimizer_params={"learning_rate": self.learning_rate},
                       epochs=self.epochs, batch_size=self.batch_size,
                       validation_fraction=self.validation_fraction, early_stopping=True,
                       patience=self.patience, weight_decay=self.weight_decay, random_state=seed,
                       progress=False)
        return net, FitInfo(hist.n_epochs, hist.best_epoch, [str(w.message) for w in caught])

    @staticmethod
    def predict(net, Z: np.ndarray) -> np.ndarray:
        z = net.forward(Z)
        return z.argmax(axis=1) if z.shape[1] > 1 else (z[:, 0] > 0.5).astype(np.int64)

    def fit_predict(self, Z: np.ndarray, y: np.ndarray, Z_test: np.ndarray, n_classes: int,
                    seed: int) -> tuple[np.ndarray, FitInfo]:
        net, info = self.fit(Z, y, n_classes, seed)
        return self.predict(net, Z_test), info


@dataclass
class LogisticBaseline:
    """scikit-learn's ``LogisticRegression`` (L2, C = 1, lbfgs) on the same preprocessed rows."""

    max_iter: int = 2000

    def name(self, n_in: int, n_classes: int) -> str:
        return "logistic regression (scikit-learn)"

    def fit_predict(self, Z: np.ndarray, y: np.ndarray, Z_test: np.ndarray, n_classes: int,
                    seed: int) -> tuple[np.ndarray, FitInfo]:
        from sklearn.linear_model import LogisticRegression
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model = LogisticRegression(max_iter=self.max_iter).fit(Z, y)
        return model.predict(Z_test).astype(np.int64), FitInfo(warnings=[str(w.message) for w in caught])


@dataclass
class MajorityBaseline:
    """Predicts the most frequent class of the training split for every row."""

    def name(self, n_in: int, n_classes: int) -> str:
        return "majority class"

    def fit_predict(self, Z: np.ndarray, y: np.ndarray, Z_test: np.ndarray, n_classes: int,
                    seed: int) -> tuple[np.ndarray, FitInfo]:
        return np.full(len(Z_test), np.bincount(y, minlength=n_classes).argmax()), FitInfo()
