"""Entry point standing in for a SageMaker framework image (scikit-learn, PyTorch, ...):
`container.py train` runs the job's `sagemaker_program` in script mode."""
import os
import sys

sys.path.append(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from sagemaker_contract import failure  # noqa: E402
from sagemaker_contract import script_mode  # noqa: E402
from sagemaker_contract import training_env  # noqa: E402


def main(arguments):
    if arguments != ["train"]:
        sys.exit("usage: container.py train (framework images are run for training only; "
                 "got %r)" % " ".join(arguments))
    environment = training_env.TrainingEnvironment()
    if not environment.user_entry_point:
        failure.write_failure(
            "ScriptModeError: the hyperparameter sagemaker_program is missing: a framework "
            "image runs training in script mode")
        sys.exit(1)
    script_mode.run_reporting_failures(environment)


if __name__ == "__main__":
    failure.run_reporting_framework_errors(lambda: main(sys.argv[1:]))
