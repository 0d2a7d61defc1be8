"""``MLPClassifier`` and ``MLPRegressor``: scikit-learn's estimators, trained by backprop's trainer."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.utils import column_or_1d
from sklearn.utils._available_if import available_if
from sklearn.utils.multiclass import _check_partial_fit_first_call, check_classification_targets

from .. import losses, optim
from .._errors import ConfigError, DataError
from ..preprocessing import TargetScaler
from ._base import BaseMLP

_DOC = """
    Parameters
    ----------
    hidden_layer_sizes : int or tuple of int, default=(100,)
        Units of each hidden layer.
    activation : {"relu", "tanh", "logistic", "identity"} or any hidden activation of
        :mod:`backprop.activations` ("sigmoid" = "logistic", "step"), default="relu"
    solver : str, default="adam"
        Any name in ``backprop.optim.available()``: "sgd", "adam", ..., and the full-batch
        second-order methods ("lbfgs", "cg", "scg", "levenberg_marquardt", ...).
    alpha : float, default=1e-4
        L2 penalty on the weights (not the biases), scaled as in scikit-learn: alpha / (2 B) ||W||^2
        for a batch of B samples.
    batch_size : int, "auto", "full" or None, default="auto"
        "auto" = min(200, n_samples); None/"full" = batch learning; full-batch solvers always
        use the whole training set.
    learning_rate : {"constant", "invscaling", "adaptive"}, default="constant"
        Schedule for solver="sgd" (scikit-learn's meanings): invscaling eta = eta_0 / (t + 1)^power_t
        with t the samples seen; adaptive divides eta by 5 when n_iter_no_change epochs bring no
        improvement by tol.
    learning_rate_init, power_t, momentum, nesterovs_momentum, beta_1, beta_2, epsilon :
        As in scikit-learn (learning_rate_init applies to every first-order solver; beta_1, beta_2,
        epsilon to the Adam family).
    max_iter : int, default=200
        Epochs (for full-batch solvers: iterations).
    shuffle, random_state, tol, n_iter_no_change, warm_start, early_stopping, validation_fraction :
        As in scikit-learn.  random_state seeds the initial weights (scikit-learn's draws, so
        the same seed gives the same initial weights) and the trainer's split and batch order.
    verbose : bool or "auto", default=False
        Show the trainer's progress bar on stderr ("auto": on a terminal, for runs over 1 s).
    optimizer_params : dict, optional
        Further hyperparameters of the solver (``backprop.optim``'s names); applied last.
    loss : str
        {loss_doc}
    output_activation : str, optional
        {out_doc}
    dtype : None, "float32" or "float64", default=None
        Network precision; None follows X.
    init : "sklearn" or a name of :mod:`backprop.initializers`, default="sklearn"
    scale : None, "minmax" or "standard", default=None
        Rescale inputs with statistics of the training data (stored with the model).
    impute : None or "mean", default=None
        Replace missing values by the column mean of the training data.
    missing_values : float, default=np.nan
        The value that marks "missing" for impute (NaN always counts).
"""


def _store(obj: Any, args: dict[str, Any]) -> None:
    for key, value in args.items():
        if key not in ("self", "__class__"):
            setattr(obj, key, value)


class MLPClassifier(ClassifierMixin, BaseMLP):
    """Multi-layer perceptron classifier, scikit-learn compatible, trained by backpropagation.

    Two classes: one logistic output unit and binary cross-entropy; more: softmax and
    cross-entropy.  See ``docs/estimators.md``.
    """

    __doc__ += _DOC.replace("{loss_doc}", '"log_loss" (default: binary or categorical cross-entropy) or a name of '
                 ":mod:`backprop.losses`.").replace(
        "{out_doc}", "default: logistic for two classes, softmax for more.")
    _task = "classification"

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=1e-4,
                 batch_size="auto", learning_rate="constant", learning_rate_init=1e-3, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, optimizer_params=None, loss="log_loss",
                 output_activation=None, dtype=None, init="sklearn", scale=None, impute=None,
                 missing_values=np.nan):
        _store(self, locals())

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "MLPClassifier":
        """Train on ``(X, y)`` (``sample_weight`` weights each sample's error)."""
        return self._fit(X, y, sample_weight, incremental=False)

    def _partial_ok(self) -> bool:
        if self.solver in optim.available() and optim.get(self.solver).full_batch_only:
            raise AttributeError(f"partial_fit is only available for stochastic solvers; "
                                 f"{self.solver} is a full-batch method")
        return True

    @available_if(_partial_ok)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None):
        """One epoch on ``(X, y)``, continuing the optimizer; ``classes`` is needed on the first call."""
        _check_partial_fit_first_call(self, classes)
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _default_output(self) -> str:
        return "sigmoid" if len(self.classes_) == 2 else "softmax"

    @property
    def _loss_name(self) -> str:
        if self.loss in ("log_loss", "binary_cross_entropy", "cross_entropy"):
            return "binary_cross_entropy" if len(self.classes_) == 2 else "cross_entropy"
        return losses.get(self.loss).name

    def _targets(self, y: Any, first: bool, incremental: bool, classes: Any):
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        elif y.ndim != 1:
            raise DataError(f"{type(self).__name__} takes one label per sample; y has shape {y.shape} "
                            "(multi-label and multi-output targets are not supported)")
        check_classification_targets(y)
        if incremental:
            pass  # classes_ come from the first call's ``classes``
        elif first:
            self.classes_ = np.unique(y)
        elif set(np.unique(y)) != set(self.classes_):
            raise ValueError("warm_start can only be used where `y` has the same classes as in the "
                             f"previous call to fit. Previously got {self.classes_}, `y` has "
                             f"{np.unique(y)}")
        if len(self.classes_) < 2:
            raise DataError(f"{type(self).__name__} needs at least 2 classes, but y has 1 class "
                            f"({self.classes_[0]!r})")
        idx = np.searchsorted(self.classes_, y)
        idx[idx >= len(self.classes_)] = 0
        if np.any(self.classes_[idx] != y):
            raise ValueError(f"`y` has classes not in `self.classes_`. `self.classes_` has "
                             f"{self.classes_}. 'y' has {np.unique(y)}.")
        k = len(self.classes_)
        T = (idx == 1).astype(float)[:, None] if k == 2 else np.eye(k)[idx]
        return T, idx

    def predict(self, X: Any) -> np.ndarray:
        """Class labels: argmax over output units, or z >= 0.5 for one logistic unit."""
        z = self._forward(X)
        idx = (z[:, 0] >= 0.5).astype(np.intp) if z.shape[1] == 1 else np.argmax(z, axis=1)
        return self.classes_[idx]

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities, columns in the order of ``classes_``."""
        z = self._forward(X)
        return np.hstack([1.0 - z, z]) if z.shape[1] == 1 else z

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """Logarithm of :meth:`predict_proba`."""
        return np.log(self.predict_proba(X))

    def _model_classes(self) -> list:
        return list(self.classes_)

    def _from_model(self, model) -> None:
        self.classes_ = np.asarray(model.classes)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = self.impute is not None
        tags.classifier_tags.multi_label = False
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):
    """Multi-layer perceptron regressor, scikit-learn compatible, trained by backpropagation.

    Identity output units and the squared error (the loss reported in ``loss_curve_`` is
    scikit-learn's: 1/2 the mean over samples and outputs).  See ``docs/estimators.md``.
    """

    __doc__ += _DOC.replace("{loss_doc}", '"squared_error" (default) or a name of :mod:`backprop.losses`.'
                           ).replace("{out_doc}", 'default: "identity".') + """    target_scale : None, "standard" or "minmax", default=None
        Rescale the targets for training; predictions are mapped back.
"""
    _task = "regression"

    def __init__(self, hidden_layer_sizes=(100,), activation="relu", *, solver="adam", alpha=1e-4,
                 batch_size="auto", learning_rate="constant", learning_rate_init=1e-3, power_t=0.5,
                 max_iter=200, shuffle=True, random_state=None, tol=1e-4, verbose=False,
                 warm_start=False, momentum=0.9, nesterovs_momentum=True, early_stopping=False,
                 validation_fraction=0.1, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
                 n_iter_no_change=10, optimizer_params=None, loss="squared_error",
                 output_activation=None, dtype=None, init="sklearn", scale=None, impute=None,
                 missing_values=np.nan, target_scale=None):
        _store(self, locals())

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> "MLPRegressor":
        """Train on ``(X, y)``; y of shape (n,) or (n, n_outputs)."""
        return self._fit(X, y, sample_weight, incremental=False)

    _partial_ok = MLPClassifier._partial_ok

    @available_if(_partial_ok)
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> "MLPRegressor":
        """One epoch on ``(X, y)``, continuing the optimizer state."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _default_output(self) -> str:
        return "identity"

    @property
    def _loss_name(self) -> str:
        return losses.get(self.loss).name

    def _loss_factor(self, T: np.ndarray) -> float:
        # our squared error sums over outputs, scikit-learn's averages: same objective up to m
        return float(T.shape[1]) if self._loss_name == "squared_error" else 1.0

    def _targets(self, y: Any, first: bool, incremental: bool, classes: Any):
        y = np.asarray(y, dtype=float)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        Y = y[:, None] if y.ndim == 1 else y
        if first:
            if self.target_scale not in (None, "standard", "minmax"):
                raise ConfigError(f"unknown target_scale {self.target_scale!r}; valid choices: None, "
                                  "'standard', 'minmax'")
            self.target_transformer_ = (None if self.target_scale is None
                                        else TargetScaler(self.target_scale).fit(Y))
        if self.target_transformer_ is not None:
            Y = self.target_transformer_.transform(Y)
        return Y, None

    def predict(self, X: Any) -> np.ndarray:
        """Predicted values, shape (n,) for one output, else (n, n_outputs)."""
        z = self._forward(X)
        if self.target_transformer_ is not None:
            z = self.target_transformer_.inverse_transform(z)
        return z[:, 0] if z.shape[1] == 1 else z

    def _from_model(self, model) -> None:
        self.target_transformer_ = model.target_transform

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = self.impute is not None
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = True
        return tags
