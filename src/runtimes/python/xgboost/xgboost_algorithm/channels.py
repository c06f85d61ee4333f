"""Channel configuration checks and which files of a channel are read.

The (ContentType, TrainingInputMode, S3DistributionType) triple of each channel must be one the
image declares, spelled exactly; a missing ContentType means libsvm. Only the train channel's
ContentType decides how train and validation data are parsed.
"""
import logging
import os

from xgboost_algorithm.errors import UserError

FILE_MODE = "File"
PIPE_MODE = "Pipe"
DISTRIBUTIONS = ("FullyReplicated", "ShardedByS3Key")
DEFAULT_CONTENT_TYPE = "text/libsvm"
FILE_CONTENT_TYPES = ("csv", "libsvm", "parquet", "recordio-protobuf", "text/csv", "text/libsvm",
                      "text/x-libsvm", "application/x-parquet",
                      "application/x-recordio-protobuf")
PIPE_CONTENT_TYPES = tuple(content_type for content_type in FILE_CONTENT_TYPES
                           if "libsvm" not in content_type)
# 1.7-1 reads files up to this depth, the channel directory itself being depth 1.
MAX_FOLDER_DEPTH = 3


def _is_supported(name, configuration):
    triple = (configuration["ContentType"], configuration["TrainingInputMode"],
              configuration["S3DistributionType"])
    if name == "code":
        return triple == ("text/python", FILE_MODE, "FullyReplicated")
    content_type, mode, distribution = triple
    if distribution not in DISTRIBUTIONS:
        return False
    if mode == FILE_MODE:
        return content_type in FILE_CONTENT_TYPES
    if mode == PIPE_MODE:
        return content_type in PIPE_CONTENT_TYPES
    return False


def validate(data_config):
    """The channels with defaults filled in, or the toolkit's UserError for the first bad one."""
    if "train" not in data_config:
        raise UserError("Missing required channel: train")
    validated = {}
    for name, configuration in data_config.items():
        if name not in ("train", "validation", "code"):
            raise UserError("Extraneous channel found: %s" % name)
        configuration = dict(configuration)
        configuration.setdefault("ContentType", DEFAULT_CONTENT_TYPE)
        if not _is_supported(name, configuration):
            raise UserError("Channel configuration for '%s' channel is not supported: %s"
                            % (name, configuration))
        validated[name] = configuration
    return validated


def file_format(content_type):
    """csv, libsvm, parquet or recordio-protobuf, from an accepted ContentType."""
    if content_type in ("csv", "text/csv"):
        return "csv"
    if "libsvm" in content_type:
        return "libsvm"
    if "parquet" in content_type:
        return "parquet"
    return "recordio-protobuf"


def data_size(path, is_pipe):
    """Bytes of data under `path` (1 for a present pipe); hidden files anywhere are an error."""
    if is_pipe and os.path.exists(path + "_0"):
        return 1
    if not os.path.exists(path):
        return 0
    if os.path.isfile(path):
        return os.path.getsize(path)
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            if name.startswith("."):
                raise UserError("Hidden file found in the data path! Remove that before training.")
            total += os.path.getsize(os.path.join(root, name))
    return total


def _is_data_file(directory, name):
    if not os.path.isfile(os.path.join(directory, name)):
        return False
    if name.startswith((".", "_")):
        return False
    # XGBoost's own external-memory cache files.
    return not (".cache" in name and ("dtrain" in name or "dval" in name))


def _first_leaf_directory(path):
    for root, directories, _ in os.walk(path):
        if not directories:
            return root
    return path


def _files_up_to_depth(path, depth=1):
    files = []
    for entry in sorted(os.scandir(path), key=lambda entry: entry.name):
        if entry.is_file():
            files.append(entry.path)
        elif entry.is_dir():
            if depth + 1 > MAX_FOLDER_DEPTH:
                logging.warning("The depth of folder %s exceeds the limit %d. Files in deeper "
                                "sub dirs won't be loaded.", path, MAX_FOLDER_DEPTH)
                continue
            files.extend(_files_up_to_depth(entry.path, depth + 1))
    return files


def data_files(path, version, is_pipe):
    """The files a channel's data is read from, in the image version's way."""
    if is_pipe and os.path.exists(path + "_0"):
        return [path + "_0"]
    if os.path.isfile(path):
        return [path]
    if version.reads_channels_recursively:
        return _files_up_to_depth(path)
    leaf = _first_leaf_directory(path)
    return [os.path.join(leaf, name) for name in sorted(os.listdir(leaf))
            if _is_data_file(leaf, name)]


def warn_about_shared_files(train_path, validation_path):
    """Same-named files of equal size in both channels usually mean leaked validation data."""
    if not (os.path.isdir(train_path) and os.path.isdir(validation_path)):
        return
    for name in sorted(set(os.listdir(train_path)) & set(os.listdir(validation_path))):
        in_train = os.path.join(train_path, name)
        in_validation = os.path.join(validation_path, name)
        if (os.path.isfile(in_train) and os.path.isfile(in_validation)
                and os.path.getsize(in_train) == os.path.getsize(in_validation)):
            logging.warning("Suspected identical files found. (%s and %s with same size %d "
                            "bytes).", in_train, in_validation, os.path.getsize(in_train))
