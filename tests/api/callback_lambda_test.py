#!/usr/bin/env python3
"""Lambda steps through the SageMaker API: a real `sluice serve` on a free port, driven by boto3,
with the function map in its state directory naming a real python3 command and a real HTTP
endpoint.

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
import uuid

try:
    import boto3
    import botocore.config
except ImportError:
    print("skipped: boto3 is not installed for " + sys.executable)
    sys.exit(77)

from serve_support import ROLE, Server, definition

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
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            execution = self.client.describe_pipeline_execution(PipelineExecutionArn=arn)
            if execution["PipelineExecutionStatus"] in ("Succeeded", "Failed", "Stopped"):
                steps = self.client.list_pipeline_execution_steps(
                    PipelineExecutionArn=arn)["PipelineExecutionSteps"]
                return execution, {step["StepName"]: step for step in steps}
            time.sleep(0.2)
        self.fail("execution %s did not end" % arn)

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


if __name__ == "__main__":
    SLUICE = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
