"""Runs the built-in XGBoost adapter for real: training jobs in a temporary directory laid out
as /opt/ml (remapped through the SM_* variables), and the model server over HTTP.

Run with Debian's Python: /usr/bin/python3 container_test.py. SLUICE_RUNTIMES_DIR selects the
runtimes directory under test (default: the source tree this file is in).
"""
import http.client
import json
import os
import pickle
import re
import shutil
import socket
import subprocess
import tempfile
import time
import unittest

import numpy as np

RUNTIMES_DIR = os.environ.get(
    "SLUICE_RUNTIMES_DIR", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CONTAINER = os.path.join(RUNTIMES_DIR, "xgboost", "container.py")
CSV_CHANNEL = {"ContentType": "text/csv", "TrainingInputMode": "File",
               "S3DistributionType": "FullyReplicated", "RecordWrapperType": "None"}
# The regex SageMaker injects for built-in XGBoost jobs, applied after the tab becomes "#011".
METRIC_REGEX = r".*\[[0-9]+\].*#011{}:([-+]?[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?).*"


def regression_rows(count, seed):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(count, 3))
    labels = 2 * features[:, 0] - features[:, 1] + rng.normal(scale=0.1, size=count)
    return np.column_stack([labels, features])


def binary_rows(count, seed):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(count, 3))
    labels = (features[:, 0] + 0.3 * rng.normal(size=count) > 0).astype(float)
    return np.column_stack([labels, features])


def multiclass_rows(count, seed):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(count, 2))
    labels = np.digitize(features[:, 0], [-0.5, 0.5]).astype(float)
    return np.column_stack([labels, features])


class Job:
    """A temporary /opt/ml tree and the environment that remaps the adapter onto it."""

    def __init__(self, test):
        self.root = tempfile.mkdtemp(prefix="xgboost-adapter-test-")
        test.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        for directory in ("input/config", "input/data", "model", "output"):
            os.makedirs(self.path(directory))
        self.write_json("input/config/resourceconfig.json",
                        {"current_host": "algo-1", "hosts": ["algo-1"]})
        self.environment = dict(os.environ)
        self.environment.update({
            "PATH": "/usr/bin:/bin",
            "SM_INPUT_DIR": self.path("input"),
            "SM_MODEL_DIR": self.path("model"),
            "SM_OUTPUT_DIR": self.path("output"),
            "SLUICE_CODE_DIR": self.path("code"),
        })

    def path(self, relative):
        return os.path.join(self.root, relative)

    def write_json(self, relative, value):
        with open(self.path(relative), "w") as file:
            json.dump(value, file)

    def write_text(self, relative, text):
        os.makedirs(os.path.dirname(self.path(relative)), exist_ok=True)
        with open(self.path(relative), "w") as file:
            file.write(text)

    def write_csv(self, channel, rows, name="data.csv", delimiter=","):
        os.makedirs(self.path("input/data/" + channel), exist_ok=True)
        np.savetxt(self.path("input/data/%s/%s" % (channel, name)), rows, delimiter=delimiter,
                   fmt="%.6f")

    def configure(self, hyperparameters, channels):
        self.write_json("input/config/hyperparameters.json", hyperparameters)
        self.write_json("input/config/inputdataconfig.json", channels)

    def train(self, version):
        return subprocess.run(
            ["/usr/bin/python3", CONTAINER, "--algorithm-version", version, "train"],
            env=self.environment, capture_output=True, text=True, timeout=300)

    def failure(self):
        with open(self.path("output/failure")) as failure:
            return failure.read()

    def model_path(self):
        return self.path("model/xgboost-model")


