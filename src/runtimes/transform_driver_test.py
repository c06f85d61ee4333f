"""Runs sluice-transform for real: against a small model server written here (which records
what it was sent), and against the built-in XGBoost adapter's model server.

Run with Debian's Python. SLUICE_TRANSFORM is the driver binary; SLUICE_RUNTIMES_DIR the
runtimes directory holding the XGBoost adapter (default: the source tree's).
"""
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import unittest

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
DRIVER = os.environ.get("SLUICE_TRANSFORM", "sluice-transform")
RUNTIMES_DIR = os.environ.get("SLUICE_RUNTIMES_DIR", os.path.join(HERE, "python"))
PYTHON = "/usr/bin/python3"

# A model server whose behaviour the test picks with MODE. It appends one JSON line per request
# (size, record count, requests in flight) to REQUEST_LOG, and sleeps a little per request,
# varying with the request, so that concurrent answers complete out of order.
TEST_SERVER = textwrap.dedent('''\
    import http.server, json, os, sys, threading, time, zlib

    MODE = os.environ.get("MODE", "echo")
    LOG = os.environ.get("REQUEST_LOG")
    lock = threading.Lock()
    in_flight = 0

    with open(os.environ["SEEN_ENVIRONMENT"], "w") as seen:
        json.dump({k: v for k, v in os.environ.items() if k.startswith("SAGEMAKER_")}, seen)
    print("test server starting in mode", MODE, flush=True)
    if MODE == "exit":
        sys.exit(3)

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *arguments):
            pass

        def reply(self, status, body, content_type="text/plain"):
            body = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self):
            if self.path == "/ping":
                if MODE == "hang":
                    time.sleep(3600)
                self.reply(200, "")
            elif self.path == "/execution-parameters" and "EXECUTION_PARAMETERS" in os.environ:
                self.reply(200, os.environ["EXECUTION_PARAMETERS"], "application/json")
            else:
                self.reply(404, "no " + self.path)

        def do_POST(self):
            global in_flight
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            with lock:
                in_flight += 1
                concurrent = in_flight
            time.sleep((zlib.crc32(body.encode()) % 7) * 0.003)
            lines = body.split("\\n")
            if lines and lines[-1] == "":
                lines.pop()
            with lock:
                in_flight -= 1
                if LOG:
                    with open(LOG, "a") as log:
                        log.write(json.dumps({"bytes": len(body), "records": len(lines),
                                              "in_flight": concurrent,
                                              "content_type": self.headers["Content-Type"],
                                              "accept": self.headers["Accept"]}) + "\\n")
            if "FAIL" in body:
                marker = os.environ.get("FAIL_ONCE_MARKER")
                if not marker or not os.path.exists(marker):
                    if marker:
                        open(marker, "w").close()
                    self.reply(500, "boom: cannot score " + body.split("\\n")[0])
                    return
            if MODE == "sum":
                answer = "".join("%g\\n" % sum(map(float, line.split(","))) for line in lines)
            elif MODE == "no-newline":
                answer = "|".join("out:" + line for line in lines)
            else:
                answer = "".join("out:" + line + "\\n" for line in lines)
            self.reply(200, answer)

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", int(os.environ["SAGEMAKER_BIND_TO_PORT"])), Handler)
    server.daemon_threads = True
    server.serve_forever()
''')


class Transform:
    """One driver run: input files, the config, and what the run left behind."""

    def __init__(self, test):
        self.root = tempfile.mkdtemp(prefix="transform-driver-test-")
        test.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.input = self.path("input")
        self.output = self.path("output")
        os.makedirs(self.input)
        self.server_script = self.path("test_server.py")
        with open(self.server_script, "w") as script:
            script.write(TEST_SERVER)
        self.config = {
            "Server": {"Command": [PYTHON, self.server_script],
                       "Environment": {"REQUEST_LOG": self.path("requests.jsonl"),
                                       "SEEN_ENVIRONMENT": self.path("environment.json")},
                       "LogFile": self.path("server.log")},
            "InputDirectory": self.input,
            "OutputDirectory": self.output,
            "FailureFile": self.path("output-meta/failure"),
            "ContentType": "text/csv",
            "Accept": "text/csv",
            "SplitType": "Line",
            "PingTimeoutSeconds": 60,
        }

    def path(self, relative):
        return os.path.join(self.root, relative)

    def write_input(self, relative, text):
        path = os.path.join(self.input, relative)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as file:
            file.write(text.encode() if isinstance(text, str) else text)

    def server_environment(self, **variables):
        self.config["Server"]["Environment"].update(variables)

    def run(self):
        config_path = self.path("transform.json")
        with open(config_path, "w") as config:
            json.dump(self.config, config)
        return subprocess.run([DRIVER, config_path], capture_output=True, text=True, timeout=600)

    def output_text(self, relative):
        with open(os.path.join(self.output, relative)) as output:
            return output.read()

    def requests(self):
        with open(self.path("requests.jsonl")) as log:
            return [json.loads(line) for line in log]

    def failure(self):
        with open(self.path("output-meta/failure")) as failure:
            return failure.read()

    def seen_environment(self):
        with open(self.path("environment.json")) as seen:
            return json.load(seen)


