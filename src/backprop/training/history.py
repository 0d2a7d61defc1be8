"""What a training run records: one row per epoch, plus the run's counts."""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["History"]

COLUMNS = ("epoch", "loss", "val_loss", "metric", "val_metric", "learning_rate", "iterations", "time")


class History:
    """Per-epoch record of a training run.

    Columns (lists, one entry per epoch; ``history["loss"]`` gives an array):

    ``epoch``          1, 2, ... (continues across ``partial_fit`` / resumed runs)
    ``loss``           training loss of the epoch: the batch losses averaged (weighted by
                       each batch's share of samples or of sample weight) under
                       ``reduction="mean"``, summed under ``"sum"``; plus the L2 penalty
                       lambda/2 ||W||^2 averaged over the epoch's updates
    ``val_loss``       loss on the validation set after the epoch (data term only), or None
    ``metric``         the requested metric on the training set after the epoch, or None
    ``val_metric``     the metric on the validation set, or None
    ``learning_rate``  ``state["learning_rate"]`` at the end of the epoch (for K networks
                       at once one per network; for per-parameter rates, an array of
                       shape (P,), their largest: the full array stays in
                       ``trainer.run_.opt_state``, logging it every epoch would cost
                       more than the epoch)
    ``iterations``     updates made so far (cumulative)
    ``time``           wall-clock seconds the epoch took

    Counts: ``n_epochs``, ``n_iterations``, ``iterations_per_epoch``, ``best_epoch`` (epoch of the
    lowest monitored loss, 0 = the initial weights), ``best_loss``, ``stop_reason`` (one of
    ``"max_epochs"``, ``"early_stopping"``, ``"max_iterations"``, ``"diverged"``,
    ``"interrupted"``, ``"callback"``), ``monitor`` (``"val_loss"`` or ``"loss"``),
    ``metric_name`` and ``diagnosis`` (the message of a divergence or stall warning, else None).
    """

    def __init__(self, metric_name: str | None = None, monitor: str = "loss"):
        for col in COLUMNS:
            setattr(self, col, [])
        self.metric_name = metric_name
        self.monitor = monitor
        self.n_iterations = 0
        self.iterations_per_epoch = 0
        self.best_epoch = 0
        self.best_loss: float | None = None
        self.stop_reason: str | None = None
        self.diagnosis: str | None = None
        self.stop_reasons: list[str] | None = None     # stacks: each network's own reason
        self.epochs_trained: np.ndarray | None = None  # stacks: epochs each network trained

    @property
    def n_epochs(self) -> int:
        return len(self.epoch)

    def append(self, **row: Any) -> None:
        """Add one epoch's row (missing columns become None)."""
        for col in COLUMNS:
            getattr(self, col).append(row.get(col))

    def extend(self, n: int, **columns: list) -> None:
        """Add ``n`` rows at once: each given column a list of n values, the others None."""
        for col in COLUMNS:
            values = columns.get(col)
            getattr(self, col).extend([None] * n if values is None else values)

    def __getitem__(self, column: str) -> np.ndarray:
        if column not in COLUMNS:
            raise KeyError(f"unknown column {column!r}; valid: {', '.join(COLUMNS)}")
        values = getattr(self, column)
        return np.array([np.nan if v is None else v for v in values], dtype=float)

    def __len__(self) -> int:
        return self.n_epochs

    def to_dict(self) -> dict[str, Any]:
        """JSON-able contents (used by checkpoints)."""
        out = {col: list(getattr(self, col)) for col in COLUMNS}
        out.update(metric_name=self.metric_name, monitor=self.monitor, n_iterations=self.n_iterations,
                   iterations_per_epoch=self.iterations_per_epoch, best_epoch=self.best_epoch,
                   best_loss=self.best_loss, stop_reason=self.stop_reason, diagnosis=self.diagnosis,
                   stop_reasons=self.stop_reasons, epochs_trained=self.epochs_trained)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "History":
        h = cls(data.get("metric_name"), data.get("monitor", "loss"))
        for key, value in data.items():
            if key in COLUMNS:  # a stack's rows are lists of K numbers: arrays again
                value = [np.array(v, float) if isinstance(v, list) else v for v in value]
            elif isinstance(value, list) and key in ("best_epoch", "best_loss", "epochs_trained"):
                value = np.array(value)
            if key not in ("metric_name", "monitor"):
                setattr(h, key, value)
        return h

    def __repr__(self) -> str:
        last = self.loss[-1] if self.loss else None
        last = f", loss={last:.6g}" if last is not None and np.ndim(last) == 0 else ""
        return (f"History(n_epochs={self.n_epochs}, n_iterations={self.n_iterations}{last}, "
                f"best_epoch={self.best_epoch}, stop_reason={self.stop_reason!r})")
