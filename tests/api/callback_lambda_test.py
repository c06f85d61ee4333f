#!/usr/bin/env python3
"""Callback and Lambda steps through the SageMaker API: a real `sluice serve` on a free port,
driven by boto3. Callback steps' messages are read from the queue `sluice serve` provides (its
long-poll endpoint, SQS's JSON protocol where boto3 speaks it, and a webhook) and answered with
SendPipelineExecutionStepSuccess/Failure; Lambda steps use the function map in the state
directory, naming a real python3 command and a real HTTP endpoint.

Usage: callback_lambda_test.py SLUICE_BINARY. Exits 77 (skipped) when boto3 is not installed.
"""
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest
import urllib.request
import uuid

try:
    import boto3
    import botocore.config
except ImportError:
    print("skipped: boto3 is not installed for " + sys.executable)
    sys.exit(77)

from serve_support import ROLE, Server, definition, shell_step

SLUICE = None
DEADLINE_SECONDS = 180
SCORER_ARN = "arn:aws:lambda:us-east-1:000000000000:function:scorer"
REMOTE_ARN = "arn:aws:lambda:us-east-1:000000000000:function:remote-echo"

SCORER = r"""import json, sys
event = json.load(sys.stdin)
json.dump({"score": event["base"] * 10, "verdict": "scored"}, sys.stdout)
"""


def lambda_step(name, arn, arguments, outputs):
    return {"Name": name, "Type": "Lambda", "FunctionArn": arn, "Arguments": arguments,
            "OutputParameters": [{"OutputName": n, "OutputType": t} for n, t in outputs]}