def lines_of(count, width=3, prefix="r"):
    return "".join("%s%d,%s\n" % (prefix, index, ",".join(["1.5"] * width))
                   for index in range(count))


class TestServerTest(unittest.TestCase):

    def succeed(self, transform):
        result = transform.run()
        self.assertEqual(result.returncode, 0, result.stderr)
        return result

    def test_order_is_kept_with_many_requests_in_flight(self):
        transform = Transform(self)
        text = lines_of(300)
        transform.write_input("data.csv", text)
        transform.config.update(BatchStrategy="SingleRecord", MaxConcurrentTransforms=8,
                                AssembleWith="Line")
        self.succeed(transform)
        expected = "".join("out:" + line + "\n" for line in text.splitlines())
        self.assertEqual(transform.output_text("data.csv.out"), expected)
        requests = transform.requests()
        self.assertEqual(len(requests), 300)
        self.assertLessEqual(max(request["in_flight"] for request in requests), 8)
        self.assertEqual({(request["content_type"], request["accept"]) for request in requests},
                         {("text/csv", "text/csv")})

    def test_multi_record_packs_requests_up_to_the_payload_limit(self):
        transform = Transform(self)
        record = "x" * 99
        transform.write_input("big.csv", (record + "\n") * 30000)
        transform.config.update(BatchStrategy="MultiRecord", MaxPayloadInMB=1,
                                MaxConcurrentTransforms=2)
        self.succeed(transform)
        requests = transform.requests()
        limit = 1024 * 1024
        per_request = limit // 100
        self.assertEqual(sum(request["records"] for request in requests), 30000)
        self.assertTrue(all(request["bytes"] <= limit for request in requests))
        self.assertEqual(sorted(request["records"] for request in requests),
                         sorted([per_request] * (30000 // per_request) + [30000 % per_request]))
        self.assertEqual(transform.output_text("big.csv.out"), ("out:" + record + "\n") * 30000)

    def test_single_record_sends_one_record_per_request(self):
        transform = Transform(self)
        transform.write_input("a.csv", lines_of(20))
        transform.config.update(BatchStrategy="SingleRecord")
        self.succeed(transform)
        self.assertEqual([request["records"] for request in transform.requests()], [1] * 20)

    def test_assemble_with_line_terminates_each_response_and_none_concatenates(self):
        outputs = {}
        for assemble in ("None", "Line"):
            transform = Transform(self)
            transform.write_input("a.csv", "a\nb\nc\n")
            transform.server_environment(MODE="no-newline")
            transform.config.update(BatchStrategy="SingleRecord", AssembleWith=assemble)
            self.succeed(transform)
            outputs[assemble] = transform.output_text("a.csv.out")
        self.assertEqual(outputs, {"None": "out:aout:bout:c", "Line": "out:a\nout:b\nout:c\n"})

    def test_split_none_sends_each_file_whole_and_keeps_relative_paths(self):
        transform = Transform(self)
        transform.write_input("part-1.csv", "a\nb\n")
        transform.write_input("nested/part-2.csv", "c\n")
        transform.config.update(SplitType="None")
        self.succeed(transform)
        # Files are sent in path order: nested/part-2.csv before part-1.csv.
        self.assertEqual([request["records"] for request in transform.requests()], [1, 2])
        self.assertEqual(transform.output_text("part-1.csv.out"), "out:a\nout:b\n")
        self.assertEqual(transform.output_text("nested/part-2.csv.out"), "out:c\n")

    def test_server_gets_the_batch_environment_and_its_execution_parameters_apply(self):
        transform = Transform(self)
        transform.write_input("a.csv", lines_of(5))
        transform.server_environment(EXECUTION_PARAMETERS=json.dumps(
            {"BatchStrategy": "SINGLE_RECORD", "MaxPayloadInMB": 1,
             "MaxConcurrentTransforms": 2}))
        result = self.succeed(transform)
        self.assertIn("SingleRecord, MaxPayloadInMB 1, MaxConcurrentTransforms 2", result.stdout)
        self.assertEqual([request["records"] for request in transform.requests()], [1] * 5)
        environment = transform.seen_environment()
        self.assertEqual(environment["SAGEMAKER_BATCH"], "true")
        self.assertNotIn("SAGEMAKER_BATCH_STRATEGY", environment)

    def test_job_settings_win_over_execution_parameters_and_reach_the_server(self):
        transform = Transform(self)
        transform.write_input("a.csv", lines_of(5))
        transform.server_environment(EXECUTION_PARAMETERS=json.dumps(
            {"BatchStrategy": "SINGLE_RECORD"}))
        transform.config.update(BatchStrategy="MultiRecord", MaxPayloadInMB=6,
                                MaxConcurrentTransforms=1)
        self.succeed(transform)
        self.assertEqual([request["records"] for request in transform.requests()], [5])
        environment = transform.seen_environment()
        self.assertEqual(environment["SAGEMAKER_BATCH_STRATEGY"], "MULTI_RECORD")
        self.assertEqual(environment["SAGEMAKER_MAX_PAYLOAD_IN_MB"], "6")
        self.assertEqual(environment["SAGEMAKER_MAX_CONCURRENT_TRANSFORMS"], "1")

    def test_gzip_input_is_decompressed(self):
        transform = Transform(self)
        transform.write_input("a.csv.gz", gzip.compress(b"a\nb\n"))
        transform.config.update(CompressionType="Gzip")
        self.succeed(transform)
        self.assertEqual(transform.output_text("a.csv.gz.out"), "out:a\nout:b\n")

    def test_input_filter_join_and_output_filter(self):
        transform = Transform(self)
        transform.write_input("a.csv", "id1,1,2\nid2,10,20\nid3,0.5,0.25\n")
        transform.server_environment(MODE="sum")
        transform.config.update(
            BatchStrategy="MultiRecord", AssembleWith="Line",
            DataProcessing={"InputFilter": "$[1:]", "JoinSource": "Input",
                            "OutputFilter": "$[0,-1]"})
        self.succeed(transform)
        self.assertEqual(transform.output_text("a.csv.out"), "id1,3\nid2,30\nid3,0.75\n")

    def test_a_server_that_never_answers_ping_times_out_with_its_log(self):
        transform = Transform(self)
        transform.write_input("a.csv", "a\n")
        transform.server_environment(MODE="hang")
        transform.config["PingTimeoutSeconds"] = 3
        result = transform.run()
        self.assertEqual(result.returncode, 1)
        failure = transform.failure()
        self.assertTrue(failure.startswith(
            "model server: GET /ping did not answer 200 within 3 s (last: "), failure)
        self.assertTrue(failure.endswith(
            "; the server's log ends with:\ntest server starting in mode hang\n"), failure)
        self.assertFalse(os.path.exists(os.path.join(transform.output, "a.csv.out")))

    def test_a_server_that_exits_is_reported_at_once(self):
        transform = Transform(self)
        transform.write_input("a.csv", "a\n")
        transform.server_environment(MODE="exit")
        result = transform.run()
        self.assertEqual(result.returncode, 1)
        self.assertEqual(transform.failure(),
                         "model server: exited with status 3 before answering GET /ping; the "
                         "server's log ends with:\ntest server starting in mode exit\n")

    def test_a_500_fails_the_job_naming_the_file_and_records(self):
        transform = Transform(self)
        transform.write_input("a.csv", "fine\n")
        transform.write_input("b.csv", "ok\nok\nFAIL here\nok\n")
        transform.config.update(BatchStrategy="SingleRecord", MaxConcurrentTransforms=2,
                                ModelClientConfig={"InvocationsMaxRetries": 0})
        result = transform.run()
        self.assertEqual(result.returncode, 1)
        self.assertEqual(transform.failure(),
                         "b.csv: record 3 (line 3): POST /invocations answered 500: boom: cannot "
                         "score FAIL here")
        self.assertIn(transform.failure(), result.stderr)
        self.assertEqual(transform.output_text("a.csv.out"), "out:fine\n")

        transform.config.update(BatchStrategy="MultiRecord")
        transform.run()
        self.assertEqual(transform.failure(),
                         "b.csv: records 1-4 (lines 1-4): POST /invocations answered 500: boom: "
                         "cannot score ok")

    def test_a_failed_request_is_retried(self):
        transform = Transform(self)
        transform.write_input("b.csv", "ok\nFAIL once\n")
        transform.server_environment(FAIL_ONCE_MARKER=transform.path("failed-once"))
        transform.config.update(BatchStrategy="SingleRecord",
                                ModelClientConfig={"InvocationsMaxRetries": 1})
        self.succeed(transform)
        self.assertEqual(transform.output_text("b.csv.out"), "out:ok\nout:FAIL once\n")
        self.assertEqual(len(transform.requests()), 3)

    def test_unusable_config_exits_2(self):
        transform = Transform(self)
        transform.config["SplitType"] = "RecordIO"
        result = transform.run()
        self.assertEqual(result.returncode, 2)
        self.assertIn("/SplitType: SplitType \"RecordIO\" is not supported locally", result.stderr)


class XgboostServerTest(unittest.TestCase):

    def setUp(self):
        self.job = tempfile.mkdtemp(prefix="transform-driver-xgboost-")
        self.addCleanup(shutil.rmtree, self.job, ignore_errors=True)
        for directory in ("input/config", "input/data/train", "model", "output"):
            os.makedirs(os.path.join(self.job, directory))
        rng = np.random.default_rng(0)
        features = rng.normal(size=(200, 4))
        labels = features @ np.array([1.0, -2.0, 0.5, 0.0])
        np.savetxt(os.path.join(self.job, "input/data/train/train.csv"),
                   np.column_stack([labels, features]), delimiter=",", fmt="%.5f")
        self.features = rng.normal(size=(500, 4))
        with open(os.path.join(self.job, "input/config/hyperparameters.json"), "w") as config:
            json.dump({"num_round": "10", "max_depth": "3"}, config)
        with open(os.path.join(self.job, "input/config/inputdataconfig.json"), "w") as config:
            json.dump({"train": {"ContentType": "text/csv", "TrainingInputMode": "File",
                                 "S3DistributionType": "FullyReplicated"}}, config)
        self.environment = {"SM_INPUT_DIR": os.path.join(self.job, "input"),
                            "SM_MODEL_DIR": os.path.join(self.job, "model"),
                            "SM_OUTPUT_DIR": os.path.join(self.job, "output")}
        container = os.path.join(RUNTIMES_DIR, "xgboost", "container.py")
        trained = subprocess.run([PYTHON, container, "--algorithm-version", "1.7-1", "train"],
                                 env=dict(os.environ, **self.environment), capture_output=True,
                                 text=True, timeout=300)
        self.assertEqual(trained.returncode, 0, trained.stderr)
        self.serve_command = [PYTHON, container, "--algorithm-version", "1.7-1", "serve"]

    def transform(self, **settings):
        transform = Transform(self)
        transform.config["Server"] = {"Command": self.serve_command,
                                      "Environment": self.environment,
                                      "LogFile": transform.path("server.log")}
        transform.config.update(settings)
        buffer = "".join(",".join("%.5f" % value for value in row) + "\n"
                         for row in self.features)
        transform.write_input("batch/test.csv", buffer)
        result = transform.run()
        self.assertEqual(result.returncode, 0, result.stderr)
        return transform.output_text("batch/test.csv.out")

    def test_predictions_come_back_one_per_line_in_input_order(self):
        multi = self.transform(BatchStrategy="MultiRecord", AssembleWith="Line",
                               MaxConcurrentTransforms=2)
        lines = multi.splitlines()
        self.assertEqual(len(lines), 500)
        for line in lines:
            float(line)
        single = self.transform(BatchStrategy="SingleRecord", AssembleWith="Line",
                                MaxConcurrentTransforms=4)
        self.assertEqual(single, multi)

    def test_execution_parameters_of_the_adapter_are_used(self):
        output = self.transform()
        self.assertEqual(len(output.splitlines()), 500)


if __name__ == "__main__":
    unittest.main()
