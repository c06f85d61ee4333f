"""Hyperparameter conversion and validation, in the order and with the messages of the
algorithm toolkit: aliases, the required check, parsing (unknown names fail here), ranges, then
the checks between parameters. No defaults are filled in: what is not given falls through to
XGBoost's own defaults."""
import ast

from xgboost_algorithm.errors import AlgorithmError, UserError

ALIASES = {
    "learning_rate": "eta",
    "min_split_loss": "gamma",
    "reg_lambda": "lambda",
    "reg_alpha": "alpha",
}

_UNBOUNDED = object()


class Interval:
    """A numeric range, printed as the toolkit prints it: `[0, 1]`, `(0, 1]`, `[1, +inf)`."""

    def __init__(self, low=_UNBOUNDED, high=_UNBOUNDED, low_open=False, high_open=False):
        self.low, self.high = low, high
        self.low_open, self.high_open = low_open, high_open

    def __contains__(self, value):
        if self.low is not _UNBOUNDED:
            if value < self.low or (self.low_open and value == self.low):
                return False
        if self.high is not _UNBOUNDED:
            if value > self.high or (self.high_open and value == self.high):
                return False
        return True

    def __str__(self):
        if self.low is _UNBOUNDED:
            low = "(-inf"
        else:
            low = ("(" if self.low_open else "[") + str(self.low)
        if self.high is _UNBOUNDED:
            high = "+inf)"
        else:
            high = str(self.high) + (")" if self.high_open else "]")
        return "%s, %s" % (low, high)


def closed(low=_UNBOUNDED, high=_UNBOUNDED):
    return Interval(low, high)


def open_low(low, high=_UNBOUNDED):
    return Interval(low, high, low_open=True)


class Spec:
    """One hyperparameter: how its string parses, the range it must be in, and the other
    hyperparameters its cross-check reads."""

    def __init__(self, name, parse, valid, describe_range, elements=None, depends_on=(),
                 check=None):
        """`elements`: for list-valued parameters, the values inside a parsed value that
        `valid` checks one by one."""
        self.name = name
        self.parse = parse
        self.valid = valid
        self.describe_range = describe_range
        self.elements = elements
        self.depends_on = depends_on
        self.check = check

    def validate_range(self, value):
        try:
            if self.elements is not None:
                is_valid = all(self.valid(element) for element in self.elements(value))
            else:
                is_valid = self.valid(value)
        except UserError:
            raise
        except Exception as error:
            raise AlgorithmError("Hyperparameter %s: unexpected failure when validating %s"
                                 % (self.name, value), caused_by=error)
        if is_valid:
            return
        if self.elements is not None:
            raise UserError("Hyperparameter %s: value %s not in range %s"
                            % (self.name, value, self.describe_range))
        raise UserError("Hyperparameter %s: %s is not in %s"
                        % (self.name, value, self.describe_range))


def integer(name, interval, **options):
    return Spec(name, int, lambda value: value in interval, interval, **options)


def continuous(name, interval, **options):
    return Spec(name, float, lambda value: value in interval, interval, **options)


def categorical(name, values, **options):
    values = list(values)
    return Spec(name, str, lambda value: value in values, values, **options)


def comma_list(name, is_valid, describe_range, **options):
    return Spec(name, lambda text: text.split(","), is_valid, describe_range, elements=list,
                **options)


def _parse_literal(text):
    try:
        return ast.literal_eval(text)
    except SyntaxError as error:
        raise ValueError(str(error)) from error


def _flatten(nested):
    return [element for inner in nested for element in inner]


# Cross-checks between parameters. Each receives the value and the already validated values of
# the parameters it depends on that were given.

def _check_objective(value, given):
    if value in ("multi:softmax", "multi:softprob") and "num_class" not in given:
        raise UserError("Require input for parameter 'num_class' for multi-classification")


def _check_updater(value, given):
    linear = ("shotgun", "coord_descent")
    tree = ("grow_colmaker", "distcol", "grow_histmaker", "grow_skmaker",
            "grow_local_histmaker", "sync", "refresh", "prune")
    grow = ("grow_colmaker", "distcol", "grow_histmaker", "grow_skmaker",
            "grow_local_histmaker")
    if given.get("booster") == "gblinear":
        if len(value) != 1 or value[0] not in linear:
            raise UserError("Linear updater should be one of these options: 'shotgun', "
                            "'coord_descent'.")
    elif given.get("process_type") == "update":
        if not all(plugin in ("refresh", "prune") for plugin in value):
            raise UserError("process_type 'update' can only be used with updater 'refresh' "
                            "and 'prune'")
    else:
        if not all(plugin in tree for plugin in value):
            raise UserError("Tree updater should be selected from these options: %s."
                            % ", ".join("'%s'" % plugin for plugin in tree))
        if sum(plugin in grow for plugin in value) > 1:
            raise UserError("Only one tree grow plugin can be selected. Choose one from the "
                            "following: %s" % ", ".join("'%s'" % plugin for plugin in grow))


