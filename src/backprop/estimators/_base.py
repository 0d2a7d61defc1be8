"""What MLPClassifier and MLPRegressor share: validate, build, call the trainer, report.

No training happens here: ``_fit`` checks the data, builds the preprocessing
and the :class:`~backprop.Network` (first call), translates the
hyperparameters (:mod:`._params`) and hands everything to
:class:`~backprop.training.Trainer`.  Fitted state: ``network_`` (the trained
Network), ``preprocessing_`` (fitted input transformers), plus scikit-learn's
attributes.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from .. import optim
from .._errors import ConfigError, DataError
from ..io import load_model, save_model
from ..model import Model
from ..network import Network
from ..preprocessing import MeanImputer, MinMaxScaler, StandardScaler
from ..training import Trainer
from . import _params as P
from ._stopping import SklearnStopping


def sklearn_init(net: Network, rs: np.random.RandomState, activation: str) -> None:
    """scikit-learn's initialisation, draw for draw (Glorot et al. 2010, as in ``_init_coef``):
    per layer ``coef ~ U(-r, r)`` of shape (n_in, n_out) then ``intercept ~ U(-r, r)``,
    r = sqrt(f / (n_in + n_out)), f = 2 for logistic hidden units, else 6.  ``W = coef.T``."""
    factor = 2.0 if activation == "sigmoid" else 6.0
    for layer in net.layers:
        n_out, n_in = layer.W.shape
        r = np.sqrt(factor / (n_in + n_out))
        layer.W[...] = rs.uniform(-r, r, (n_in, n_out)).T
        layer.b[...] = rs.uniform(-r, r, n_out)


class BaseMLP(BaseEstimator):
    """Shared body; see :class:`~backprop.MLPClassifier` for the parameters."""

    _task = "regression"

    # --- data ---------------------------------------------------------------
    def _validate(self, X: Any, y: Any = None, reset: bool = True, with_y: bool = False) -> Any:
        """scikit-learn's input checks (feature count and names, dtype, finiteness); dense float X."""
        finite = "allow-nan" if self.impute is not None else True
        kw = dict(reset=reset, accept_sparse=True, dtype=(np.float64, np.float32),
                  ensure_all_finite=finite)
        if with_y:
            X, y = validate_data(self, X, y, multi_output=True,
                                 y_numeric=self._task == "regression", **kw)
        else:
            X = validate_data(self, X, **kw)
        if hasattr(X, "toarray"):  # sparse input is densified: the network is dense
            X = X.toarray()
        if self.dtype is not None:
            X = X.astype(self.dtype, copy=False)
        return (X, y) if with_y else X

    def _transform(self, X: np.ndarray) -> np.ndarray:
        for step in self.preprocessing_:
            X = step.transform(X)
        return X

    def _forward(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.network_.forward(self._transform(self._validate(X, reset=False)))

    # --- fitting ------------------------------------------------------------
    def _fit(self, X: Any, y: Any, sample_weight: Any, incremental: bool, classes: Any = None):
        P.check_common(self)
        if incremental and self.early_stopping:
            raise ConfigError("partial_fit does not support early_stopping=True")
        first = not hasattr(self, "network_") or (not self.warm_start and not incremental)
        X, y = self._validate(X, y, reset=first, with_y=True)
        sw = None if sample_weight is None else _check_sample_weight(sample_weight, X, dtype=X.dtype)
        T, labels = self._targets(y, first, incremental, classes)
        hidden = P.hidden_sizes(self.hidden_layer_sizes)
        if first:
            steps = []
            if self.impute == "mean":
                steps.append(MeanImputer(missing_values=self.missing_values))
            if self.scale is not None:
                steps.append(MinMaxScaler() if self.scale == "minmax" else StandardScaler())
            Z = X
            for step in steps:
                Z = step.fit_transform(Z)
            self.preprocessing_ = steps
            self.network_ = self._build([Z.shape[1], *hidden, T.shape[1]], Z.dtype)
            self._stopper = self._trainer = None
        else:
            Z = self._transform(X)
            want = (Z.shape[1], *hidden, T.shape[1])
            if self.network_.layer_sizes != want:
                raise ConfigError(f"warm_start/partial_fit continue a network of layer sizes "
                                  f"{list(self.network_.layer_sizes)}, the parameters now ask for "
                                  f"{list(want)}; set warm_start=False to start afresh")
        name, opt_params = P.optimizer_spec(self)
        full = optim.get(name, **opt_params).full_batch_only
        n_val = 0 if incremental else P.n_validation(self, len(Z))
        if self.early_stopping and n_val < 2:
            raise DataError(f"The validation set is too small ({n_val} of {len(Z)} samples); "
                            "increase validation_fraction or the size of your dataset")
        if len(Z) - n_val < 1:
            raise DataError(f"validation_fraction={self.validation_fraction:g} holds out {n_val} of "
                            f"{len(Z)} samples and leaves none to train on; lower it")
        B = P.batch_size(self, len(Z) - n_val, full)
        factor = self._loss_factor(T)
        decay = self.alpha * factor / (B * (1.0 if sw is None else max(float(sw.mean()), 1e-300)))
        new_opt = not incremental or self._trainer is None
        if self._stopper is None or (not incremental and not self.warm_start):
            self._stopper = SklearnStopping(self.tol, self.n_iter_no_change, self.early_stopping,
                                            self.learning_rate if name == "sgd" else None,
                                            self.power_t, factor)
        stopper = self._stopper
        stopper.start(len(Z) - n_val, opt_params.get("learning_rate", 0.0), new_opt)
        if new_opt:
            self._trainer = Trainer(
                loss=self._loss_name, optimizer=name, optimizer_params=opt_params,
                epochs=self.max_iter, batch_size=B, shuffle=self.shuffle,
                random_state=self._seed(), validation_fraction=self.validation_fraction if n_val else None,
                stratify=labels if n_val and labels is not None else False,
                metric=("accuracy" if self._task == "classification" else "r2") if n_val else None,
                weight_decay=decay, callbacks=[stopper], progress=self._progress())
        else:
            self._trainer.batch_size, self._trainer.weight_decay = B, decay
        before = len(stopper.loss_curve)
        if incremental:
            hist = self._trainer.partial_fit(self.network_, Z, T, sample_weight=sw, epochs=1)
        else:
            hist = self._trainer.fit(self.network_, Z, T, sample_weight=sw)
        self._report(hist, stopper, before, incremental)
        return self

    def _build(self, sizes: list[int], dtype: np.dtype) -> Network:
        act = P.hidden_activation(self.activation)
        out = self.output_activation or self._default_output()
        out = P.SK_TO_OURS.get(out, out)
        dtype = np.dtype(self.dtype) if self.dtype is not None else dtype
        if self.init == "sklearn":
            rs = check_random_state(self.random_state)
            net = Network(sizes, act, out, init="zeros", dtype=dtype)
            sklearn_init(net, rs, act)
        else:
            net = Network(sizes, act, out, init=self.init, random_state=self._seed(), dtype=dtype)
        self.out_activation_ = P.OURS_TO_SK.get(out, out)
        self.n_layers_ = len(sizes)
        self.n_outputs_ = sizes[-1]
        return net

    def _seed(self) -> Any:
        """The trainer's seed: the int as given; drawn from a RandomState instance."""
        rs = self.random_state
        if rs is None or isinstance(rs, (int, np.integer, np.random.Generator)):
            return rs
        return int(check_random_state(rs).randint(np.iinfo(np.int32).max))

    def _progress(self) -> Any:
        return self.verbose if self.verbose in (True, False, "auto") else bool(self.verbose)

    def _loss_factor(self, T: np.ndarray) -> float:
        return 1.0

    def _report(self, hist: Any, stopper: SklearnStopping, before: int, incremental: bool) -> None:
        self.history_ = hist
        self.n_iter_ = len(stopper.loss_curve) - before
        self.t_ = stopper.t
        self.loss_curve_ = list(stopper.loss_curve)
        self.loss_ = self.loss_curve_[-1] if self.loss_curve_ else None
        self.best_loss_ = stopper.best_loss
        self.validation_scores_ = None if stopper.validation_scores is None else list(
            stopper.validation_scores)
        self.best_validation_score_ = stopper.best_score if self.early_stopping else None
        self.stop_reason_ = "no_improvement" if stopper.message else hist.stop_reason
        if not incremental and self.stop_reason_ == "max_epochs" and hist.diagnosis is None:
            warnings.warn(f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                          "the optimization hasn't converged yet.", ConvergenceWarning, stacklevel=3)

    # --- scikit-learn's fitted attributes, views into the flat parameter vector ------
    @property
    def coefs_(self) -> list[np.ndarray]:
        """Per layer the weights in scikit-learn's orientation (n_in, n_out): views ``W.T``."""
        if not hasattr(self, "network_"):
            raise AttributeError("coefs_ exists after fit")
        return [layer.W.T for layer in self.network_.layers]

    @coefs_.setter
    def coefs_(self, value: list[np.ndarray]) -> None:
        for layer, c in zip(self.network_.layers, value, strict=True):
            layer.W[...] = np.asarray(c).T

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """Per layer the biases (views into the flat parameter vector)."""
        if not hasattr(self, "network_"):
            raise AttributeError("intercepts_ exists after fit")
        return [layer.b for layer in self.network_.layers]

    @intercepts_.setter
    def intercepts_(self, value: list[np.ndarray]) -> None:
        for layer, b in zip(self.network_.layers, value, strict=True):
            layer.b[...] = np.asarray(b)

    # --- models and files ---------------------------------------------------------
    def to_model(self) -> Model:
        """The fitted estimator as a :class:`backprop.Model` (shares the network)."""
        check_is_fitted(self)
        history = {"loss": [float(v) for v in self.loss_curve_]}
        if self.validation_scores_ is not None:
            history["validation_score"] = [float(v) for v in self.validation_scores_]
        names = getattr(self, "feature_names_in_", None)
        return Model(self.network_, task=self._task, classes=self._model_classes(),
                     loss=self._loss_name, preprocessing=list(self.preprocessing_),
                     target_transform=getattr(self, "target_transformer_", None),
                     feature_names=None if names is None else [str(n) for n in names],
                     history=history,
                     metadata={"estimator": type(self).__name__,
                               "params": P.to_json(self.get_params()),
                               "n_iter": self.n_iter_, "t": self.t_, "stop_reason": self.stop_reason_})

    def _model_classes(self) -> list | None:
        return None

    def save(self, path: str | os.PathLike) -> Path:
        """Write the fitted estimator as a model file (no pickle); see ``docs/model-files.md``."""
        return save_model(path, self.to_model())

    @classmethod
    def load(cls, path: str | os.PathLike) -> "BaseMLP":
        """Read a model file written by :meth:`save` (or ``backprop train``)."""
        return cls.from_model(load_model(path))

    @classmethod
    def from_model(cls, model: Model) -> "BaseMLP":
        """A fitted estimator around ``model``'s network and preprocessing."""
        if model.task != cls._task:
            raise ConfigError(f"{cls.__name__} needs a {cls._task} model; this one is {model.task!r}")
        params = P.from_json(model.metadata.get("params", {}), list(cls._get_param_names()))
        est = cls(**params)
        net = model.network
        est.network_, est.preprocessing_ = net, list(model.preprocessing)
        est.n_features_in_ = (model.preprocessing[0].n_features_in_ if model.preprocessing
                              else net.n_inputs)
        if model.feature_names is not None:
            est.feature_names_in_ = np.asarray(model.feature_names, dtype=object)
        est.n_layers_, est.n_outputs_ = len(net.layer_sizes), net.n_outputs
        est.out_activation_ = P.OURS_TO_SK.get(net.activations[-1], net.activations[-1])
        est.loss_curve_ = list(model.history.get("loss", []))
        est.loss_ = est.loss_curve_[-1] if est.loss_curve_ else None
        vs = model.history.get("validation_score")
        est.validation_scores_ = None if vs is None else list(vs)
        est.best_validation_score_ = max(vs) if vs else None
        est.best_loss_ = None if vs is not None or not est.loss_curve_ else min(est.loss_curve_)
        est.n_iter_ = int(model.metadata.get("n_iter", len(est.loss_curve_)))
        est.t_ = int(model.metadata.get("t", 0))
        est.stop_reason_ = model.metadata.get("stop_reason")
        est._stopper = est._trainer = None
        est._from_model(model)
        return est

    def _from_model(self, model: Model) -> None:
        pass
