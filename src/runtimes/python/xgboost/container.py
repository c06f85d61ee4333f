"""Entry point standing in for SageMaker's XGBoost algorithm image:

    container.py --algorithm-version 1.0-1 train    algorithm mode, or script mode when the
                                                    hyperparameters name a sagemaker_program
    container.py --algorithm-version 1.7-1 serve    the model server for batch transform

Runs on the host's Python with Debian's XGBoost. Paths follow the /opt/ml layout, remapped by
the SM_* variables when set (see sagemaker_contract/paths.py).
"""
import argparse
import logging
import os
import sys

_RUNTIMES_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Appended, not prepended: the directory holds an `xgboost/` folder that must never shadow the
# xgboost package.
sys.path.append(_RUNTIMES_DIR)

from sagemaker_contract import failure  # noqa: E402
from xgboost_algorithm import versions  # noqa: E402


def _parse_arguments(arguments):
    parser = argparse.ArgumentParser(prog="container.py")
    parser.add_argument("--algorithm-version", required=True,
                        help="the image version to emulate: " + ", ".join(versions.SUPPORTED))
    parser.add_argument("command", choices=["train", "serve"])
    return parser.parse_args(arguments)


def _train(version):
    from sagemaker_contract import script_mode
    from sagemaker_contract import training_env

    environment = training_env.TrainingEnvironment()
    if environment.user_entry_point:
        script_mode.run_reporting_failures(environment)
        return
    from xgboost_algorithm import training

    failure.run_reporting_framework_errors(lambda: training.train(version))
    sys.exit(0)


def _serve(version):
    if version.sets_single_openmp_thread:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    from xgboost_algorithm import serving

    serving.serve(version)


def main(arguments):
    options = _parse_arguments(arguments)
    try:
        version = versions.AlgorithmVersion(options.algorithm_version)
    except versions.UnsupportedVersion as error:
        failure.write_failure("framework error: \n%s" % error)
        sys.exit(str(error))
    logging.basicConfig(level=logging.INFO, format="[%(asctime)s] %(levelname)s %(message)s",
                        stream=sys.stderr)
    if options.command == "train":
        _train(version)
    else:
        _serve(version)


if __name__ == "__main__":
    main(sys.argv[1:])
