"""Runs the framework script-mode launcher for real in a temporary /opt/ml tree.

Run with Debian's Python: /usr/bin/python3 container_test.py. SLUICE_RUNTIMES_DIR selects the
runtimes directory under test (default: the source tree this file is in).
"""
import io
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import unittest

RUNTIMES_DIR = os.environ.get(
    "SLUICE_RUNTIMES_DIR", os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LAUNCHER = os.path.join(RUNTIMES_DIR, "framework", "container.py")

PROGRAM = """\
import json, os, sys
import sklearn
with open(os.path.join(os.environ["SM_MODEL_DIR"], "seen.json"), "w") as seen:
    json.dump({"argv": sys.argv[1:],
               "hps": json.loads(os.environ["SM_HPS"]),
               "hp_alpha": os.environ["SM_HP_ALPHA"],
               "user_args": json.loads(os.environ["SM_USER_ARGS"]),
               "training_env": json.loads(os.environ["SM_TRAINING_ENV"]),
               "output_data_dir": os.environ["SM_OUTPUT_DATA_DIR"]}, seen)
"""


class LauncherTest(unittest.TestCase):

    def setUp(self):
        self.root = tempfile.mkdtemp(prefix="framework-launcher-test-")
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        for directory in ("input/config", "input/data/train", "model", "output"):
            os.makedirs(os.path.join(self.root, directory))
        self.environment = dict(os.environ, PATH="/usr/bin:/bin",
                                SM_INPUT_DIR=self.path("input"), SM_MODEL_DIR=self.path("model"),
                                SM_OUTPUT_DIR=self.path("output"),
                                SLUICE_CODE_DIR=self.path("code"))
        self.write_json("input/config/inputdataconfig.json",
                        {"train": {"TrainingInputMode": "File"}})

    def path(self, relative):
        return os.path.join(self.root, relative)

    def write_json(self, relative, value):
        with open(self.path(relative), "w") as file:
            json.dump(value, file)

    def archive(self, members):
        path = self.path("sourcedir.tar.gz")
        with tarfile.open(path, "w:gz") as tar:
            for name, text in members.items():
                data = text.encode()
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return path

    def launch(self, hyperparameters):
        self.write_json("input/config/hyperparameters.json", hyperparameters)
        return subprocess.run(["/usr/bin/python3", LAUNCHER, "train"], env=self.environment,
                              capture_output=True, text=True, timeout=300)

    def test_unpacks_a_local_archive_and_runs_the_program_with_toolkit_arguments(self):
        archive = self.archive({"train.py": PROGRAM})
        result = self.launch({"sagemaker_program": json.dumps("train.py"),
                              "sagemaker_submit_directory": json.dumps(archive),
                              "alpha": "0.5", "n": json.dumps("x y"),
                              "sagemaker_container_log_level": "20"})
        self.assertEqual(result.returncode, 0, result.stderr)
        with open(self.path("model/seen.json")) as seen_file:
            seen = json.load(seen_file)
        self.assertEqual(seen["argv"], ["--alpha", "0.5", "-n", "x y"])
        self.assertEqual(seen["user_args"], seen["argv"])
        self.assertEqual(seen["hps"], {"alpha": 0.5, "n": "x y"})
        self.assertEqual(seen["hp_alpha"], "0.5")
        self.assertEqual(seen["training_env"]["channel_input_dirs"],
                         {"train": self.path("input/data/train")})
        self.assertEqual(seen["training_env"]["module_name"], "train")
        self.assertEqual(seen["output_data_dir"], self.path("output/data"))
        self.assertTrue(os.path.exists(self.path("output/success")))

    def test_refuses_an_archive_that_escapes_the_code_directory(self):
        archive = self.archive({"../escaped.py": "print('no')\n"})
        result = self.launch({"sagemaker_program": "escaped.py",
                              "sagemaker_submit_directory": "file://" + archive})
        self.assertEqual(result.returncode, 1)
        self.assertFalse(os.path.exists(self.path("escaped.py")))
        with open(self.path("output/failure")) as failure:
            self.assertEqual(failure.read(), "%s: member '../escaped.py' would be unpacked "
                                             "outside %s" % (archive, self.path("code")))

    def test_program_exit_status_fails_the_job(self):
        archive = self.archive({"train.py": "raise SystemExit(3)\n"})
        result = self.launch({"sagemaker_program": "train.py",
                              "sagemaker_submit_directory": archive})
        self.assertEqual(result.returncode, 1)
        with open(self.path("output/failure")) as failure:
            self.assertTrue(failure.read().startswith(
                'ExecuteUserScriptError:\nExitCode 3\nErrorMessage ""\nCommand "/usr/bin/python3 '))

    def test_missing_program_is_reported(self):
        result = self.launch({"alpha": "1"})
        self.assertEqual(result.returncode, 1)
        with open(self.path("output/failure")) as failure:
            self.assertEqual(failure.read(), "ScriptModeError: the hyperparameter "
                             "sagemaker_program is missing: a framework image runs training in "
                             "script mode")


if __name__ == "__main__":
    unittest.main()
