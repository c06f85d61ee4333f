"""Where a job's files are.

Inside a sandbox everything is under /opt/ml, as on SageMaker. A job run as a plain process
has the same layout somewhere else, and the SM_* variables (the training toolkit's names) say
where; each path below honours its variable when set and defaults to the /opt/ml location.
"""
import os

ML_ROOT = "/opt/ml"


def _from_environment(name, default):
    value = os.environ.get(name)
    return value if value else default


def input_dir():
    return _from_environment("SM_INPUT_DIR", os.path.join(ML_ROOT, "input"))


def input_config_dir():
    return _from_environment("SM_INPUT_CONFIG_DIR", os.path.join(input_dir(), "config"))


def hyperparameters_file():
    return _from_environment(
        "SM_INPUT_TRAINING_CONFIG_FILE", os.path.join(input_config_dir(), "hyperparameters.json"))


def input_data_config_file():
    return _from_environment(
        "SM_INPUT_DATA_CONFIG_FILE", os.path.join(input_config_dir(), "inputdataconfig.json"))


def resource_config_file():
    return _from_environment(
        "SM_RESOURCE_CONFIG_FILE", os.path.join(input_config_dir(), "resourceconfig.json"))


def checkpoint_config_file():
    return _from_environment(
        "SM_CHECKPOINT_CONFIG_FILE", os.path.join(input_config_dir(), "checkpointconfig.json"))


def channel_dir(channel):
    return _from_environment(
        "SM_CHANNEL_" + channel.upper(), os.path.join(input_dir(), "data", channel))


def model_dir():
    return _from_environment("SM_MODEL_DIR", os.path.join(ML_ROOT, "model"))


def output_dir():
    return _from_environment("SM_OUTPUT_DIR", os.path.join(ML_ROOT, "output"))


def output_data_dir():
    return _from_environment("SM_OUTPUT_DATA_DIR", os.path.join(output_dir(), "data"))


def output_intermediate_dir():
    return _from_environment(
        "SM_OUTPUT_INTERMEDIATE_DIR", os.path.join(output_dir(), "intermediate"))


def failure_file():
    return os.path.join(output_dir(), "failure")


def success_file():
    return os.path.join(output_dir(), "success")


def code_dir():
    return _from_environment("SLUICE_CODE_DIR", os.path.join(ML_ROOT, "code"))
