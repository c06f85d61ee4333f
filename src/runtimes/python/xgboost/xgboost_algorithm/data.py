"""Training data: first-line format checks and loading a channel into a DMatrix with XGBoost's
own parsers (label in column 0 for CSV, `label[:weight] index:value ...` for libsvm)."""
import csv
import logging
import os
import shutil
import tempfile

import xgboost as xgb

from xgboost_algorithm import channels
from xgboost_algorithm.errors import UserError

NO_LABELS_MESSAGE = (
    "Got input data without labels. Please check the input data set. If training job is running "
    "on multiple instances, please switch to using single instance if number of records in the "
    "data set is less than number of workers (16 * number of instance) in the cluster.")


def csv_delimiter(line):
    try:
        delimiter = csv.Sniffer().sniff(line).delimiter
    except Exception as error:
        raise UserError("Could not determine delimiter on line %s:\n%s" % (line[:50], error))
    logging.info("Determined delimiter of CSV input is '%s'", delimiter)
    return delimiter


def _first_line(path):
    with open(path, "r", errors="ignore") as data:
        return data.readline()


def _libsvm_feature_count(line):
    """Features on a libsvm line, or -1 when the line is not libsvm."""
    tokens = line.split(" ")
    label_parts = tokens[0].split(":")
    if len(label_parts) > 2:
        return -1
    try:
        for part in label_parts:
            float(part)
    except ValueError:
        return -1
    features = tokens[1:]
    if any(":" not in token or len(token.split(":")) != 2 for token in features):
        return -1
    return len(features)


def _check_libsvm_file(path):
    """The first line with features must parse; files without any are accepted with a warning."""
    with open(path, "r", errors="ignore") as data:
        for line in data:
            count = _libsvm_feature_count(line)
            if count > 1:
                return
            if count < 0:
                raise UserError(
                    "First line '%s...' of file '%s' is not 'LIBSVM' format. Please ensure the "
                    "file is in 'LIBSVM' format." % (line[:50], os.path.basename(path)))
    logging.warning("File %s is not an invalid LIBSVM file but has no features. Accepting simple "
                    "validation.", os.path.basename(path))


def check_files(files, file_format):
    for path in files:
        if file_format == "csv":
            csv_delimiter(_first_line(path))
        elif file_format == "libsvm":
            _check_libsvm_file(path)


def _linked_directory(files):
    """XGBoost's URI loader reads one directory: link every selected file into a fresh one.

    The loader also stats every entry of that directory's parent, and fails if one vanishes
    meanwhile; a parent of our own keeps other programs' short-lived files in the temporary
    directory out of it. Returns the directory and the parent to remove once loaded.
    """
    parent = tempfile.mkdtemp(prefix="sagemaker_xgboost_input_data")
    directory = os.path.join(parent, "files")
    os.mkdir(directory)
    for index, path in enumerate(files):
        os.symlink(os.path.abspath(path), os.path.join(directory, "%05d-%s" % (
            index, os.path.basename(path))))
    return directory, parent


def load(files, file_format, csv_weights, is_pipe):
    """A DMatrix of the concatenated files; any loader failure is the toolkit's UserError."""
    if file_format == "libsvm" and is_pipe:
        raise UserError("Pipe mode not supported for LibSVM.")
    if file_format in ("parquet", "recordio-protobuf"):
        reader = "pyarrow" if file_format == "parquet" else "mlio"
        raise UserError("Failed to load %s data with exception:\nreading %s needs %s, which this "
                        "machine's Python does not have" % (file_format, file_format, reader))
    directory, parent = _linked_directory(files)
    try:
        if file_format == "csv":
            uri = "%s?format=csv&label_column=0&delimiter=%s" % (
                directory, csv_delimiter(_first_line(files[0])))
            if csv_weights == 1:
                uri += "&weight_column=1"
        else:
            uri = "%s?format=libsvm" % directory
        try:
            matrix = xgb.DMatrix(uri)
        except Exception as error:
            raise UserError("Failed to load %s data with exception:\n%s" % (file_format, error))
    finally:
        shutil.rmtree(parent)
    if matrix.get_label().size == 0:
        raise UserError(NO_LABELS_MESSAGE)
    return matrix


def load_channel(path, file_format, version, csv_weights, is_pipe):
    """The channel's DMatrix, or None when it holds no data."""
    if channels.data_size(path, is_pipe) == 0:
        return None
    files = channels.data_files(path, version, is_pipe)
    if not is_pipe:
        check_files(files, file_format)
    if not files:
        return None
    return load(files, file_format, csv_weights, is_pipe)
