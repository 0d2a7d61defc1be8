"""Training: one loop for online, mini-batch and batch learning (see ``docs/training.md``)."""

from .callbacks import Callback, RecordParams, TargetLoss, TrainingEvent
from .checkpoint import CheckpointError
from .diagnosis import ConvergenceWarning, TrainingDiverged, diagnose
from .history import History
from .trainer import Trainer, fit

__all__ = ["Trainer", "fit", "History", "Callback", "TrainingEvent", "TargetLoss", "RecordParams",
           "CheckpointError", "ConvergenceWarning", "TrainingDiverged", "diagnose"]
