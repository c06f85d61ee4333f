"""Reporting a failed job the way SageMaker's containers do: the reason goes to
/opt/ml/output/failure (its first 1024 characters become the job's FailureReason) and the
process exits non-zero."""
import os
import sys
import traceback

from sagemaker_contract import paths


def write_failure(message):
    """Writes the failure file; a failure to write it must not hide the original error."""
    try:
        os.makedirs(paths.output_dir(), exist_ok=True)
        with open(paths.failure_file(), "w", encoding="utf-8") as failure:
            failure.write(message)
    except OSError as error:
        print(f"could not write {paths.failure_file()}: {error}", file=sys.stderr)


def write_success():
    os.makedirs(paths.output_dir(), exist_ok=True)
    with open(paths.success_file(), "w", encoding="utf-8"):
        pass


def exit_code_for(error):
    """The exception's errno when it has a usable one, else 1 (sagemaker-containers' rule)."""
    number = getattr(error, "errno", None)
    if isinstance(number, int) and 0 < number < 256:
        return number
    return 1


def run_reporting_framework_errors(main):
    """Runs main(); any exception becomes `framework error: ` + traceback + message in the
    failure file and an exit code, as sagemaker-containers reports algorithm-mode failures."""
    try:
        main()
    except SystemExit:
        raise
    except BaseException as error:  # noqa: B902 - every failure must reach the failure file
        message = "framework error: \n%s\n%s" % (traceback.format_exc(), error)
        write_failure(message)
        print(message, file=sys.stderr)
        sys.stderr.flush()
        sys.stdout.flush()
        os._exit(exit_code_for(error))