def train_regression(test, version, hyperparameters=None, with_validation=True):
    """A regression job; an objective is added because 1.2-1+ refuse eval_metric without one."""
    hyperparameters = hyperparameters or {"num_round": "5", "eval_metric": "rmse"}
    if "eval_metric" in hyperparameters:
        hyperparameters = dict({"objective": "reg:squarederror"}, **hyperparameters)
    job = Job(test)
    job.write_csv("train", regression_rows(200, 1))
    channels = {"train": CSV_CHANNEL}
    if with_validation:
        job.write_csv("validation", regression_rows(60, 2))
        channels["validation"] = CSV_CHANNEL
    job.configure(hyperparameters, channels)
    result = job.train(version)
    test.assertEqual(result.returncode, 0, result.stderr)
    return job, result


def metric_values(stdout, name):
    """What a MetricDefinition regex extracts from each log line, as SageMaker applies it."""
    values = []
    for line in stdout.splitlines():
        match = re.match(METRIC_REGEX.format(name), line.replace("\t", "#011"))
        if match:
            values.append(float(match.group(1)))
    return values


class TrainingTest(unittest.TestCase):

    def test_prints_one_metric_line_per_round_that_the_sdk_regexes_read(self):
        job, result = train_regression(self, "1.7-1",
                                       {"num_round": "4", "eval_metric": "rmse,mae"})
        lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
        self.assertEqual(len(lines), 4)
        self.assertRegex(lines[0], r"^\[0\]\ttrain-rmse:\d+\.\d{5}\ttrain-mae:\d+\.\d{5}\t"
                                   r"validation-rmse:\d+\.\d{5}\tvalidation-mae:\d+\.\d{5}$")
        validation_rmse = metric_values(result.stdout, "validation-rmse")
        self.assertEqual(len(validation_rmse), 4)
        self.assertLess(validation_rmse[-1], validation_rmse[0])
        self.assertEqual(len(metric_values(result.stdout, "train-mae")), 4)

    def test_version_1_0_1_pickles_the_booster(self):
        job, _ = train_regression(self, "1.0-1")
        self.assertEqual(os.listdir(job.path("model")), ["xgboost-model"])
        with open(job.model_path(), "rb") as model_file:
            booster = pickle.load(model_file)
        self.assertEqual(type(booster).__name__, "Booster")
        self.assertEqual(booster.num_boosted_rounds(), 5)

    def test_version_1_2_1_pickles_with_protocol_4(self):
        job, _ = train_regression(self, "1.2-1")
        with open(job.model_path(), "rb") as model_file:
            self.assertEqual(model_file.read(2), b"\x80\x04")

    def test_version_1_3_1_onwards_saves_xgboost_binary_format(self):
        import xgboost

        for version in ("1.3-1", "1.7-1"):
            job, _ = train_regression(self, version)
            with open(job.model_path(), "rb") as model_file:
                self.assertEqual(model_file.read(4), b"binf")
            with open(job.model_path(), "rb") as model_file:
                with self.assertRaises(pickle.UnpicklingError):
                    pickle.load(model_file)
            booster = xgboost.Booster()
            booster.load_model(job.model_path())
            self.assertEqual(booster.num_boosted_rounds(), 5)

    def test_trains_with_only_num_round(self):
        job, result = train_regression(self, "1.7-1", {"num_round": "3"}, with_validation=False)
        self.assertIn("[2]\ttrain-rmse:", result.stdout)
        self.assertFalse(os.path.exists(job.path("output/failure")))
        self.assertFalse(os.path.exists(job.path("output/success")))

    def test_binary_default_metric_follows_the_image_version(self):
        for version, metric in (("1.0-1", "train-error"), ("1.2-1", "train-error"),
                                ("1.3-1", "train-logloss"), ("1.7-1", "train-logloss")):
            job = Job(self)
            job.write_csv("train", binary_rows(100, 3))
            job.configure({"num_round": "2", "objective": "binary:logistic"},
                          {"train": CSV_CHANNEL})
            result = job.train(version)
            self.assertEqual(result.returncode, 0, result.stderr)
            self.assertRegex(result.stdout, r"\[0\]\t%s:\d" % metric, version)

    def test_tuning_objective_metric_is_printed_without_eval_metric(self):
        job = Job(self)
        job.write_csv("train", binary_rows(100, 3))
        job.write_csv("validation", binary_rows(40, 4))
        job.configure({"num_round": "3", "objective": "binary:logistic",
                       "_tuning_objective_metric": "validation:auc"},
                      {"train": CSV_CHANNEL, "validation": CSV_CHANNEL})
        result = job.train("1.5-1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(len(metric_values(result.stdout, "validation-auc")), 3)

    def test_container_computed_metrics_share_the_line(self):
        job = Job(self)
        job.write_csv("train", binary_rows(100, 3))
        job.configure({"num_round": "2", "objective": "binary:logistic",
                       "eval_metric": "logloss,accuracy"}, {"train": CSV_CHANNEL})
        result = job.train("1.7-1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertRegex(result.stdout,
                         r"\[1\]\ttrain-logloss:\d\.\d{5}\ttrain-accuracy:\d\.\d{5}")

    def test_early_stopping_keeps_the_best_rounds_only_from_1_3_1(self):
        import xgboost

        hyperparameters = {"num_round": "200", "eta": "0.9", "eval_metric": "rmse",
                           "early_stopping_rounds": "3"}
        job, result = train_regression(self, "1.7-1", hyperparameters)
        booster = xgboost.Booster()
        booster.load_model(job.model_path())
        rounds_printed = len(metric_values(result.stdout, "validation-rmse"))
        self.assertLess(rounds_printed, 200)
        self.assertEqual(booster.num_boosted_rounds(), int(booster.attr("best_iteration")) + 1)
        self.assertEqual(booster.num_boosted_rounds(), rounds_printed - 3)

        job, result = train_regression(self, "1.0-1", hyperparameters)
        with open(job.model_path(), "rb") as model_file:
            booster = pickle.load(model_file)
        self.assertEqual(booster.num_boosted_rounds(),
                         len(metric_values(result.stdout, "validation-rmse")))

    def test_early_stopping_without_a_metric_trains_every_round_from_1_3_1(self):
        _, result = train_regression(self, "1.7-1",
                                     {"num_round": "12", "early_stopping_rounds": "1"})
        self.assertEqual(len(metric_values(result.stdout, "validation-rmse")), 12)

    def test_reads_every_file_of_a_channel(self):
        job = Job(self)
        rows = regression_rows(90, 5)
        job.write_csv("train", rows[:30], "part-1.csv", delimiter=";")
        job.write_csv("train", rows[30:], "part-2.csv", delimiter=";")
        job.configure({"num_round": "1"}, {"train": CSV_CHANNEL})
        result = job.train("1.5-1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Train matrix has 90 rows and 3 columns", result.stderr)

    def test_an_entry_of_the_temporary_directory_that_cannot_be_read_does_not_fail_loading(self):
        # XGBoost's loader stats every entry beside the directory it is given and aborts on
        # one it cannot stat: in practice another program's file deleted meanwhile, here a
        # name whose full path is longer than the system allows.
        job = Job(self)
        temporary = job.path("tmp")
        while len(temporary) < os.pathconf("/", "PC_PATH_MAX") - 200:
            temporary = os.path.join(temporary, "d" * 100)
        os.makedirs(temporary)
        directory = os.open(temporary, os.O_RDONLY)
        self.addCleanup(os.close, directory)
        os.close(os.open("f" * 250, os.O_CREAT | os.O_WRONLY, dir_fd=directory))
        job.environment["TMPDIR"] = temporary
        job.write_csv("train", regression_rows(40, 7))
        job.configure({"num_round": "1"}, {"train": CSV_CHANNEL})
        result = job.train("1.7-1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(os.listdir(directory), ["f" * 250])

    def test_version_1_7_1_reads_subdirectories_and_earlier_versions_the_first_leaf(self):
        rows = regression_rows(60, 6)
        counts = {}
        for version in ("1.5-1", "1.7-1"):
            job = Job(self)
            job.write_csv("train", rows[:20], "top.csv")
            job.write_csv("train/a", rows[20:40], "a.csv")
            job.write_csv("train/a/b", rows[40:], "b.csv")
            job.configure({"num_round": "1"}, {"train": CSV_CHANNEL})
            result = job.train(version)
            self.assertEqual(result.returncode, 0, result.stderr)
            counts[version] = re.search(r"Train matrix has (\d+) rows", result.stderr).group(1)
        self.assertEqual(counts, {"1.5-1": "20", "1.7-1": "60"})

    def test_trains_on_libsvm(self):
        job = Job(self)
        job.write_text("input/data/train/data.libsvm",
                       "".join("%d 0:%f 2:%f\n" % (row % 2, row / 10, row % 3)
                               for row in range(40)))
        job.configure({"num_round": "2", "objective": "binary:logistic"},
                      {"train": dict(CSV_CHANNEL, ContentType="text/libsvm")})
        result = job.train("1.7-1")
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertIn("Train matrix has 40 rows and 3 columns", result.stderr)


class TrainingFailureTest(unittest.TestCase):

    def failure_of(self, version, hyperparameters, channels=None, prepare=None):
        job = Job(self)
        job.write_csv("train", regression_rows(50, 1))
        if prepare:
            prepare(job)
        job.configure(hyperparameters, channels or {"train": CSV_CHANNEL})
        result = job.train(version)
        self.assertEqual(result.returncode, 1, result.stdout + result.stderr)
        failure = job.failure()
        self.assertTrue(failure.startswith("framework error: \nTraceback"), failure)
        self.last_traceback = failure
        return failure.rstrip("\n").splitlines()[-1]

    def test_missing_num_round(self):
        self.assertEqual(self.failure_of("1.7-1", {"eta": "0.1"}),
                         "Missing required hyperparameter: num_round")

    def test_unparsable_and_out_of_range_values(self):
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "10.0"}),
                         "Hyperparameter num_round: could not parse value (caused by ValueError)")
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "0"}),
                         "Hyperparameter num_round: 0 is not in [1, +inf)")
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5", "learning_rate": "2"}),
                         "Hyperparameter eta: 2.0 is not in [0, 1]")
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5", "subsample": "0"}),
                         "Hyperparameter subsample: 0.0 is not in (0, 1]")
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5", "booster": "tree"}),
                         "Hyperparameter booster: tree is not in ['gbtree', 'gblinear', 'dart']")
        self.assertTrue(self.failure_of("1.7-1", {"num_round": "5", "objective": "binary:logistic",
                                                  "eval_metric": "auc, rmse"}).startswith(
            "Hyperparameter eval_metric: value ['auc', ' rmse'] not in range ['accuracy', "))

    def test_extraneous_hyperparameters(self):
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5", "max_dept": "3"}),
                         "Extraneous hyperparameter found: max_dept")
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5", "sagemaker_region": "x"}),
                         "Extraneous hyperparameter found: sagemaker_region")
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5", "silent": "1"}),
                         "Extraneous hyperparameter found: silent")

    def test_silent_is_accepted_by_1_0_1(self):
        train_regression(self, "1.0-1", {"num_round": "2", "silent": "1"})

    def test_cross_checks(self):
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5",
                                                   "objective": "multi:softmax"}),
                         "Require input for parameter 'num_class' for multi-classification")
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5", "eval_metric": "rmse"}),
                         "'objective'")
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5",
                                                   "objective": "reg:squarederror",
                                                   "eval_metric": "auc"}),
                         "Metric 'auc' can only be applied for classification and ranking "
                         "problems.")
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5",
                                             "monotone_constraints": "(1,0,-1)"}),
                         "monotone_constraints can be used only when the tree_method parameter "
                         "is set to either 'exact' or 'hist'.")

    def test_eval_metric_without_objective_trains_on_1_0_1(self):
        train_regression(self, "1.0-1", {"num_round": "2", "eval_metric": "rmse"})

    def test_channel_rules(self):
        self.assertEqual(
            self.failure_of("1.7-1", {"num_round": "5"},
                      {"train": CSV_CHANNEL, "test": CSV_CHANNEL}),
            "Extraneous channel found: test")
        self.assertEqual(
            self.failure_of("1.7-1", {"num_round": "5"},
                      {"train": dict(CSV_CHANNEL, ContentType="text/csv; charset=utf-8")}),
            "Channel configuration for 'train' channel is not supported: {'ContentType': "
            "'text/csv; charset=utf-8', 'TrainingInputMode': 'File', 'S3DistributionType': "
            "'FullyReplicated', 'RecordWrapperType': 'None'}")
        self.assertTrue(self.failure_of("1.7-1", {"num_round": "5"},
                                  {"train": dict(CSV_CHANNEL, TrainingInputMode="FastFile")})
                        .startswith("Channel configuration for 'train' channel is not supported"))
        self.assertEqual(self.failure_of("1.7-1", {"num_round": "5"}, {"validation": CSV_CHANNEL}),
                         "'SM_CHANNEL_TRAIN'")
        self.assertIn("\nKeyError: 'SM_CHANNEL_TRAIN'\n", self.last_traceback)

    def test_csv_without_content_type_fails_the_libsvm_check(self):
        channel = {"TrainingInputMode": "File", "S3DistributionType": "FullyReplicated"}
        job = Job(self)
        job.write_text("input/data/train/data.csv", "1.5,2,3\n")
        job.configure({"num_round": "5"}, {"train": channel})
        result = job.train("1.7-1")
        self.assertEqual(result.returncode, 1)
        # The quoted first line keeps its newline, as the image's message does.
        self.assertTrue(job.failure().endswith(
            "\nFirst line '1.5,2,3\n...' of file 'data.csv' is not 'LIBSVM' format. Please "
            "ensure the file is in 'LIBSVM' format."), job.failure())

    def test_hidden_and_missing_data(self):
        self.assertEqual(
            self.failure_of("1.7-1", {"num_round": "5"},
                      prepare=lambda job: job.write_text("input/data/train/.keep", "x")),
            "Hidden file found in the data path! Remove that before training.")
        failure = self.failure_of("1.7-1", {"num_round": "5"},
                            {"train": CSV_CHANNEL, "validation": CSV_CHANNEL},
                            prepare=lambda job: os.makedirs(job.path("input/data/validation")))
        self.assertTrue(failure.startswith("No data in validation channel path "), failure)
        self.assertTrue(failure.endswith("input/data/validation"), failure)

    def test_unknown_version_is_refused(self):
        result = subprocess.run(
            ["/usr/bin/python3", CONTAINER, "--algorithm-version", "0.90-2", "train"],
            capture_output=True, text=True, timeout=60)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("emulates versions 1.0-1, 1.2-1, 1.2-2, 1.3-1, 1.5-1, 1.7-1, not '0.90-2'",
                      result.stderr)


