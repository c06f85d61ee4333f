"""Request bodies to DMatrix and predictions to response bodies, as the image's model server
does. Errors are raised as RequestError carrying the HTTP status the image answers with."""
import csv
import json
import math
import os

import numpy as np
import xgboost as xgb
from scipy.sparse import csr_matrix

from xgboost_algorithm import channels

SUPPORTED_ACCEPTS = ("application/json", "application/jsonlines",
                     "application/x-recordio-protobuf", "text/csv")


class RequestError(Exception):
    def __init__(self, status, message):
        super().__init__(message)
        self.status = status


def media_type(header):
    """`text/csv; charset=utf-8` → (`text/csv`, {"charset": "utf-8"}), lower-cased."""
    if not header:
        return "", {}
    parts = header.split(";")
    parameters = {}
    for part in parts[1:]:
        if "=" in part:
            name, value = part.split("=", 1)
            parameters[name.strip().lower()] = value.strip().strip('"')
    return parts[0].strip().lower(), parameters


def request_format(content_type_header):
    """csv, libsvm or recordio-protobuf; a missing Content-Type means libsvm."""
    if not content_type_header:
        return "libsvm"
    content_type, parameters = media_type(content_type_header)
    if content_type in ("csv", "text/csv"):
        if parameters.get("label_size", "1") != "1":
            raise RequestError(415, "%s is not an accepted csv ContentType. Optional parameter "
                               "label_size must be equal to 1" % content_type_header)
        return "csv"
    if content_type in ("libsvm", "text/libsvm", "text/x-libsvm"):
        return "libsvm"
    if content_type in ("recordio-protobuf", "application/x-recordio-protobuf"):
        return "recordio-protobuf"
    if content_type in ("parquet", "application/x-parquet"):
        raise RequestError(415, "Content-type %s is not supported." % content_type_header)
    raise RequestError(415, "%s is not an accepted ContentType: %s." % (
        content_type_header, ", ".join(channels.FILE_CONTENT_TYPES)))


def _csv_cell(text):
    text = text.strip()
    return math.nan if text == "" else float(text)


def csv_to_dmatrix(text):
    """One record per line, no label column; the delimiter is sniffed from the first line."""
    lines = text.split("\n")
    try:
        delimiter = csv.Sniffer().sniff(lines[0][:512]).delimiter
    except csv.Error:
        delimiter = ","
    if delimiter.isalnum():
        delimiter = ","
    rows = [[_csv_cell(cell) for cell in line.split(delimiter)] for line in lines]
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        raise ValueError("rows have different numbers of columns: %s" % sorted(widths))
    return xgb.DMatrix(np.array(rows, dtype=float))


def libsvm_to_dmatrix(text):
    """`index:value` tokens per line; a leading label token (no colon) is ignored."""
    rows, columns, values = [], [], []
    for row, line in enumerate(text.split("\n")):
        for token in line.split(" "):
            if ":" in token:
                column, value = token.split(":")[:2]
                rows.append(row)
                columns.append(int(column))
                values.append(float(value))
    return xgb.DMatrix(csr_matrix((values, (rows, columns))))


def parse_body(body, content_type_header):
    """(DMatrix, format). Decoding failures are 415, as the image answers."""
    file_format = request_format(content_type_header)
    if file_format == "recordio-protobuf":
        raise RequestError(415, "Loading recordio-protobuf data failed with Exception, please "
                           "ensure data is in recordio-protobuf format: recordio-protobuf "
                           "requests are not supported by this model server")
    try:
        text = body.strip().decode("utf-8")
        matrix = csv_to_dmatrix(text) if file_format == "csv" else libsvm_to_dmatrix(text)
    except Exception as error:
        raise RequestError(415, "Loading %s data failed with Exception, please ensure data is in "
                           "%s format:\n %s\n %s" % (file_format, file_format, type(error), error))
    return matrix, file_format


def negotiate_accept(header):
    """The response type (1.3-1+): the default when Accept is missing or */*; unsupported
    types are 406."""
    accept, _ = media_type(header)
    if not accept or accept == "*/*":
        return os.environ.get("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", "text/csv")
    if accept not in SUPPORTED_ACCEPTS:
        raise RequestError(406, "Accept type %s is not supported. Please use supported accept "
                           "types: %s." % (accept, list(SUPPORTED_ACCEPTS)))
    return accept


def batch_lines(predictions):
    """Batch mode: one prediction per line (a list's repr for multi-class probabilities)."""
    return "".join("%s\n" % (prediction,) for prediction in predictions)


def comma_joined(predictions):
    """1.0-1/1.2-x outside batch mode: every value on one line."""
    return ",".join(str(prediction) for prediction in predictions)


def csv_rows(predictions):
    lines = []
    for prediction in predictions:
        if isinstance(prediction, list):
            lines.append(",".join(str(value) for value in prediction))
        else:
            lines.append(str(prediction))
    return "".join(line + "\n" for line in lines)


def json_predictions(predictions):
    return json.dumps({"predictions": [{"score": prediction} for prediction in predictions]})
