#!/usr/bin/env python3
"""The SageMaker Python SDK against a real `sluice serve`: a pipeline built with the SDK
(a parameter and a ProcessingStep running a script) upserted, started, waited for and listed
through sagemaker.Session pointed at sluice, with requests signed and checked.

Usage: sdk_test.py SLUICE_BINARY SDK_PYTHON. Exits 77 (skipped) unless SAGEMAKER_SDK_SRC names
the src/ folder of a SageMaker Python SDK checkout (v2.230.0). SDK_PYTHON is a command that
runs Python with that checkout importable (the SDK's dependencies and packaging shims); the
suite runs itself under it.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

from serve_support import ROLE, Server

SLUICE = None
KEY = ("AKIDSLUICESDK", "sdk-secret")


def sdk_source():
    source = os.environ.get("SAGEMAKER_SDK_SRC", "")
    if source and not os.path.isfile(os.path.join(source, "sagemaker", "__init__.py")):
        # The checkout's root rather than its src/ folder.
        source = os.path.join(source, "src")
    return source


class SdkTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="sluice-sdk-")
        credentials = os.path.join(cls.directory, "credentials")
        with open(credentials, "w") as file:
            file.write("%s %s\n" % KEY)
        cls.server = Server(SLUICE, os.path.join(cls.directory, "state"),
                            os.path.join(cls.directory, "serve.log"), ["--credentials", credentials])

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        shutil.rmtree(cls.directory, ignore_errors=True)
        assert code == 0, "sluice serve ended with %d on SIGTERM" % code

    def session(self):
        import boto3
        import sagemaker

        boto_session = boto3.Session(aws_access_key_id=KEY[0], aws_secret_access_key=KEY[1],
                                     region_name="us-east-1")
        client = boto_session.client("sagemaker", endpoint_url="http://" + self.server.address)
        # A default bucket named up front: the SDK would otherwise ask STS and S3 for one.
        return sagemaker.Session(boto_session=boto_session, sagemaker_client=client,
                                 default_bucket="sluice-sdk-test")

    def pipeline(self, session, name):
        from sagemaker.processing import Processor
        from sagemaker.workflow.parameters import ParameterString
        from sagemaker.workflow.pipeline import Pipeline
        from sagemaker.workflow.steps import ProcessingStep

        greeting = ParameterString(name="Greeting", default_value="hello")
        processor = Processor(
            role=ROLE, image_uri="local/shell", instance_count=1, instance_type="ml.m5.large",
            entrypoint=["/bin/sh", "-c",
                        'test "$GREETING" = from-the-sdk && echo "greeting: $GREETING"'],
            env={"GREETING": greeting}, sagemaker_session=session)
        greet = ProcessingStep(name="Greet", processor=processor)
        processor_after = Processor(
            role=ROLE, image_uri="local/shell", instance_count=1, instance_type="ml.m5.large",
            entrypoint=["/bin/sh", "-c", "echo after"], sagemaker_session=session)
        after = ProcessingStep(name="After", processor=processor_after, depends_on=[greet])
        return Pipeline(name=name, parameters=[greeting], steps=[greet, after],
                        sagemaker_session=session)

    def test_upsert_start_wait_and_list_steps(self):
        session = self.session()
        pipeline = self.pipeline(session, "sdk-pipeline")
        created = pipeline.upsert(role_arn=ROLE, description="built with the SDK")
        self.assertTrue(created["PipelineArn"].endswith(":pipeline/sdk-pipeline"), created)
        # A second upsert updates the pipeline that now exists.
        updated = pipeline.upsert(role_arn=ROLE, description="updated with the SDK")
        self.assertEqual(updated["PipelineArn"], created["PipelineArn"])
        self.assertEqual(pipeline.describe()["PipelineDescription"], "updated with the SDK")

        execution = pipeline.start(parameters={"Greeting": "from-the-sdk"})
        execution.wait(delay=1, max_attempts=120)
        self.assertEqual(execution.describe()["PipelineExecutionStatus"], "Succeeded")
        steps = execution.list_steps()
        self.assertEqual(sorted(s["StepName"] for s in steps), ["After", "Greet"])
        self.assertEqual({s["StepStatus"] for s in steps}, {"Succeeded"})

        # A step that fails makes wait() raise, as it does against SageMaker.
        failing = pipeline.start(parameters={"Greeting": "something-else"})
        import botocore.exceptions
        with self.assertRaises(botocore.exceptions.WaiterError):
            failing.wait(delay=1, max_attempts=120)
        self.assertEqual(failing.describe()["PipelineExecutionStatus"], "Failed")
        statuses = {s["StepName"]: s["StepStatus"] for s in failing.list_steps()}
        self.assertEqual(statuses.get("Greet"), "Failed")
        self.assertNotIn("After", statuses)


def main():
    global SLUICE
    source = sdk_source()
    if not source:
        print("skipped: SAGEMAKER_SDK_SRC is not set")
        return 77
    if os.environ.get("SLUICE_SDK_TEST_RUNNER") != "1":
        runner = sys.argv[2]
        os.environ["SAGEMAKER_SDK_SRC"] = source
        os.environ["SLUICE_SDK_TEST_RUNNER"] = "1"
        return subprocess.call([runner, os.path.abspath(__file__)] + sys.argv[1:])
    SLUICE = os.path.abspath(sys.argv[1])
    del sys.argv[1:3]
    unittest.main()


if __name__ == "__main__":
    sys.exit(main())