def wait_for_end(test, client, arn):
    """The execution once it ended, and its steps by name."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        execution = client.describe_pipeline_execution(PipelineExecutionArn=arn)
        if execution["PipelineExecutionStatus"] in ("Succeeded", "Failed", "Stopped"):
            steps = client.list_pipeline_execution_steps(
                PipelineExecutionArn=arn)["PipelineExecutionSteps"]
            return execution, {step["StepName"]: step for step in steps}
        time.sleep(0.2)
    test.fail("execution %s did not end" % arn)


def fail_step(name, message):
    return {"Name": name, "Type": "Fail", "Arguments": {"ErrorMessage": message}}


class EchoHandler(http.server.BaseHTTPRequestHandler):
    """A function behind a URL: answers {"echo": <event's "word">, "length": len(word)}."""

    def do_POST(self):
        event = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        EchoHandler.events.append(event)
        body = json.dumps({"echo": event["word"], "length": str(len(event["word"]))}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *arguments):
        pass


class LambdaApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="sluice-lambda-")
        cls.state = os.path.join(cls.directory, "state")
        os.makedirs(cls.state)
        EchoHandler.events = []
        cls.echo = http.server.ThreadingHTTPServer(("127.0.0.1", 0), EchoHandler)
        threading.Thread(target=cls.echo.serve_forever, daemon=True).start()
        with open(os.path.join(cls.state, "scorer.py"), "w") as file:
            file.write(SCORER)
        with open(os.path.join(cls.state, "functions.json"), "w") as file:
            json.dump({
                "arn:aws:lambda:*:*:function:scorer": {"command": ["python3", "scorer.py"]},
                "arn:aws:lambda:*:*:function:remote-*": {
                    "url": "http://127.0.0.1:%d/invoke" % cls.echo.server_address[1]},
            }, file)
        cls.server = Server(SLUICE, cls.state, os.path.join(cls.directory, "serve.log"))
        cls.client = boto3.client(
            "sagemaker", endpoint_url="http://" + cls.server.address, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"max_attempts": 1}))

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        cls.echo.shutdown()
        shutil.rmtree(cls.directory, ignore_errors=True)
        assert code == 0, "sluice serve ended with %d on SIGTERM" % code

    def run_pipeline(self, steps, parameters=None, values=None):
        name = "p-" + uuid.uuid4().hex[:8]
        self.client.create_pipeline(PipelineName=name, RoleArn=ROLE,
                                    PipelineDefinition=definition(steps, parameters))
        arguments = {"PipelineName": name}
        if values:
            arguments["PipelineParameters"] = [{"Name": k, "Value": v} for k, v in values.items()]
        arn = self.client.start_pipeline_execution(**arguments)["PipelineExecutionArn"]
        return wait_for_end(self, self.client, arn)

    def scoring_pipeline(self):
        gate = {"Name": "Gate", "Type": "Condition", "Arguments": {
            "Conditions": [{"Type": "GreaterThanOrEqualTo",
                            "LeftValue": {"Get": "Steps.Score.OutputParameters['score']"},
                            "RightValue": 50}],
            "IfSteps": [fail_step("High", {"Std:Join": {"On": " ", "Values": [
                "high", {"Get": "Steps.Score.OutputParameters['verdict']"}]}})],
            "ElseSteps": [fail_step("Low", "low")]}}
        score = lambda_step("Score", SCORER_ARN, {"base": {"Get": "Parameters.Base"}},
                            [("score", "Integer"), ("verdict", "String")])
        return [score, gate], [{"Name": "Base", "Type": "Integer", "DefaultValue": 7}]

    def test_a_lambda_commands_outputs_decide_a_condition(self):
        steps, parameters = self.scoring_pipeline()
        execution, ran = self.run_pipeline(steps, parameters)
        self.assertEqual(ran["Score"]["StepStatus"], "Succeeded", ran["Score"])
        self.assertEqual(ran["Score"]["Metadata"]["Lambda"], {
            "Arn": SCORER_ARN,
            "OutputParameters": [{"Name": "score", "Value": "70"},
                                 {"Name": "verdict", "Value": "scored"}]})
        self.assertEqual(ran["Gate"]["Metadata"]["Condition"]["Outcome"], "True")
        self.assertEqual(ran["High"]["FailureReason"], "high scored")
        self.assertNotIn("Low", ran)

        _, ran = self.run_pipeline(steps, parameters, {"Base": "2"})
        self.assertEqual(ran["Score"]["Metadata"]["Lambda"]["OutputParameters"][0],
                         {"Name": "score", "Value": "20"})
        self.assertEqual(ran["Gate"]["Metadata"]["Condition"]["Outcome"], "False")
        self.assertIn("Low", ran)
        self.assertNotIn("High", ran)

    def test_a_lambda_behind_a_url_gets_the_event_posted(self):
        echo = lambda_step("Echo", REMOTE_ARN, {"word": "sluice", "n": 1},
                           [("echo", "String"), ("length", "Integer")])
        report = fail_step("Report", {"Std:Join": {"On": "/", "Values": [
            {"Get": "Steps.Echo.OutputParameters['echo']"},
            {"Get": "Steps.Echo.OutputParameters['length']"}]}})
        report["DependsOn"] = ["Echo"]
        execution, ran = self.run_pipeline([echo, report])
        self.assertEqual(ran["Echo"]["StepStatus"], "Succeeded", ran["Echo"])
        self.assertIn({"word": "sluice", "n": 1}, EchoHandler.events)
        self.assertEqual(ran["Report"]["FailureReason"], "sluice/6")

    def test_a_missing_output_fails_the_execution_naming_it(self):
        step = lambda_step("Score", SCORER_ARN, {"base": 1}, [("accuracy", "Float")])
        execution, ran = self.run_pipeline([step])
        self.assertEqual(execution["PipelineExecutionStatus"], "Failed")
        self.assertEqual(ran["Score"]["StepStatus"], "Failed")
        self.assertIn("has no output \"accuracy\"", ran["Score"]["FailureReason"])

    def test_an_unmapped_function_fails_saying_where_to_map_it(self):
        arn = "arn:aws:lambda:us-east-1:000000000000:function:nowhere"
        execution, ran = self.run_pipeline([lambda_step("L", arn, {}, [])])
        self.assertEqual(execution["PipelineExecutionStatus"], "Failed")
        self.assertEqual(ran["L"]["FailureReason"],
                         "not supported locally: no function map entry for %s (add it to %s)"
                         % (arn, os.path.join(self.state, "functions.json")))


