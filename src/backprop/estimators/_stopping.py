"""scikit-learn's MLP stopping rule and learning-rate schedules, as one trainer callback.

After every epoch (scikit-learn, ``sklearn/neural_network/_multilayer_perceptron.py``):

    without early_stopping:  no improvement  <=>  loss_e > best_loss - tol;  best_loss = min loss
    with early_stopping:     no improvement  <=>  score_e < best_score + tol  (validation accuracy
                             or R^2); the weights of the best score are restored at the end
    count = count + 1 on no improvement, else 0;   count > n_iter_no_change  ->  trigger

    learning_rate="invscaling":  eta = eta_0 / (t + 1)^power_t, t = training samples seen so far
    learning_rate="adaptive":    on trigger, eta <- eta / 5 and count <- 0, unless eta <= 1e-6 (stop)
    otherwise:                   on trigger, stop

The trainer runs the loop; this object only decides, after each epoch, whether
to stop and which learning rate the optimizer uses next.
"""

from __future__ import annotations

import math

import numpy as np

from ..training.callbacks import Callback, TrainingEvent


class SklearnStopping(Callback):
    """The state scikit-learn keeps between epochs: curves, best values, count, ``t_``."""

    def __init__(self, tol: float, n_iter_no_change: int, early_stopping: bool, schedule: str | None,
                 power_t: float, loss_factor: float = 1.0):
        self.tol, self.n_iter_no_change, self.early_stopping = tol, n_iter_no_change, early_stopping
        self.schedule, self.power_t, self.loss_factor = schedule, power_t, loss_factor
        self.loss_curve: list[float] = []
        self.validation_scores: list[float] | None = [] if early_stopping else None
        self.best_loss: float | None = None if early_stopping else math.inf
        self.best_score = -math.inf
        self.best_params: np.ndarray | None = None
        self.count = 0
        self.t = 0
        self.n_train = 0
        self.learning_rate_init = 0.0
        self.message: str | None = None

    def start(self, n_train: int, learning_rate_init: float, new_optimizer: bool) -> None:
        """Before a ``fit`` / ``partial_fit`` call: its training-set size and optimizer."""
        self.n_train, self.message = n_train, None
        if new_optimizer:
            self.learning_rate_init = learning_rate_init

    def on_train_begin(self, event: TrainingEvent) -> None:
        if self.early_stopping and self.best_params is None:
            self.best_params = event.net.params.copy()

    def on_epoch_end(self, event: TrainingEvent) -> bool:
        loss = float(event.loss) / self.loss_factor
        self.loss_curve.append(loss)
        self.t += self.n_train
        if self.early_stopping:
            score = event.history.val_metric[-1]
            score = float("nan") if score is None else float(score)
            self.validation_scores.append(score)
            self.count = self.count + 1 if score < self.best_score + self.tol else 0
            if score > self.best_score:
                self.best_score = score
                np.copyto(self.best_params, event.net.params)
        else:
            self.count = self.count + 1 if loss > self.best_loss - self.tol else 0
            self.best_loss = min(self.best_loss, loss)
        state = event.optimizer_state
        if self.schedule == "invscaling":
            state["learning_rate"] = self.learning_rate_init / (self.t + 1) ** self.power_t
        if self.count > self.n_iter_no_change:
            what = "Validation score" if self.early_stopping else "Training loss"
            msg = (f"{what} did not improve more than tol={self.tol:g} for "
                   f"{self.n_iter_no_change} consecutive epochs")
            lr = state.get("learning_rate")
            if self.schedule == "adaptive" and lr is not None and float(lr) > 1e-6:
                state["learning_rate"] = float(lr) / 5.0
                self.count = 0
            else:
                self.message = msg
                return True
        return False

    def on_train_end(self, event: TrainingEvent) -> None:
        if self.early_stopping and self.best_params is not None:
            event.net.params[...] = self.best_params