class ScriptModeTest(unittest.TestCase):

    def test_runs_the_program_with_the_toolkit_environment(self):
        job = Job(self)
        job.write_csv("train", regression_rows(10, 1))
        code = job.path("submitted")
        os.makedirs(code)
        with open(os.path.join(code, "train.py"), "w") as script:
            script.write(
                "import json, os, sys\n"
                "import xgboost\n"
                "with open(os.path.join(os.environ['SM_MODEL_DIR'], 'seen.json'), 'w') as f:\n"
                "    json.dump({'argv': sys.argv[1:], 'hps': json.loads(os.environ['SM_HPS']),\n"
                "               'channels': json.loads(os.environ['SM_CHANNELS']),\n"
                "               'train': os.environ['SM_CHANNEL_TRAIN'],\n"
                "               'cwd': os.getcwd()}, f)\n")
        job.configure({"sagemaker_program": json.dumps("train.py"),
                       "sagemaker_submit_directory": json.dumps("file://" + code),
                       "max_depth": "3", "objective": json.dumps("reg:squarederror")},
                      {"train": CSV_CHANNEL})
        result = job.train("1.7-1")
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(job.path("model/seen.json")) as seen_file:
            seen = json.load(seen_file)
        self.assertEqual(seen["argv"], ["--max_depth", "3", "--objective", "reg:squarederror"])
        self.assertEqual(seen["hps"], {"max_depth": 3, "objective": "reg:squarederror"})
        self.assertEqual(seen["channels"], ["train"])
        self.assertEqual(seen["train"], job.path("input/data/train"))
        self.assertEqual(seen["cwd"], code)
        self.assertTrue(os.path.exists(job.path("output/success")))

    def test_failing_program_writes_the_toolkit_failure(self):
        job = Job(self)
        job.write_csv("train", regression_rows(10, 1))
        job.write_text("code/train.py", "import sys\nsys.exit('bad data in column 3')\n")
        job.configure({"sagemaker_program": "train.py",
                       "sagemaker_submit_directory": "s3://bucket/code/sourcedir.tar.gz"},
                      {"train": CSV_CHANNEL})
        result = job.train("1.0-1")
        self.assertEqual(result.returncode, 1)
        failure = job.failure()
        self.assertTrue(failure.startswith('ExecuteUserScriptError:\nExitCode 1\n'
                                           'ErrorMessage "bad data in column 3"\nCommand "'),
                        failure)

    def test_unstaged_code_is_reported(self):
        job = Job(self)
        job.write_csv("train", regression_rows(10, 1))
        job.configure({"sagemaker_program": "train.py",
                       "sagemaker_submit_directory": "s3://bucket/code/sourcedir.tar.gz"},
                      {"train": CSV_CHANNEL})
        result = job.train("1.7-1")
        self.assertEqual(result.returncode, 1)
        self.assertEqual(job.failure(),
                         "sagemaker_program 'train.py' not found: expected it in %s (where "
                         "sagemaker_submit_directory 's3://bucket/code/sourcedir.tar.gz' is "
                         "unpacked before the job starts)" % job.path("code"))


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ModelServer:
    def __init__(self, test, job, version, environment=None):
        self.port = free_port()
        self.environment = dict(job.environment, SAGEMAKER_BIND_TO_PORT=str(self.port))
        self.environment.pop("SAGEMAKER_BATCH", None)
        self.environment.update(environment or {})
        self.log = open(job.path("server.log"), "w+")
        test.addCleanup(self.log.close)
        self.process = subprocess.Popen(
            ["/usr/bin/python3", CONTAINER, "--algorithm-version", version, "serve"],
            env=self.environment, stdout=self.log, stderr=subprocess.STDOUT)
        test.addCleanup(self.stop)
        self._wait_for_ping()

    def _wait_for_ping(self):
        # A guard against hanging forever, not a performance check.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if self.request("GET", "/ping")[0] == 200:
                    return
            except OSError:
                time.sleep(0.1)
        self.log.seek(0)
        raise AssertionError("model server did not answer /ping:\n" + self.log.read())

    def request(self, method, path, body=None, headers=None):
        """(status, body, headers); http.client sends no Content-Type of its own."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, response.read().decode(), response.headers
        finally:
            connection.close()

    def invoke(self, body, content_type="text/csv", accept=None):
        headers = {"Content-Type": content_type} if content_type else {}
        if accept:
            headers["Accept"] = accept
        return self.request("POST", "/invocations", body.encode(), headers)

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


THREE_RECORDS = "0.1,0.2,0.3\n1.0,-1.0,0.5\n-2.0,0.0,1.5"


class ServingTest(unittest.TestCase):

    def test_batch_mode_answers_one_number_per_line(self):
        for version in ("1.0-1", "1.7-1"):
            job, _ = train_regression(self, version)
            server = ModelServer(self, job, version, {"SAGEMAKER_BATCH": "True"})
            status, body, headers = server.invoke(THREE_RECORDS)
            self.assertEqual(status, 200, body)
            self.assertTrue(body.endswith("\n"))
            lines = body[:-1].split("\n")
            self.assertEqual(len(lines), 3)
            for line in lines:
                self.assertRegex(line, r"^-?\d+\.\d+(e-?\d+)?$")
            self.assertEqual(headers["Content-Type"], "text/csv")

    def test_batch_mode_softprob_lines_are_lists(self):
        job = Job(self)
        job.write_csv("train", multiclass_rows(120, 7))
        job.configure({"num_round": "3", "objective": "multi:softprob", "num_class": "3"},
                      {"train": CSV_CHANNEL})
        self.assertEqual(job.train("1.7-1").returncode, 0)
        server = ModelServer(self, job, "1.7-1", {"SAGEMAKER_BATCH": "True"})
        status, body, _ = server.invoke("0.1,0.2\n1.5,0\n-1,-1")
        self.assertEqual(status, 200, body)
        lines = body.splitlines()
        self.assertEqual(len(lines), 3)
        for line in lines:
            self.assertRegex(line, r"^\[\d\.\d+(e-\d+)?, \d\.\d+(e-\d+)?, \d\.\d+(e-\d+)?\]$")

    def test_outside_batch_mode_the_format_follows_the_version(self):
        job, _ = train_regression(self, "1.0-1")
        old = ModelServer(self, job, "1.0-1")
        status, body, _ = old.invoke(THREE_RECORDS, accept="application/json")
        self.assertEqual(status, 200)
        self.assertRegex(body, r"^[-\d.e]+,[-\d.e]+,[-\d.e]+$")

        job, _ = train_regression(self, "1.7-1")
        new = ModelServer(self, job, "1.7-1")
        status, body, headers = new.invoke(THREE_RECORDS, accept="application/json")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(len(json.loads(body)["predictions"]), 3)
        status, body, _ = new.invoke(THREE_RECORDS)
        self.assertEqual(len(body.splitlines()), 3)
        self.assertEqual(new.invoke(THREE_RECORDS, accept="image/png")[0], 406)

    def test_status_codes(self):
        job, _ = train_regression(self, "1.7-1")
        server = ModelServer(self, job, "1.7-1", {"MAX_CONTENT_LENGTH": "1000"})
        self.assertEqual(server.invoke("")[0], 204)
        status, body, _ = server.invoke("5,0.1,0.2,0.3,9")
        self.assertEqual(status, 400)
        self.assertTrue(body.startswith("Unable to evaluate payload provided: "), body)
        status, body, _ = server.invoke("1,2", content_type="application/pdf")
        self.assertEqual(status, 415)
        self.assertTrue(body.startswith("application/pdf is not an accepted ContentType"), body)
        self.assertEqual(server.invoke("1,2,3\n" * 200)[0], 413)
        status, body, _ = server.request("GET", "/execution-parameters")
        self.assertEqual(json.loads(body)["BatchStrategy"], "MULTI_RECORD")

    def test_pickled_model_rejects_a_label_column(self):
        job, _ = train_regression(self, "1.0-1")
        server = ModelServer(self, job, "1.0-1")
        status, body, _ = server.invoke("9,0.1,0.2,0.3,0.4")
        self.assertEqual(status, 400)
        self.assertIn("is not consistent with feature size of trained model 3", body)

    def test_libsvm_requests_and_missing_content_type(self):
        job, _ = train_regression(self, "1.7-1")
        server = ModelServer(self, job, "1.7-1", {"SAGEMAKER_BATCH": "1"})
        status, body, _ = server.invoke("0 0:0.1 1:0.2 2:0.3\n0 0:1 2:2", content_type=None)
        self.assertEqual(status, 200, body)
        self.assertEqual(len(body.splitlines()), 2)


if __name__ == "__main__":
    unittest.main()