def client(service, endpoint, **config):
    """A boto3 client of `sluice serve`, failing at once rather than retrying."""
    return boto3.client(service, endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=botocore.config.Config(retries={"max_attempts": 1}, **config))


def callback_step(name, queue, arguments, outputs):
    return {"Name": name, "Type": "Callback",
            "SqsQueueUrl": "https://sqs.us-east-1.amazonaws.com/000000000000/" + queue,
            "Arguments": arguments,
            "OutputParameters": [{"OutputName": n, "OutputType": t} for n, t in outputs]}


class CallbackApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="sluice-callback-")
        cls.state = os.path.join(cls.directory, "state")
        cls.server = Server(SLUICE, cls.state, os.path.join(cls.directory, "serve.log"))
        cls.endpoint = "http://" + cls.server.address
        cls.client = client("sagemaker", cls.endpoint)

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        shutil.rmtree(cls.directory, ignore_errors=True)
        assert code == 0, "sluice serve ended with %d on SIGTERM" % code

    def start(self, steps, parameters=None):
        name = "cb-" + uuid.uuid4().hex[:8]
        self.client.create_pipeline(PipelineName=name, RoleArn=ROLE,
                                    PipelineDefinition=definition(steps, parameters))
        return self.client.start_pipeline_execution(PipelineName=name)["PipelineExecutionArn"]

    def wait(self, arn):
        return wait_for_end(self, self.client, arn)

    def receive(self, queue, wait=20):
        """One long poll of the queue's endpoint: the messages it answered with."""
        url = "%s/queues/%s/messages?wait=%d&max=10" % (self.endpoint, queue, wait)
        with urllib.request.urlopen(url, timeout=wait + 10) as answer:
            self.assertEqual(answer.status, 200)
            return json.loads(answer.read())["Messages"]

    def delete(self, queue, receipt):
        request = urllib.request.Request(
            "%s/queues/%s/messages/%s" % (self.endpoint, queue, receipt), method="DELETE")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status

    def error_code(self, call, **arguments):
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            call(**arguments)
        return raised.exception.response["Error"]["Code"]

    def test_a_callback_completed_through_boto3_feeds_its_typed_output_downstream(self):
        queue = "approvals-" + uuid.uuid4().hex[:8]
        used = os.path.join(self.directory, "used-" + uuid.uuid4().hex[:8])
        approve = callback_step("Approve", queue, {"model": {"Get": "Parameters.Model"},
                                                   "limit": 3}, [("n", "Integer")])
        use = shell_step("Use", "echo $N > " + used)
        use["Arguments"]["Environment"] = {"N": {"Std:Join": {"On": "", "Values": [
            {"Get": "Steps.Approve.OutputParameters['n']"}, 1]}}}
        arn = self.start([approve, use], [{"Name": "Model", "Type": "String",
                                           "DefaultValue": "m-1"}])

        messages = self.receive(queue)
        self.assertEqual(len(messages), 1, messages)
        body = json.loads(messages[0]["Body"])
        self.assertEqual(list(body), ["token", "pipelineExecutionArn", "arguments", "status"])
        self.assertEqual(body["pipelineExecutionArn"], arn)
        self.assertEqual(body["arguments"], {"model": "m-1", "limit": 3})
        self.assertEqual(body["status"], "Executing")
        token = body["token"]
        self.assertRegex(token, r"^[a-zA-Z0-9]{10}$")
        # The step waits, and lists its token as SageMaker does.
        steps = self.client.list_pipeline_execution_steps(
            PipelineExecutionArn=arn)["PipelineExecutionSteps"]
        self.assertEqual(steps[0]["StepStatus"], "Executing")
        self.assertEqual(steps[0]["Metadata"]["Callback"]["CallbackToken"], token)
        self.assertEqual(steps[0]["Metadata"]["Callback"]["SqsQueueUrl"],
                         approve["SqsQueueUrl"])
        self.assertEqual(self.delete(queue, messages[0]["ReceiptHandle"]), 200)
        self.assertEqual(self.receive(queue, wait=0), [])

        self.assertEqual(self.error_code(
            self.client.send_pipeline_execution_step_success, CallbackToken=token,
            OutputParameters=[{"Name": "n", "Value": "many"}]), "ValidationException")
        self.assertEqual(self.error_code(
            self.client.send_pipeline_execution_step_success, CallbackToken=token,
            OutputParameters=[{"Name": "n", "Value": "1"}, {"Name": "extra", "Value": "1"}]),
            "ValidationException")
        answered = self.client.send_pipeline_execution_step_success(
            CallbackToken=token, OutputParameters=[{"Name": "n", "Value": "41"}])
        self.assertEqual(answered["PipelineExecutionArn"], arn)
        self.assertEqual(self.error_code(
            self.client.send_pipeline_execution_step_failure, CallbackToken=token,
            FailureReason="too late"), "ConflictException")

        execution, ran = self.wait(arn)
        self.assertEqual(execution["PipelineExecutionStatus"], "Succeeded", ran)
        self.assertEqual(ran["Approve"]["Metadata"]["Callback"], {
            "CallbackToken": token, "SqsQueueUrl": approve["SqsQueueUrl"],
            "OutputParameters": [{"Name": "n", "Value": "41"}]})
        with open(used) as file:
            self.assertEqual(file.read(), "411\n")  # the Integer 41 joined with 1

    def test_a_callback_failure_fails_the_execution_with_its_reason(self):
        queue = "reviews-" + uuid.uuid4().hex[:8]
        arn = self.start([callback_step("Review", queue, {}, [])])
        token = json.loads(self.receive(queue)[0]["Body"])["token"]
        answered = self.client.send_pipeline_execution_step_failure(
            CallbackToken=token, FailureReason="rejected by a reviewer")
        self.assertEqual(answered["PipelineExecutionArn"], arn)
        execution, ran = self.wait(arn)
        self.assertEqual(execution["PipelineExecutionStatus"], "Failed")
        self.assertEqual(ran["Review"]["StepStatus"], "Failed")
        self.assertEqual(ran["Review"]["FailureReason"], "rejected by a reviewer")
        self.assertIn("rejected by a reviewer", execution["FailureReason"])

    def test_unknown_and_malformed_tokens_get_sagemaker_errors(self):
        self.assertEqual(self.error_code(
            self.client.send_pipeline_execution_step_success, CallbackToken="ZZZZZZZZZZ"),
            "ResourceNotFound")
        self.assertEqual(self.error_code(
            self.client.send_pipeline_execution_step_failure, CallbackToken="ZZZZZZZZZZ",
            FailureReason="x"), "ResourceNotFound")
        # Shorter than 10: boto3 checks the length itself unless told not to.
        unchecked = client("sagemaker", self.endpoint, parameter_validation=False)
        self.assertEqual(self.error_code(
            unchecked.send_pipeline_execution_step_success, CallbackToken="short"),
            "ValidationException")
        self.assertEqual(self.error_code(
            unchecked.send_pipeline_execution_step_failure, CallbackToken="ZZZZZZZZZZ",
            FailureReason="x" * 257), "ValidationException")

    def test_stopping_sends_a_stopping_message_and_waits_for_the_answer(self):
        queue = "stops-" + uuid.uuid4().hex[:8]
        arn = self.start([callback_step("Wait", queue, {"k": "v"}, [])])
        first = self.receive(queue)[0]
        token = json.loads(first["Body"])["token"]
        self.delete(queue, first["ReceiptHandle"])
        self.client.stop_pipeline_execution(PipelineExecutionArn=arn)
        stopping = json.loads(self.receive(queue)[0]["Body"])
        self.assertEqual(stopping, {"token": token, "pipelineExecutionArn": arn,
                                    "arguments": {"k": "v"}, "status": "Stopping"})
        time.sleep(0.5)
        status = self.client.describe_pipeline_execution(
            PipelineExecutionArn=arn)["PipelineExecutionStatus"]
        self.assertEqual(status, "Stopping")
        self.client.send_pipeline_execution_step_success(CallbackToken=token)
        execution, _ = self.wait(arn)
        self.assertEqual(execution["PipelineExecutionStatus"], "Stopped")

    def test_an_sqs_consumer_reads_and_deletes_through_boto3s_sqs_client(self):
        if tuple(int(part) for part in boto3.__version__.split(".")[:2]) < (1, 28):
            self.skipTest("boto3 %s speaks SQS's query protocol; the JSON one came in 1.28"
                          % boto3.__version__)
        queue = "sqs-" + uuid.uuid4().hex[:8]
        arn = self.start([callback_step("Ask", queue, {"q": 1}, [("answer", "String")])])
        sqs = client("sqs", self.endpoint)
        url = sqs.get_queue_url(QueueName=queue)["QueueUrl"]
        received = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20, MaxNumberOfMessages=1)
        self.assertEqual(len(received["Messages"]), 1)
        message = received["Messages"][0]
        body = json.loads(message["Body"])
        self.assertEqual(body["arguments"], {"q": 1})
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        self.assertEqual(sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0).get("Messages", []),
                         [])
        self.client.send_pipeline_execution_step_success(
            CallbackToken=body["token"], OutputParameters=[{"Name": "answer", "Value": "yes"}])
        execution, _ = self.wait(arn)
        self.assertEqual(execution["PipelineExecutionStatus"], "Succeeded")


