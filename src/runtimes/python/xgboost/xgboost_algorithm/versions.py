"""The behaviour that differs between the SageMaker XGBoost image versions this adapter
emulates on one XGBoost library (Debian's 1.7.4). Each property names one difference; the
rest of the package asks these instead of comparing version strings."""

SUPPORTED = ("1.0-1", "1.2-1", "1.2-2", "1.3-1", "1.5-1", "1.7-1")

_MAXIMIZE = {
    "1.0-1": ("accuracy", "auc", "aucpr", "f1", "map", "ndcg"),
    "1.2-1": ("r2",),
    "1.3-1": ("balanced_accuracy", "f1_binary", "f1_macro", "precision", "recall",
              "precision_macro", "precision_micro", "recall_macro", "recall_micro"),
}
_MINIMIZE = {
    "1.0-1": ("cox-nloglik", "error", "gamma-deviance", "gamma-nloglik", "logloss", "mae",
              "merror", "mlogloss", "mse", "poisson-nloglik", "rmse", "rmsle",
              "tweedie-nloglik"),
    "1.2-1": ("aft-nloglik", "interval-regression-accuracy", "mphe"),
    "1.3-1": ("mape",),
}
# Metrics the container computes itself (scikit-learn) rather than asking XGBoost for.
_CUSTOM = {
    "1.0-1": ("accuracy", "f1", "mse"),
    "1.2-1": ("r2",),
    "1.3-1": ("balanced_accuracy", "f1_binary", "f1_macro", "rmse", "mae", "precision",
              "precision_macro", "precision_micro", "recall", "recall_macro", "recall_micro"),
}


class UnsupportedVersion(ValueError):
    pass


class AlgorithmVersion:
    def __init__(self, name):
        if name not in SUPPORTED:
            raise UnsupportedVersion(
                "the built-in XGBoost adapter emulates versions %s, not %r"
                % (", ".join(SUPPORTED), name))
        self.name = name
        self._rank = SUPPORTED.index(name)

    def at_least(self, name):
        return self._rank >= SUPPORTED.index(name)

    def _accumulated(self, table):
        names = []
        for introduced, added in table.items():
            if self.at_least(introduced):
                names.extend(added)
        return tuple(names)

    @property
    def maximize_metrics(self):
        return self._accumulated(_MAXIMIZE)

    @property
    def minimize_metrics(self):
        return self._accumulated(_MINIMIZE)

    @property
    def custom_metrics(self):
        return self._accumulated(_CUSTOM)

    @property
    def saves_pickle(self):
        """1.0-1 and 1.2-x pickle the Booster; 1.3-1 onwards use Booster.save_model."""
        return not self.at_least("1.3-1")

    @property
    def pickle_protocol(self):
        return 4 if self.at_least("1.2-1") else None

    @property
    def keeps_early_stopping_in_train_call(self):
        """1.0-1/1.2-x stop on the last data set's last metric and keep every round trained (the
        best iteration is recorded for serving); 1.3-1+ stop on the validation channel only,
        keeping the best rounds, and only when a metric is known."""
        return not self.at_least("1.3-1")

    @property
    def sorts_metric_union(self):
        return self.at_least("1.2-1")

    @property
    def eval_metric_requires_objective(self):
        """1.2-1+ read the objective whenever eval_metric is checked (a KeyError without
        one); 1.0-1 only when `auc` is requested."""
        return self.at_least("1.2-1")

    @property
    def custom_metrics_see_margins(self):
        """From XGBoost 1.2 a custom metric receives raw margins, not transformed predictions."""
        return self.at_least("1.2-1")

    @property
    def weights_validation_csv(self):
        """1.0-1 parses the validation channel without the csv_weights flag."""
        return self.at_least("1.2-1")

    @property
    def reads_channels_recursively(self):
        """1.7-1 reads every file up to depth 3; earlier versions the first leaf directory."""
        return self.at_least("1.7-1")

    @property
    def warns_about_shared_files(self):
        return self.at_least("1.3-1")

    def default_metric(self, objective):
        """The metric an older XGBoost printed when none was asked for, where the 1.7.4 library
        now prints another (XGBoost PR #6183 and #6647); None when the library's own default is
        what the version printed."""
        objective = objective or "reg:squarederror"
        if not self.at_least("1.3-1"):
            if objective == "binary:logistic":
                return "error"
            if objective.startswith("multi:"):
                return "merror"
        if objective == "binary:logitraw" and not self.at_least("1.5-1"):
            return "auc"
        return None

    # Serving.

    @property
    def loads_model_on_ping(self):
        return self.at_least("1.3-1")

    @property
    def serves_ensembles(self):
        return self.at_least("1.2-2")

    @property
    def model_file_may_be_hidden(self):
        """1.0-1 serves the first directory entry, dotfiles included."""
        return not self.at_least("1.2-1")

    @property
    def negotiates_accept(self):
        """1.3-1+ encode responses per Accept; earlier versions always join values with commas
        outside batch mode."""
        return self.at_least("1.3-1")

    @property
    def max_content_length_cap(self):
        return 20 * 1024 * 1024 if not self.at_least("1.3-1") else None

    @property
    def sets_single_openmp_thread(self):
        return self.at_least("1.5-1")
