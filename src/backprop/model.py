"""A trained model: the network plus everything needed to use it on raw data.

A :class:`Model` bundles a trained :class:`~backprop.network.Network` with the
steps around it:

    X_raw --preprocessing--> x --network--> z --(inverse target transform)--> prediction

* ``preprocessing``: transformers applied to the inputs in order, each with
  ``transform(X)`` (see :mod:`backprop.io` for the protocol they follow to be
  saved);
* ``target_transform`` (regression only): a transformer fitted to the targets;
  predictions are passed through its ``inverse_transform``;
* ``task``, ``classes``: for classification, output unit k stands for
  ``classes[k]`` (argmax over units), or, with a single output unit, the
  output z is P(class = ``classes[1]``) and ``z >= 0.5`` predicts ``classes[1]``.

:func:`backprop.io.save_model` writes a model to a file that runs no code when
loaded; :mod:`backprop.export` turns it into ONNX, Python or C.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ._errors import ConfigError, DataError, check_choice
from .network import Network
from .preprocessing.base import chain_width

__all__ = ["Model", "TASKS"]

TASKS = ("classification", "regression")


@dataclass(eq=False)
class Model:
    """A trained network with its preprocessing, task and training record.

    Parameters
    ----------
    network : Network
        The trained network.
    task : {"classification", "regression"}
    classes : list of int, float, str or bool, optional
        Class labels (classification): one per output unit, or two for a
        single output unit.
    loss : str
        Name of the loss the network was trained with.
    preprocessing : list
        Input transformers, applied in order by :meth:`transform`.
    target_transform : object, optional
        Target transformer (regression); :meth:`predict` applies its
        ``inverse_transform`` to the network output.
    feature_names : list of str, optional
        Names of the raw input columns.
    history : dict of str to list of numbers
        Training curves (loss per epoch, ...).
    metadata : dict
        JSON-able facts about training: summary, seed, library version.
    """

    network: Network
    task: str = "regression"
    classes: list[Any] | None = None
    loss: str = "squared_error"
    preprocessing: list[Any] = field(default_factory=list)
    target_transform: Any = None
    feature_names: list[str] | None = None
    history: dict[str, list[float]] = field(default_factory=dict)
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.network, Network):
            raise ConfigError(f"network must be a backprop Network, got {type(self.network).__name__}")
        check_choice("task", self.task, TASKS)
        self.preprocessing = list(self.preprocessing or [])
        self.history = {str(k): list(v) for k, v in (self.history or {}).items()}
        self.metadata = dict(self.metadata or {})
        k = self.network.n_outputs
        if self.task == "classification":
            if self.classes is None:
                self.classes = list(range(max(k, 2)))
            self.classes = [c.item() if isinstance(c, np.generic) else c for c in self.classes]
            want = 2 if k == 1 else k
            for c in self.classes:
                if not isinstance(c, (str, int, float)) or (isinstance(c, float) and not np.isfinite(c)):
                    raise ConfigError(f"class labels must be strings or finite numbers, got {c!r}")
            if len(self.classes) != want:
                raise ConfigError(f"a classifier with {k} output unit(s) needs {want} class labels, "
                                  f"got {len(self.classes)}")
            if len(set(self.classes)) != len(self.classes):
                raise ConfigError(f"class labels must be distinct, got {self.classes}")
            if self.target_transform is not None:
                raise ConfigError("target_transform is only for regression models")
        elif self.classes is not None:
            raise ConfigError("classes are only for classification models")
        self._check_pipeline()
        if self.feature_names is not None:
            self.feature_names = [str(n) for n in self.feature_names]
            n_in = self.n_features_in
            if n_in is not None and len(self.feature_names) != n_in:
                raise ConfigError(f"got {len(self.feature_names)} feature names for {n_in} "
                                  + ("raw inputs" if self.preprocessing else "network inputs"))

    def _check_pipeline(self) -> None:
        """Fitted steps whose widths chain from the raw inputs to the network, and from its
        outputs to the target transform."""
        steps = self.preprocessing
        width = chain_width(steps, None, [f"preprocessing[{i}]" for i in range(len(steps))])
        if steps and width is not None and width != self.network.n_inputs:
            raise ConfigError(f"the preprocessing gives {width} columns, the network takes "
                              f"{self.network.n_inputs} inputs")
        if self.target_transform is not None:
            chain_width([self.target_transform], self.network.n_outputs, ["target_transform"])

    # --- the pipeline ---------------------------------------------------
    @property
    def n_outputs(self) -> int:
        return self.network.n_outputs

    @property
    def n_features_in(self) -> int | None:
        """Number of raw input columns (None if the first preprocessing step does not say)."""
        if not self.preprocessing:
            return self.network.n_inputs
        n = getattr(self.preprocessing[0], "n_features_in_", None)
        return None if n is None else int(n)

    def transform(self, X: np.ndarray) -> np.ndarray:
        """The inputs after every preprocessing step: what the network sees."""
        X = np.asarray(X)
        if X.ndim == 1:
            X = X[None, :]
        for step in self.preprocessing:
            X = step.transform(X)
        return X

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Network output z, shape ``(n_samples, n_outputs)``, for raw inputs ``X``."""
        return self.network.forward(self.transform(X))

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        """Output-layer pre-activations s (logits), shape ``(n_samples, n_outputs)``."""
        us, _ = self.network.forward_trace(self.transform(X))
        return us[-1]

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        """Class scores, shape ``(n_samples, n_classes)``, columns in the order of ``classes``.

        A single output unit z gives the columns ``[1 - z, z]``.  With a
        softmax output the rows are probabilities; with several sigmoid
        units each column is that class's own probability.
        """
        self._need("classification", "predict_proba")
        z = self.forward(X)
        return np.hstack([1.0 - z, z]) if z.shape[1] == 1 else z

    def predict(self, X: np.ndarray) -> np.ndarray:
        """Class labels (classification) or predicted values (regression).

        Regression predictions have shape ``(n_samples,)`` for one output
        unit and ``(n_samples, n_outputs)`` otherwise.
        """
        z = self.forward(X)
        if self.task == "classification":
            idx = (z[:, 0] >= 0.5).astype(np.intp) if z.shape[1] == 1 else np.argmax(z, axis=1)
            return np.asarray(self.classes)[idx]
        if self.target_transform is not None:
            z = np.asarray(self.target_transform.inverse_transform(z))
            z = z.reshape(-1, self.n_outputs)
        return z[:, 0] if self.n_outputs == 1 else z

    def score(self, X: np.ndarray, y: np.ndarray) -> float:
        """Accuracy (classification) or the coefficient of determination R^2 (regression)."""
        pred, y = self.predict(X), np.asarray(y)
        if pred.shape != y.shape and y.size == pred.size:
            y = y.reshape(pred.shape)
        if pred.shape != y.shape:
            raise DataError(f"y must have shape {pred.shape}, got {y.shape}")
        if self.task == "classification":
            return float(np.mean(pred == y))
        ss_res = float(np.sum((y - pred) ** 2))
        ss_tot = float(np.sum((y - np.mean(y, axis=0)) ** 2))
        return 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")

    def _need(self, task: str, what: str) -> None:
        if self.task != task:
            raise ConfigError(f"{what} needs a {task} model; this model's task is {self.task!r}")

    def __repr__(self) -> str:
        steps = [type(s).__name__ for s in self.preprocessing]
        return (f"Model(task={self.task!r}, network={self.network!r}, preprocessing={steps}"
                + (f", classes={self.classes!r}" if self.classes is not None else "") + ")")