def _tree_method_check(parameter, methods):
    def check(value, given):
        if given.get("tree_method") not in methods:
            quoted = ["'%s'" % method for method in methods]
            listed = " or ".join(quoted) if len(quoted) == 2 else (
                ", ".join(quoted[:-1]) + " or " + quoted[-1])
            raise UserError("%s can be used only when the tree_method parameter is set to "
                            "either %s." % (parameter, listed))
    return check


def _eval_metric_check(version):
    def check(value, given):
        if version.eval_metric_requires_objective or "auc" in value:
            # The toolkit indexes the objective unconditionally here; without one the job
            # fails with a bare KeyError, and so does this.
            objective = given["objective"]
        else:
            objective = given.get("objective", "")
        if "auc" in value and not objective.startswith(("binary:", "rank:")):
            raise UserError("Metric 'auc' can only be applied for classification and ranking "
                            "problems.")
        if version.at_least("1.2-1") and "aft-nloglik" in value and objective != "survival:aft":
            raise UserError("Metric 'aft-nloglik' can only be applied for 'survival:aft' "
                            "objective.")
    return check


def _eval_metric_valid(metrics):
    def valid(metric):
        if "@" in metric:
            name, threshold = (part.strip() for part in metric.split("@", 1))
            if name not in ("error", "ndcg", "map"):
                raise UserError("Metric '%s' is not supported. Parameter 'eval_metric' with "
                                "customized threshold should be one of these options: 'error', "
                                "'ndcg', 'map'." % metric)
            try:
                float(threshold)
            except ValueError:
                raise UserError("Threshold value 't' in '%s@t' expects float input." % name)
            return True
        return metric in metrics
    return valid


def _objectives(version):
    objectives = ["binary:logistic", "binary:logitraw", "binary:hinge", "count:poisson",
                  "multi:softmax", "multi:softprob", "rank:pairwise", "rank:ndcg", "rank:map",
                  "reg:linear", "reg:squarederror", "reg:logistic", "reg:gamma",
                  "reg:squaredlogerror", "reg:tweedie", "survival:cox"]
    if version.at_least("1.2-1"):
        objectives += ["aft_loss_distribution", "reg:pseudohubererror", "survival:aft"]
    if version.at_least("1.7-1"):
        objectives.append("reg:absoluteerror")
    return objectives


def tuning_metric_names(version):
    return ["validation:" + metric
            for metric in version.maximize_metrics + version.minimize_metrics]


