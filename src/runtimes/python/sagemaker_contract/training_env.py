"""The training environment a framework container's toolkit computes from the config files:
the SM_* variables and the command-line arguments a user's script receives."""
import json
import os

from sagemaker_contract import paths

# Hyperparameters with this prefix configure the toolkit, not the user's script.
SAGEMAKER_PREFIX = "sagemaker_"


def read_json(path):
    with open(path, encoding="utf-8") as config:
        return json.load(config)


def read_json_if_present(path, default):
    return read_json(path) if os.path.exists(path) else default


def decode_hyperparameters(raw):
    """Framework estimators JSON-encode every value ("\"train.py\"", "10", "[1, 2]"); values that
    do not decode are kept as written, as the toolkit does."""
    decoded = {}
    for name, value in raw.items():
        try:
            decoded[name] = json.loads(value)
        except (TypeError, ValueError):
            decoded[name] = value
    return decoded


def _env_value(value):
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def to_cmd_args(hyperparameters):
    """`--name value` pairs in name order; a one-letter name gets a single dash."""
    arguments = []
    for name in sorted(hyperparameters):
        arguments.append(("--%s" if len(name) > 1 else "-%s") % name)
        value = hyperparameters[name]
        if isinstance(value, dict):
            arguments.append(",".join("%s=%s" % item for item in sorted(value.items())))
        else:
            arguments.append("" if value is None else str(value))
    return arguments


class TrainingEnvironment:
    """What the job's config files say, resolved against the (possibly remapped) paths."""

    def __init__(self):
        self.resource_config = read_json_if_present(
            paths.resource_config_file(), {"current_host": "algo-1", "hosts": ["algo-1"]})
        self.input_data_config = read_json_if_present(paths.input_data_config_file(), {})
        self.raw_hyperparameters = read_json_if_present(paths.hyperparameters_file(), {})
        all_hyperparameters = decode_hyperparameters(self.raw_hyperparameters)
        self.framework_parameters = {
            name: value for name, value in all_hyperparameters.items()
            if name.startswith(SAGEMAKER_PREFIX)}
        self.hyperparameters = {
            name: value for name, value in all_hyperparameters.items()
            if not name.startswith(SAGEMAKER_PREFIX)}
        self.current_host = self.resource_config.get("current_host", "algo-1")
        self.hosts = self.resource_config.get("hosts", [self.current_host])
        self.channels = {name: paths.channel_dir(name) for name in self.input_data_config}
        self.user_entry_point = self.framework_parameters.get("sagemaker_program")
        self.submit_directory = self.framework_parameters.get("sagemaker_submit_directory")

    @property
    def module_name(self):
        program = self.user_entry_point or ""
        return program[:-3] if program.endswith(".py") else program

    def to_cmd_args(self):
        return to_cmd_args(self.hyperparameters)

    def framework_params(self):
        """sagemaker_* hyperparameters other than those the toolkit itself consumes."""
        consumed = ("sagemaker_program", "sagemaker_submit_directory",
                    "sagemaker_container_log_level", "sagemaker_job_name", "sagemaker_region")
        return {name: value for name, value in self.framework_parameters.items()
                if name not in consumed}

    def to_env_vars(self):
        """The SM_* variables, named and encoded as the training toolkit names and encodes them."""
        values = {
            "hosts": self.hosts,
            "current_host": self.current_host,
            "current_instance_type": self.resource_config.get("current_instance_type", "local"),
            "network_interface_name": self.resource_config.get("network_interface_name", "eth0"),
            "hps": self.hyperparameters,
            "user_entry_point": self.user_entry_point,
            "framework_params": self.framework_params(),
            "resource_config": self.resource_config,
            "input_data_config": self.input_data_config,
            "channels": sorted(self.channels),
            "module_name": self.module_name,
            "module_dir": self.submit_directory or paths.code_dir(),
            "log_level": self.framework_parameters.get("sagemaker_container_log_level", 20),
            "input_dir": paths.input_dir(),
            "input_config_dir": paths.input_config_dir(),
            "output_dir": paths.output_dir(),
            "output_data_dir": paths.output_data_dir(),
            "output_intermediate_dir": paths.output_intermediate_dir(),
            "model_dir": paths.model_dir(),
            "num_cpus": os.cpu_count() or 1,
            "num_gpus": 0,
            "num_neurons": 0,
        }
        training_env = dict(values)
        training_env.update({
            "job_name": os.environ.get("TRAINING_JOB_NAME", ""),
            "channel_input_dirs": self.channels,
            "hyperparameters": self.hyperparameters,
            "additional_framework_parameters": values["framework_params"],
        })
        del training_env["hps"], training_env["framework_params"]
        values["training_env"] = training_env
        values["user_args"] = self.to_cmd_args()
        for name, path in self.channels.items():
            values["channel_" + name] = path
        for name, value in self.hyperparameters.items():
            values["hp_" + name] = value
        return {"SM_" + key.upper(): _env_value(value) for key, value in values.items()}
