"""Evaluation measures in NumPy (what ``backprop evaluate`` prints).

Classification, with C[i, j] = number of samples of true class i predicted as class j:

    accuracy     sum_i C[i, i] / n
    precision_k  C[k, k] / sum_i C[i, k]      (0 when class k is never predicted)
    recall_k     C[k, k] / sum_j C[k, j]      (0 when class k never occurs)
    F1_k         2 p_k r_k / (p_k + r_k)      (0 when p_k + r_k = 0)
    ROC AUC      P(score of a random positive > score of a random negative), ties counting 1/2:
                 (R_+ - n_+ (n_+ + 1) / 2) / (n_+ n_-), R_+ the sum of the positives' average
                 ranks (Mann & Whitney 1947; Hanley & McNeil 1982)

Regression (per output, then averaged over outputs):

    R^2 = 1 - sum (y - p)^2 / sum (y - mean y)^2     RMSE = sqrt(mean (y - p)^2)     MAE = mean |y - p|
"""

from __future__ import annotations

import numpy as np

from ._errors import DataError

__all__ = ["confusion_matrix", "classification_scores", "roc_auc", "regression_scores"]


def confusion_matrix(true_idx: np.ndarray, pred_idx: np.ndarray, n_classes: int) -> np.ndarray:
    """C[i, j]: samples of class i predicted as class j (indices in [0, n_classes))."""
    t, p = np.asarray(true_idx, np.intp), np.asarray(pred_idx, np.intp)
    return np.bincount(t * n_classes + p, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def classification_scores(true_idx: np.ndarray, pred_idx: np.ndarray, n_classes: int) -> dict:
    """Accuracy, the confusion matrix, and per-class and macro-averaged precision, recall, F1."""
    C = confusion_matrix(true_idx, pred_idx, n_classes)
    tp = np.diag(C).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(C.sum(axis=0) > 0, tp / C.sum(axis=0), 0.0)
        recall = np.where(C.sum(axis=1) > 0, tp / C.sum(axis=1), 0.0)
        f1 = np.where(precision + recall > 0, 2 * precision * recall / (precision + recall), 0.0)
    return {"accuracy": float(tp.sum() / max(C.sum(), 1)), "confusion_matrix": C,
            "precision": precision, "recall": recall, "f1": f1, "support": C.sum(axis=1),
            "macro_precision": float(precision.mean()), "macro_recall": float(recall.mean()),
            "macro_f1": float(f1.mean())}


def _average_ranks(a: np.ndarray) -> np.ndarray:
    """Ranks 1..n, tied values sharing their average rank."""
    order = np.argsort(a, kind="mergesort")
    s = a[order]
    starts = np.r_[0, np.flatnonzero(s[1:] != s[:-1]) + 1]
    ends = np.r_[starts[1:], len(s)]
    ranks = np.empty(len(a))
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return ranks


def roc_auc(positive: np.ndarray, score: np.ndarray) -> float:
    """Area under the ROC curve of ``score`` for the boolean ``positive`` (ties count 1/2)."""
    positive, score = np.asarray(positive, bool), np.asarray(score, float)
    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    if n_pos == 0 or n_neg == 0:
        raise DataError("ROC AUC needs samples of both classes")
    r = _average_ranks(score)
    return float((r[positive].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def regression_scores(y: np.ndarray, pred: np.ndarray) -> dict:
    """R^2, RMSE and MAE, averaged over outputs (scikit-learn's ``uniform_average``)."""
    y, pred = np.asarray(y, float), np.asarray(pred, float)
    y2, p2 = y.reshape(len(y), -1), pred.reshape(len(pred), -1)
    if y2.shape != p2.shape:
        raise DataError(f"targets have shape {y.shape}, predictions {pred.shape}")
    ss_res = ((y2 - p2) ** 2).sum(axis=0)
    ss_tot = ((y2 - y2.mean(axis=0)) ** 2).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(ss_tot > 0, 1.0 - ss_res / ss_tot, np.where(ss_res == 0, 1.0, 0.0))
    return {"r2": float(r2.mean()), "rmse": float(np.sqrt(((y2 - p2) ** 2).mean(axis=0)).mean()),
            "mae": float(np.abs(y2 - p2).mean(axis=0).mean())}