def specifications(version):
    """The accepted hyperparameters of one image version, by name."""
    metrics = list(version.maximize_metrics + version.minimize_metrics)
    tree_methods = ["auto", "exact", "approx", "hist"]
    if version.at_least("1.2-1"):
        tree_methods.append("gpu_hist")
    updaters = ["grow_colmaker", "distcol", "grow_histmaker", "grow_skmaker", "sync", "refresh",
                "prune", "shotgun", "coord_descent"]
    if not version.at_least("1.7-1"):
        updaters.append("grow_local_histmaker")
    predictors = (["auto", "cpu_predictor", "gpu_predictor"] if version.at_least("1.2-1")
                  else ["cpu_predictor"])
    specs = [
        integer("num_round", closed(1)),
        integer("csv_weights", closed(0, 1)),
        integer("early_stopping_rounds", closed(1)),
        categorical("booster", ["gbtree", "gblinear", "dart"]),
        integer("verbosity", closed(0, 3)),
        integer("nthread", closed(1)),
        continuous("eta", closed(0, 1)),
        continuous("gamma", closed(0)),
        integer("max_depth", closed(0)),
        continuous("min_child_weight", closed(0)),
        continuous("max_delta_step", closed(0)),
        continuous("subsample", open_low(0, 1)),
        continuous("colsample_bytree", open_low(0, 1)),
        continuous("colsample_bylevel", open_low(0, 1)),
        continuous("colsample_bynode", open_low(0, 1)),
        continuous("lambda", closed(0)),
        continuous("alpha", closed(0)),
        categorical("tree_method", tree_methods),
        continuous("sketch_eps", Interval(0, 1, low_open=True, high_open=True)),
        continuous("scale_pos_weight", open_low(0)),
        comma_list("updater", lambda plugin: plugin in updaters, updaters,
                   depends_on=("booster", "process_type"), check=_check_updater),
        categorical("dsplit", ["row", "col"]),
        integer("refresh_leaf", closed(0, 1)),
        categorical("process_type", ["default", "update"]),
        categorical("grow_policy", ["depthwise", "lossguide"]),
        integer("max_leaves", closed(0)),
        integer("max_bin", closed(0)),
        categorical("predictor", predictors),
        Spec("monotone_constraints", _parse_literal,
             lambda value: value in (-1, 0, 1), [-1, 0, 1], elements=list,
             depends_on=("tree_method",),
             check=_tree_method_check("monotone_constraints", ["exact", "hist"])),
        Spec("interaction_constraints", _parse_literal,
             lambda value: value in closed(1), closed(1), elements=_flatten,
             depends_on=("tree_method",),
             check=_tree_method_check("interaction_constraints", ["exact", "hist", "approx"])),
        categorical("sample_type", ["uniform", "weighted"]),
        categorical("normalize_type", ["tree", "forest"]),
        continuous("rate_drop", closed(0, 1)),
        integer("one_drop", closed(0, 1)),
        continuous("skip_drop", closed(0, 1)),
        continuous("lambda_bias", closed(0, 1)),
        continuous("tweedie_variance_power", Interval(1, 2, low_open=True, high_open=True)),
        categorical("objective", _objectives(version), depends_on=("num_class",),
                    check=_check_objective),
        integer("num_class", closed(2)),
        continuous("base_score", closed(0)),
        categorical("_tuning_objective_metric", tuning_metric_names(version)),
        comma_list("eval_metric", _eval_metric_valid(metrics), metrics,
                   depends_on=("objective",), check=_eval_metric_check(version)),
        integer("seed", Interval(-2 ** 31, 2 ** 31 - 1, low_open=True, high_open=True)),
        integer("num_parallel_tree", closed(1)),
        categorical("save_model_on_termination", ["true", "false"]),
    ]
    if not version.at_least("1.2-1"):
        specs.append(integer("silent", closed(0, 1)))
    if version.at_least("1.2-1"):
        specs += [
            categorical("aft_loss_distribution", ["normal", "logistic", "extreme"]),
            continuous("aft_loss_distribution_scale", closed(0)),
            categorical("deterministic_histogram", ["true", "false"]),
        ]
    if version.at_least("1.2-1") and not version.at_least("1.7-1"):
        specs.append(categorical("single_precision_histogram", ["true", "false"]))
    if version.name == "1.2-1":
        specs.append(integer("_nfold", closed(2)))
    if version.at_least("1.2-2"):
        specs += [integer("_kfold", closed(2)), integer("_num_cv_round", closed(1))]
    if version.at_least("1.3-1"):
        specs += [
            categorical("sampling_method", ["uniform", "gradient_based"]),
            integer("prob_buffer_row", open_low(1.0)),
        ]
    if version.at_least("1.5-1"):
        specs.append(categorical("use_dask_gpu_training", ["true", "false"]))
    return {spec.name: spec for spec in specs}


def _dependency_order(names, specs):
    """Names with every given dependency before its dependents, otherwise as given."""
    ordered, seen = [], set()

    def visit(name):
        if name in seen:
            return
        seen.add(name)
        for dependency in specs[name].depends_on:
            if dependency in names:
                visit(dependency)
        ordered.append(name)

    for name in names:
        visit(name)
    return ordered


def validate(raw, version):
    """The converted hyperparameters, or the first error in the toolkit's order."""
    renamed = {ALIASES.get(name, name): value for name, value in raw.items()}
    specs = specifications(version)
    if "num_round" not in renamed:
        raise UserError("Missing required hyperparameter: num_round")

    converted = {}
    for name, text in renamed.items():
        spec = specs.get(name)
        if spec is None:
            raise UserError("Extraneous hyperparameter found: %s" % name)
        try:
            converted[name] = spec.parse(text)
        except ValueError as error:
            raise UserError("Hyperparameter %s: could not parse value" % name, caused_by=error)

    for name, value in converted.items():
        specs[name].validate_range(value)

    for name in _dependency_order(list(converted), specs):
        spec = specs[name]
        if spec.check is not None:
            given = {dependency: converted[dependency] for dependency in spec.depends_on
                     if dependency in converted}
            spec.check(converted[name], given)
    return converted
