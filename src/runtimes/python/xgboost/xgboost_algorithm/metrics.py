"""The evaluation metrics the container computes itself with scikit-learn, passed to XGBoost as a
custom metric so that they are printed in the same per-round line as XGBoost's own."""
from functools import partial

import numpy as np
from sklearn import metrics as sklearn_metrics


def _class_labels(predictions, see_margins):
    if predictions.ndim > 1:
        return np.argmax(predictions, axis=-1)
    threshold = 0.0 if see_margins else 0.5
    return (predictions > threshold).astype(int)


def _classification(score):
    def compute(labels, predictions, see_margins):
        if predictions.size == 0:
            return 0.0
        return score(labels, _class_labels(predictions, see_margins))
    return compute


def _regression(score):
    def compute(labels, predictions, see_margins):
        return score(labels, predictions)
    return compute


def _root_mean_squared_error(labels, predictions):
    return float(np.sqrt(sklearn_metrics.mean_squared_error(labels, predictions)))


_METRICS = {
    "accuracy": _classification(sklearn_metrics.accuracy_score),
    "balanced_accuracy": _classification(sklearn_metrics.balanced_accuracy_score),
    "f1": _classification(partial(sklearn_metrics.f1_score, average="macro")),
    "f1_binary": _classification(partial(sklearn_metrics.f1_score, average="binary")),
    "f1_macro": _classification(partial(sklearn_metrics.f1_score, average="macro")),
    "precision": _classification(sklearn_metrics.precision_score),
    "precision_macro": _classification(partial(sklearn_metrics.precision_score, average="macro")),
    "precision_micro": _classification(partial(sklearn_metrics.precision_score, average="micro")),
    "recall": _classification(sklearn_metrics.recall_score),
    "recall_macro": _classification(partial(sklearn_metrics.recall_score, average="macro")),
    "recall_micro": _classification(partial(sklearn_metrics.recall_score, average="micro")),
    "mse": _regression(sklearn_metrics.mean_squared_error),
    "rmse": _regression(_root_mean_squared_error),
    "mae": _regression(sklearn_metrics.mean_absolute_error),
    "r2": _regression(sklearn_metrics.r2_score),
}


def custom_metric_function(names, see_margins):
    """A function for xgb.train's custom metric slot returning [(name, value), ...] in `names`
    order. `see_margins`: whether XGBoost hands it raw margins (it does for `feval`)."""
    def evaluate(predictions, matrix):
        labels = matrix.get_label()
        return [(name, float(_METRICS[name](labels, predictions, see_margins)))
                for name in names]
    return evaluate
