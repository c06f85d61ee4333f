#!/usr/bin/env python3
"""Events end to end: a real `sluice serve` whose state directory configures a webhook that points
at a receiver in this test; an execution started through boto3; the receiver must get every
execution and step status change, in order, signed, also after it answered 500; and
`sluice events EXECUTION` must list the same changes.

Usage: events_test.py SLUICE_BINARY. Exits 77 (skipped) when boto3 is not installed.
"""
import hashlib
import hmac
import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

try:
    import boto3
    import botocore.config
except ImportError:
    print("skipped: boto3 is not installed for " + sys.executable)
    sys.exit(77)

from serve_support import ROLE, Server, shell_step

SLUICE = None
DEADLINE_SECONDS = 120
SECRET = "webhook-secret"
FAILURES = 3  # the receiver's first answers are 500s


class Receiver(http.server.BaseHTTPRequestHandler):
    lock = threading.Lock()
    deliveries = []  # (answer, headers, body) in arrival order

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with Receiver.lock:
            answer = 500 if len(Receiver.deliveries) < FAILURES else 200
            Receiver.deliveries.append((answer, dict(self.headers), body))
        self.send_response(answer)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


class EventsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
        threading.Thread(target=cls.receiver.serve_forever, daemon=True).start()
        cls.directory = tempfile.mkdtemp(prefix="sluice-events-")
        cls.state = os.path.join(cls.directory, "state")
        os.makedirs(cls.state)
        with open(os.path.join(cls.state, "webhooks.json"), "w") as file:
            json.dump([{"url": "http://127.0.0.1:%d/hook" % cls.receiver.server_address[1],
                        "secret": SECRET}], file)
        cls.server = Server(SLUICE, cls.state, os.path.join(cls.directory, "serve.log"))
        cls.address = cls.server.address
        cls.client = boto3.client(
            "sagemaker", endpoint_url="http://" + cls.address, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"max_attempts": 1}))

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        cls.receiver.shutdown()
        shutil.rmtree(cls.directory, ignore_errors=True)
        assert code == 0, "sluice serve ended with %d on SIGTERM" % code

    def sluice_events(self, *arguments):
        return subprocess.run([SLUICE, "events", *arguments, "--state-dir", self.state],
                              capture_output=True, text=True, timeout=DEADLINE_SECONDS)

    def server_sent_events(self, query, headers=None):
        """The (id, document) pairs of GET /events?QUERY, read until the server ends the stream."""
        host, port = self.address.rsplit(":", 1)
        connection = http.client.HTTPConnection(host, int(port), timeout=DEADLINE_SECONDS)
        connection.request("GET", "/events?" + query, headers=headers or {})
        response = connection.getresponse()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.getheader("Content-Type"), "text/event-stream")
        events, event_id = [], None
        for raw in response:
            line = raw.decode().rstrip("\n")
            if line.startswith("id: "):
                event_id = int(line[4:])
            elif line.startswith("data: "):
                events.append((event_id, json.loads(line[6:])))
        connection.close()
        return events

    def test_every_state_change_reaches_the_webhook_signed_and_in_order(self):
        definition = {"Version": "2020-12-01", "Metadata": {}, "Parameters": [], "Steps": [
            shell_step("Prepare", "echo prepare"),
            shell_step("Train", "echo train", depends_on=["Prepare"])]}
        self.client.create_pipeline(PipelineName="events", RoleArn=ROLE,
                                    PipelineDefinition=json.dumps(definition))
        arn = self.client.start_pipeline_execution(
            PipelineName="events", PipelineExecutionDisplayName="nightly")["PipelineExecutionArn"]
        execution_id = arn.rsplit("/", 1)[1]

        # Server-Sent Events, opened while the execution runs: what was stored so far, then each
        # change as it is committed, until the execution's end closes the stream.
        streamed = self.server_sent_events(urllib.parse.urlencode({"execution": arn}))

        # `sluice events --follow` in another process ends once the execution has ended.
        followed = self.sluice_events(arn, "--follow", "--json")
        self.assertEqual(followed.returncode, 0, followed.stderr)
        stored = [json.loads(line) for line in followed.stdout.splitlines()]
        statuses = [(e["detail"].get("stepName", ""),
                     e["detail"].get("currentStepStatus",
                                     e["detail"].get("currentPipelineExecutionStatus")))
                    for e in stored]
        self.assertEqual(statuses[0], ("", "Executing"))
        self.assertEqual(statuses[-1], ("", "Succeeded"))
        for step in ("Prepare", "Train"):
            mine = [status for name, status in statuses if name == step]
            self.assertEqual(mine[0], "Starting")
            self.assertEqual(mine[-1], "Succeeded")
        # Train starts only after Prepare succeeded: the order is the commit order.
        self.assertLess(statuses.index(("Prepare", "Succeeded")),
                        statuses.index(("Train", "Starting")))
        for event in stored:
            self.assertEqual(event["source"], "aws.sagemaker")
            self.assertEqual(event["resources"], [arn.rsplit("/execution/", 1)[0], arn])
            self.assertEqual(event["detail"]["pipelineExecutionArn"], arn)
            self.assertEqual(event["detail"]["pipelineExecutionDisplayName"], "nightly")
        self.assertEqual(stored[-1]["detail"]["previousPipelineExecutionStatus"], "Executing")
        train_end = [e for e in stored if e["detail"].get("stepName") == "Train"][-1]
        self.assertEqual(train_end["detail"]["stepType"], "Processing")
        self.assertIn("stepEndTime", train_end["detail"])
        self.assertEqual([document for _, document in streamed], stored)
        ids = [event_id for event_id, _ in streamed]
        self.assertEqual(ids, sorted(ids))
        # Last-Event-ID resumes after the event it names.
        resumed = self.server_sent_events("execution=" + execution_id,
                                          {"Last-Event-ID": str(ids[2])})
        self.assertEqual([document for _, document in resumed], stored[3:])

        # The webhook: the same events, in the same order, each signed; the first ones again
        # after the 500s.
        end = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < end:
            with Receiver.lock:
                accepted = [d for d in Receiver.deliveries if d[0] == 200]
            if len(accepted) >= len(stored):
                break
            time.sleep(0.2)
        with Receiver.lock:
            deliveries = list(Receiver.deliveries)
        self.assertGreaterEqual(len(deliveries), FAILURES + len(stored))
        for answer, headers, body in deliveries:
            timestamp, signature = headers["X-Sluice-Signature"].split(",")
            self.assertTrue(timestamp.startswith("t=") and signature.startswith("v1="))
            expected = hmac.new(SECRET.encode(), timestamp[2:].encode() + b"." + body,
                                hashlib.sha256).hexdigest()
            self.assertEqual(signature[3:], expected)
        self.assertTrue(all(d[2] == deliveries[0][2] for d in deliveries[:FAILURES + 1]),
                        "the refused event was not delivered again first")
        received = [json.loads(d[2]) for d in deliveries if d[0] == 200]
        self.assertEqual([e["id"] for e in received], [e["id"] for e in stored])
        self.assertEqual(received, stored)

        # The text listing: one line per change, naming the execution and the step.
        listing = self.sluice_events(execution_id)
        self.assertEqual(listing.returncode, 0, listing.stderr)
        lines = listing.stdout.splitlines()
        self.assertEqual(len(lines), len(stored))
        self.assertIn("Train", lines[-2])
        self.assertIn("Succeeded", lines[-1])
        self.assertTrue(all(execution_id in line for line in lines))

        unknown = self.sluice_events("nosuchexecut")
        self.assertEqual(unknown.returncode, 1)
        self.assertIn("not known", unknown.stderr)


if __name__ == "__main__":
    SLUICE = os.path.abspath(sys.argv.pop(1))
    unittest.main()
