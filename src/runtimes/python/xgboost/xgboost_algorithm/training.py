"""Algorithm-mode training: validate, load the channels, train on one host, save the model.

Per-round metrics are printed by XGBoost's EvaluationMonitor as
`[<round>]\ttrain-<metric>:<value>\tvalidation-<metric>:<value>`, the line SageMaker's metric
regexes read (with the tab logged as `#011`).
"""
import json
import logging
import os
import signal
import warnings

import xgboost as xgb

from sagemaker_contract import paths
from xgboost_algorithm import channels
from xgboost_algorithm import data
from xgboost_algorithm import hyperparameters
from xgboost_algorithm import metrics
from xgboost_algorithm import model_files
from xgboost_algorithm.errors import AlgorithmError, UserError

# Substrings of XGBoost errors that the job's data or configuration causes: those fail as
# UserError with XGBoost's message, anything else as the container's AlgorithmError.
CUSTOMER_ERRORS = (
    "label must be in [0,1] for logistic regression",
    "label must be in [0, num_class)",
    "Target is multiclass but average='binary'",
    "feature_names mismatch",
    "Check failed: preds.size() == info.labels_.size()",
    "Check failed: !auc_error AUC: the dataset only contains pos or neg samples",
    "Check failed: base_score > 0.0f && base_score < 1.0f base_score must be in (0,1) for "
    "logistic loss",
    "Check failed: label_correct PoissonRegression: label must be nonnegative",
    "Check failed: label_correct TweedieRegression: label must be nonnegative",
    "Parameter reg_lambda should be greater equal to 0",
)


def _read_json(path):
    with open(path, encoding="utf-8") as config:
        return json.load(config)


def _union(first, second, version):
    if first is None:
        return second
    if second is None:
        return first
    if version.sorts_metric_union:
        return sorted(set(first) | set(second))
    return list(dict.fromkeys(list(first) + list(second)))


class TrainingPlan:
    """What xgb.train is called with, decided from the validated hyperparameters alone."""

    def __init__(self, validated, version, has_validation):
        params = dict(validated)
        self.version = version
        if version.at_least("1.2-1"):
            self.num_round = params.pop("num_round")
        else:
            self.num_round = params["num_round"]
        self.save_model_on_termination = params.pop("save_model_on_termination", "false") == "true"
        if version.keeps_early_stopping_in_train_call:
            tuning = params.get("_tuning_objective_metric")
            self.early_stopping_rounds = params.get("early_stopping_rounds")
        else:
            tuning = params.pop("_tuning_objective_metric", None)
            self.early_stopping_rounds = params.pop("early_stopping_rounds", None)
            for removed in ("_kfold", "_num_cv_round", "use_dask_gpu_training"):
                params.pop(removed, None)
        params.pop("_nfold", None)
        if params.get("updater"):
            params["updater"] = ",".join(params["updater"])

        requested = params.get("eval_metric")
        tuning_metrics = tuning.split(":")[1].split(",") if tuning else None
        union = _union(tuning_metrics, requested, version)
        self.custom_metrics = [name for name in union or [] if name in version.custom_metrics]
        xgboost_metrics = [name for name in union or [] if name not in self.custom_metrics]
        if not xgboost_metrics:
            legacy_default = version.default_metric(params.get("objective"))
            if legacy_default:
                xgboost_metrics = [legacy_default]
        if xgboost_metrics:
            params["eval_metric"] = xgboost_metrics
        else:
            params.pop("eval_metric", None)
        self.params = params

        # XGBoost lists its own metrics first and the custom ones after them.
        printed = xgboost_metrics + self.custom_metrics
        self.early_stopping = None
        if self.early_stopping_rounds and version.keeps_early_stopping_in_train_call:
            # What xgb.train(early_stopping_rounds=...) does: watch the last data set's last
            # metric and keep every round trained.
            last_metric = printed[-1] if printed else None
            self.early_stopping = xgb.callback.EarlyStopping(
                rounds=self.early_stopping_rounds,
                maximize=last_metric in version.maximize_metrics)
        elif self.early_stopping_rounds and has_validation:
            metric = tuning_metrics[-1] if tuning_metrics else (
                requested[-1] if requested else None)
            if metric:
                self.early_stopping = xgb.callback.EarlyStopping(
                    rounds=self.early_stopping_rounds, data_name="validation", metric_name=metric,
                    maximize=metric in version.maximize_metrics, save_best=True)

    def train_arguments(self):
        """Keyword arguments of xgb.train besides params, the data and the callbacks."""
        arguments = {"num_boost_round": self.num_round, "verbose_eval": False}
        if self.custom_metrics:
            function = metrics.custom_metric_function(
                self.custom_metrics, self.version.custom_metrics_see_margins)
            # XGBoost hands `feval` raw margins and `custom_metric` transformed predictions,
            # which is the change the container's metrics saw between XGBoost 1.0 and 1.2.
            if self.version.custom_metrics_see_margins:
                arguments["feval"] = function
            else:
                arguments["custom_metric"] = function
        return arguments