class QueueWebhookHandler(http.server.BaseHTTPRequestHandler):
    """A Callback consumer behind a URL: keeps each message it is pushed, answers 200."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        QueueWebhookHandler.pushed.append((dict(self.headers.items()), json.loads(body)))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *arguments):
        pass


class CallbackWebhookTest(unittest.TestCase):
    def test_a_queue_in_queues_json_has_its_messages_pushed_to_the_webhook(self):
        directory = tempfile.mkdtemp(prefix="sluice-queue-hook-")
        QueueWebhookHandler.pushed = []
        receiver = http.server.ThreadingHTTPServer(("127.0.0.1", 0), QueueWebhookHandler)
        threading.Thread(target=receiver.serve_forever, daemon=True).start()
        state = os.path.join(directory, "state")
        os.makedirs(state)
        with open(os.path.join(state, "queues.json"), "w") as file:
            json.dump({"pushed": {"url": "http://127.0.0.1:%d/cb" % receiver.server_address[1],
                                  "secret": "s3cret"}}, file)
        server = Server(SLUICE, state, os.path.join(directory, "serve.log"))
        try:
            sm = client("sagemaker", "http://" + server.address)
            sm.create_pipeline(PipelineName="pushed", RoleArn=ROLE, PipelineDefinition=definition(
                [callback_step("Push", "pushed", {"a": 1}, [])]))
            arn = sm.start_pipeline_execution(PipelineName="pushed")["PipelineExecutionArn"]
            deadline = time.monotonic() + 30
            while not QueueWebhookHandler.pushed and time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(len(QueueWebhookHandler.pushed), 1)
            headers, body = QueueWebhookHandler.pushed[0]
            self.assertEqual(body["pipelineExecutionArn"], arn)
            self.assertEqual(headers["X-Sluice-Queue"], "pushed")
            self.assertRegex(headers["X-Sluice-Signature"], r"^t=[0-9]+,v1=[0-9a-f]{64}$")
            sm.send_pipeline_execution_step_success(CallbackToken=body["token"])
            execution, _ = wait_for_end(self, sm, arn)
            self.assertEqual(execution["PipelineExecutionStatus"], "Succeeded")
        finally:
            code = server.stop()
            receiver.shutdown()
            receiver.server_close()
            shutil.rmtree(directory, ignore_errors=True)
        self.assertEqual(code, 0)


if __name__ == "__main__":
    SLUICE = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
