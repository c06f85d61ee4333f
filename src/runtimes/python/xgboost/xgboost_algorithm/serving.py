"""The model server of `serve`: GET /ping, GET /execution-parameters and POST /invocations on
SAGEMAKER_BIND_TO_PORT (8080), answering with the image version's status codes and bodies.

The image runs nginx and gunicorn; a batch transform only needs the HTTP contract, so this is
the standard library's threaded server. It listens on the loopback interface, because its only
client is the transform driver running beside it in the same job.
"""
import http.server
import json
import logging
import os
import sys
import threading

import numpy as np
from scipy import stats

from sagemaker_contract import paths
from xgboost_algorithm import encoding
from xgboost_algorithm import model_files

DEFAULT_MAX_CONTENT_LENGTH = 6291456


class Model:
    """The loaded booster(s), loaded once on first use."""

    def __init__(self, version, model_dir):
        self.version = version
        self.model_dir = model_dir
        self._lock = threading.Lock()
        self.boosters = None
        self.is_pickled = False
        self.objective = None

    def load(self):
        with self._lock:
            if self.boosters is not None:
                return
            model_paths = model_files.model_paths(self.model_dir, self.version)
            if not model_paths:
                raise FileNotFoundError("no model file in %s" % self.model_dir)
            boosters = []
            for path in model_paths:
                booster, is_pickled = model_files.load(path)
                boosters.append(booster)
                self.is_pickled = self.is_pickled or is_pickled
            config = json.loads(boosters[0].save_config())
            self.objective = config["learner"]["objective"]["name"]
            self.boosters = boosters

    def _check_feature_count(self, matrix, request_format):
        """Pickled models only, as in the image: CSV must have the model's features or one
        fewer; libsvm at most one more."""
        expected = self.boosters[0].num_features()
        given = matrix.num_col()
        if request_format == "libsvm":
            if given > expected + 1:
                raise ValueError("Feature size of libsvm inference data %d is larger than feature "
                                 "size of trained model %d." % (given, expected))
        elif given not in (expected, expected - 1):
            raise ValueError("Feature size of %s inference data %d is not consistent with "
                             "feature size of trained model %d." % (request_format, given,
                                                                    expected))

    @staticmethod
    def _predict_one(booster, matrix):
        # The image predicts with best_ntree_limit: a model trained with early stopping in
        # 1.0-1/1.2-x keeps all rounds but serves only up to the best one.
        best_iteration = getattr(booster, "best_iteration", None)
        rounds = booster.num_boosted_rounds()
        if best_iteration is not None and 0 < best_iteration + 1 < rounds:
            return booster.predict(matrix, iteration_range=(0, best_iteration + 1),
                                   validate_features=False)
        return booster.predict(matrix, validate_features=False)

    def predict(self, matrix, request_format):
        if self.is_pickled:
            self._check_feature_count(matrix, request_format)
        if len(self.boosters) == 1:
            return self._predict_one(self.boosters[0], matrix)
        predictions = [self._predict_one(booster, matrix) for booster in self.boosters]
        if self.objective in ("multi:softmax", "binary:hinge"):
            return stats.mode(predictions, keepdims=False).mode
        return np.mean(predictions, axis=0)


def _max_content_length(version):
    limit = int(os.environ.get("MAX_CONTENT_LENGTH", DEFAULT_MAX_CONTENT_LENGTH))
    cap = version.max_content_length_cap
    return min(limit, cap) if cap else limit


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    model = None
    max_content_length = DEFAULT_MAX_CONTENT_LENGTH

    def log_message(self, format, *arguments):
        """Requests are not logged one by one: a batch transform sends thousands."""

    def _respond(self, status, body=b"", content_type="text/plain"):
        if isinstance(body, str):
            body = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/ping":
            if self.model.version.loads_model_on_ping:
                try:
                    self.model.load()
                except Exception as error:
                    logging.exception("model load failed")
                    self._respond(500, "Unable to load model: %s" % error)
                    return
            self._respond(200)
        elif self.path == "/execution-parameters":
            parameters = {"MaxConcurrentTransforms": os.cpu_count() or 1,
                          "BatchStrategy": "MULTI_RECORD",
                          "MaxPayloadInMB": self.max_content_length // (1024 * 1024)}
            self._respond(200, json.dumps(parameters), "application/json")
        else:
            self._respond(404, "not found: %s" % self.path)

    def do_POST(self):
        if self.path != "/invocations":
            self._respond(404, "not found: %s" % self.path)
            return
        length = int(self.headers.get("Content-Length", 0))
        if length > self.max_content_length:
            self.close_connection = True
            self._respond(413, "Request Entity Too Large: %d bytes, at most %d"
                          % (length, self.max_content_length))
            return
        body = self.rfile.read(length)
        status, response, content_type = self._invoke(body)
        self._respond(status, response, content_type)

    def _invoke(self, body):
        version = self.model.version
        if len(body) == 0:
            return 204, "", "text/plain"
        try:
            matrix, request_format = encoding.parse_body(body, self.headers.get("Content-Type"))
        except encoding.RequestError as error:
            return error.status, str(error), "text/plain"
        try:
            self.model.load()
        except Exception as error:
            logging.exception("model load failed")
            return 500, "Unable to load model: %s" % error, "text/plain"
        try:
            predictions = self.model.predict(matrix, request_format).tolist()
        except Exception as error:
            return 400, "Unable to evaluate payload provided: %s" % error, "text/plain"
        if not version.negotiates_accept:
            if os.environ.get("SAGEMAKER_BATCH"):
                return 200, encoding.batch_lines(predictions), "text/csv"
            return 200, encoding.comma_joined(predictions), "text/csv"
        try:
            accept = encoding.negotiate_accept(self.headers.get("Accept"))
        except encoding.RequestError as error:
            return error.status, str(error), "text/plain"
        if os.environ.get("SAGEMAKER_BATCH"):
            return 200, encoding.batch_lines(predictions), accept
        if accept == "application/json":
            return 200, encoding.json_predictions(predictions), accept
        if accept == "text/csv":
            return 200, encoding.csv_rows(predictions), accept
        return 500, "no encoder for %s without SAGEMAKER_INFERENCE_OUTPUT" % accept, "text/plain"


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def serve(version):
    port = int(os.environ.get("SAGEMAKER_BIND_TO_PORT", "8080"))
    Handler.model = Model(version, paths.model_dir())
    Handler.max_content_length = _max_content_length(version)
    server = Server(("127.0.0.1", port), Handler)
    print("XGBoost %s model server listening on 127.0.0.1:%d, model from %s"
          % (version.name, port, paths.model_dir()), file=sys.stderr, flush=True)
    server.serve_forever()