class _PrintThenStop(xgb.callback.TrainingCallback):
    """The per-round metric line, then the early-stopping decision, in that order.

    XGBoost keeps its callbacks in a set, so a separate EarlyStopping may run first and end
    training before the last round's line is printed; the image always prints it.
    """

    def __init__(self, early_stopping):
        super().__init__()
        self.monitor = xgb.callback.EvaluationMonitor()
        self.early_stopping = early_stopping

    def before_training(self, model):
        model = self.monitor.before_training(model)
        if self.early_stopping is not None:
            model = self.early_stopping.before_training(model)
        return model

    def after_iteration(self, model, epoch, evals_log):
        self.monitor.after_iteration(model, epoch, evals_log)
        if self.early_stopping is None:
            return False
        return self.early_stopping.after_iteration(model, epoch, evals_log)

    def after_training(self, model):
        model = self.monitor.after_training(model)
        if self.early_stopping is not None:
            model = self.early_stopping.after_training(model)
        return model


class _SaveEachRound(xgb.callback.TrainingCallback):
    """save_model_on_termination: the model after every round, so a stop keeps the latest."""

    def __init__(self, model_dir, version):
        super().__init__()
        self.model_dir = model_dir
        self.version = version

    def after_iteration(self, model, epoch, evals_log):
        model_files.save(model, self.model_dir, self.version)
        return False


def _stop_on_sigterm(model_dir):
    def stop(signal_number, frame):
        for name in os.listdir(model_dir):
            path = os.path.join(model_dir, name)
            if os.path.isfile(path) and not name.startswith(model_files.MODEL_NAME):
                os.remove(path)
        os._exit(0)
    signal.signal(signal.SIGTERM, stop)


def _run_xgboost(plan, train_matrix, validation_matrix, model_dir):
    watchlist = [(train_matrix, "train")]
    if validation_matrix is not None:
        watchlist.append((validation_matrix, "validation"))
    callbacks = [_PrintThenStop(plan.early_stopping)]
    if plan.save_model_on_termination:
        callbacks.append(_SaveEachRound(model_dir, plan.version))
        _stop_on_sigterm(model_dir)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*feval.*deprecated")
            return xgb.train(plan.params, train_matrix, evals=watchlist, callbacks=callbacks,
                             **plan.train_arguments())
    except Exception as error:
        if any(known in str(error) for known in CUSTOMER_ERRORS):
            raise UserError(str(error))
        raise AlgorithmError("XGB train call failed with exception:\n %s" % error)


def train(version):
    """The whole job; raises on any failure (the caller reports it)."""
    train_config = _read_json(paths.hyperparameters_file())
    data_config = _read_json(paths.input_data_config_file())
    if "train" not in data_config:
        # The image reads the train channel's path from the environment before validating
        # anything, and a job without one dies there.
        raise KeyError("SM_CHANNEL_TRAIN")
    train_path = paths.channel_dir("train")
    validation_path = paths.channel_dir("validation") if "validation" in data_config else None
    if os.path.exists(paths.resource_config_file()):
        hosts = _read_json(paths.resource_config_file())["hosts"]
        if len(hosts) > 1:
            logging.warning("%d hosts configured; training runs on this one host only",
                            len(hosts))

    validated = hyperparameters.validate(train_config, version)
    channel_config = channels.validate(data_config)
    train_channel = channel_config["train"]
    file_format = channels.file_format(train_channel["ContentType"])
    is_pipe = train_channel["TrainingInputMode"] == channels.PIPE_MODE
    csv_weights = validated.get("csv_weights", 0)
    if "_kfold" in validated:
        raise UserError("_kfold (cross-validation training) is not supported by this adapter")

    if validation_path and version.warns_about_shared_files and not is_pipe:
        channels.warn_about_shared_files(train_path, validation_path)
    train_size = channels.data_size(train_path, is_pipe)
    validation_size = channels.data_size(validation_path, is_pipe) if validation_path else 0
    train_matrix = data.load_channel(train_path, file_format, version, csv_weights, is_pipe)
    validation_matrix = None
    if validation_path:
        validation_weights = csv_weights if version.weights_validation_csv else 0
        validation_matrix = data.load_channel(validation_path, file_format, version,
                                              validation_weights, is_pipe)
    if train_size == 0 or train_matrix is None:
        raise UserError("No data in training channel path %s" % train_path)
    if validation_path and (validation_size == 0 or validation_matrix is None):
        raise UserError("No data in validation channel path %s" % validation_path)

    logging.info("Train matrix has %d rows and %d columns", train_matrix.num_row(),
                 train_matrix.num_col())
    plan = TrainingPlan(validated, version, validation_matrix is not None)
    model_dir = paths.model_dir()
    booster = _run_xgboost(plan, train_matrix, validation_matrix, model_dir)
    model_files.save(booster, model_dir, version)
