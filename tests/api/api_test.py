#!/usr/bin/env python3
"""The SageMaker API end to end: a real `sluice serve` on a free port, driven by boto3.

Usage: api_test.py SLUICE_BINARY. Exits 77 (skipped) when boto3 is not installed.
"""
import http.client
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

try:
    import boto3
    import botocore.config
    import botocore.exceptions
    import botocore.session
except ImportError:
    print("skipped: boto3 is not installed for " + sys.executable)
    sys.exit(77)

from serve_support import ROLE, Server, definition, shell_step

# Debian's boto3 (1.26) predates ListPipelineVersions and SelectiveExecutionConfig: the tests
# of those two skip under it, and the rest of the suite runs under both.
_operations = botocore.session.get_session().get_service_model("sagemaker").operation_names
HAS_NEWER_OPERATIONS = "ListPipelineVersions" in _operations
NEWER_OPERATIONS_ONLY = unittest.skipUnless(
    HAS_NEWER_OPERATIONS, "boto3 %s for %s lacks ListPipelineVersions and SelectiveExecutionConfig"
    % (boto3.__version__, sys.executable))

SLUICE = None
# A bound on every wait, so that a broken server fails the suite instead of hanging it.
DEADLINE_SECONDS = 180


def read_text(path):
    with open(path) as file:
        return file.read()


def write_text(path, text):
    with open(path, "w") as file:
        file.write(text)


class ApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="sluice-api-")
        cls.state = os.path.join(cls.directory, "state")
        os.makedirs(cls.state)
        cls.server = Server(SLUICE, cls.state, os.path.join(cls.directory, "serve.log"))
        cls.client = boto3.client(
            "sagemaker", endpoint_url="http://" + cls.server.address, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"max_attempts": 1}))

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        shutil.rmtree(cls.directory, ignore_errors=True)
        assert code == 0, "sluice serve ended with %d on SIGTERM" % code

    # ---- helpers ----

    def create(self, name, steps, parameters=None, **extra):
        return self.client.create_pipeline(
            PipelineName=name, PipelineDefinition=definition(steps, parameters), RoleArn=ROLE,
            **extra)

    def wait(self, arn, statuses=("Succeeded", "Failed", "Stopped")):
        end = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < end:
            status = self.client.describe_pipeline_execution(
                PipelineExecutionArn=arn)["PipelineExecutionStatus"]
            if status in statuses:
                return status
            time.sleep(0.1)
        self.fail("execution %s did not reach %s" % (arn, statuses))

    def wait_for_file(self, path):
        end = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < end:
            if os.path.exists(path) and read_text(path):
                return
            time.sleep(0.05)
        self.fail("%s never appeared" % path)

    def error_of(self, call, **arguments):
        with self.assertRaises(botocore.exceptions.ClientError) as raised:
            call(**arguments)
        return raised.exception.response["Error"]

    def raw(self, body, target="SageMaker.ListPipelines", headers=None):
        connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=60)
        all_headers = {"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"}
        all_headers.update(headers or {})
        connection.request("POST", "/", body=body, headers=all_headers)
        response = connection.getresponse()
        payload = response.read()
        request_id = response.getheader("x-amzn-RequestId")
        connection.close()
        return response.status, json.loads(payload), request_id

    # ---- pipelines ----

    @NEWER_OPERATIONS_ONLY
    def test_pipelines_and_their_versions(self):
        created = self.create("Versions", [shell_step("One", "true")],
                              PipelineDescription="first", PipelineDisplayName="Versions-shown",
                              ParallelismConfiguration={"MaxParallelExecutionSteps": 2})
        self.assertEqual(created["PipelineArn"],
                         "arn:aws:sagemaker:us-east-1:000000000000:pipeline/versions")
        described = self.client.describe_pipeline(PipelineName="Versions")
        self.assertEqual(described["PipelineStatus"], "Active")
        self.assertEqual(described["PipelineDescription"], "first")
        self.assertEqual(described["PipelineDisplayName"], "Versions-shown")
        self.assertEqual(described["ParallelismConfiguration"]["MaxParallelExecutionSteps"], 2)
        self.assertIn('"One"', described["PipelineDefinition"])

        updated = self.client.update_pipeline(
            PipelineName="Versions", PipelineDescription="second",
            PipelineDefinition=definition([shell_step("Two", "true")]))
        self.assertEqual(updated["PipelineVersionId"], 2)
        latest = self.client.describe_pipeline(PipelineName=created["PipelineArn"])
        self.assertIn('"Two"', latest["PipelineDefinition"])
        self.assertEqual(latest["PipelineDescription"], "second")
        first = self.client.describe_pipeline(PipelineName="Versions", PipelineVersionId=1)
        self.assertIn('"One"', first["PipelineDefinition"])

        versions = self.client.list_pipeline_versions(PipelineName="Versions", MaxResults=1)
        self.assertEqual([v["PipelineVersionId"] for v in versions["PipelineVersionSummaries"]],
                         [2])
        rest = self.client.list_pipeline_versions(PipelineName="Versions",
                                                  NextToken=versions["NextToken"])
        self.assertEqual([v["PipelineVersionId"] for v in rest["PipelineVersionSummaries"]], [1])
        self.assertNotIn("NextToken", rest)

        # An execution of version 1 runs version 1's definition.
        arn = self.client.start_pipeline_execution(PipelineName="Versions",
                                                   PipelineVersionId=1)["PipelineExecutionArn"]
        self.assertEqual(self.wait(arn), "Succeeded")
        execution = self.client.describe_pipeline_execution(PipelineExecutionArn=arn)
        self.assertEqual(execution["PipelineVersionId"], 1)
        steps = self.client.list_pipeline_execution_steps(PipelineExecutionArn=arn)
        self.assertEqual([s["StepName"] for s in steps["PipelineExecutionSteps"]], ["One"])

    def test_a_duplicate_pipeline_is_a_validation_error_saying_it_already_exists(self):
        self.create("Twice", [shell_step("One", "true")])
        error = self.error_of(self.create, name="Twice", steps=[shell_step("One", "true")])
        self.assertEqual(error["Code"], "ValidationException")
        self.assertIn("already exists", error["Message"])

    def test_unknown_names_are_resource_not_found(self):
        error = self.error_of(self.client.describe_pipeline, PipelineName="NoSuchPipeline")
        self.assertEqual(error["Code"], "ResourceNotFound")
        error = self.error_of(
            self.client.describe_pipeline_execution,
            PipelineExecutionArn="arn:aws:sagemaker:us-east-1:000000000000:pipeline/x/execution/"
                                 "aaaaaaaaaaaa")
        self.assertEqual(error["Code"], "ResourceNotFound")
        error = self.error_of(self.client.describe_processing_job, ProcessingJobName="no-job")
        self.assertEqual(error["Code"], "ResourceNotFound")

    def test_an_invalid_definition_is_refused_naming_the_problem(self):
        error = self.error_of(self.client.create_pipeline, PipelineName="Invalid",
                              PipelineDefinition='{"Version": "2020-12-01", "Steps": [{}]}',
                              RoleArn=ROLE)
        self.assertEqual(error["Code"], "ValidationException")
        self.assertIn("PipelineDefinition", error["Message"])

    def test_list_pipelines_pages_through_every_pipeline(self):
        names = ["Paged-%d" % i for i in range(3)]
        for name in names:
            self.create(name, [shell_step("One", "true")])
        seen = []
        arguments = {"PipelineNamePrefix": "Paged-", "MaxResults": 1, "SortBy": "Name",
                     "SortOrder": "Ascending"}
        while True:
            page = self.client.list_pipelines(**arguments)
            self.assertLessEqual(len(page["PipelineSummaries"]), 1)
            seen += [p["PipelineName"] for p in page["PipelineSummaries"]]
            if "NextToken" not in page:
                break
            arguments["NextToken"] = page["NextToken"]
        self.assertEqual(seen, names)
        error = self.error_of(self.client.list_pipelines, NextToken="forged")
        self.assertEqual(error["Code"], "ValidationException")
        self.assertIn("NextToken", error["Message"])

    def test_upsert_tags_and_delete(self):
        arn = self.create("Tagged", [shell_step("One", "true")],
                          Tags=[{"Key": "team", "Value": "a"}])["PipelineArn"]
        self.client.add_tags(ResourceArn=arn, Tags=[{"Key": "team", "Value": "b"},
                                                     {"Key": "cost", "Value": "1"}])
        tags = self.client.list_tags(ResourceArn=arn)["Tags"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("cost", "1"), ("team", "b")])
        self.client.delete_pipeline(PipelineName="Tagged", ClientRequestToken=str(uuid.uuid4()))
        error = self.error_of(self.client.describe_pipeline, PipelineName="Tagged")
        self.assertEqual(error["Code"], "ResourceNotFound")

    def test_a_definition_in_the_object_store_is_read_from_its_location(self):
        # The SageMaker SDK uploads definitions of 100 KB and more and sends their location.
        local = os.path.join(self.directory, "large.json")
        write_text(local, definition([shell_step("FromS3", "true")]))
        subprocess.run([SLUICE, "cp", local, "s3://defs/pipelines/large.json",
                        "--state-dir", self.state], check=True, capture_output=True)
        location = {"Bucket": "defs", "ObjectKey": "pipelines/large.json"}
        self.client.create_pipeline(PipelineName="Located", RoleArn=ROLE,
                                    PipelineDefinitionS3Location=location)
        described = self.client.describe_pipeline(PipelineName="Located")
        self.assertEqual(json.loads(described["PipelineDefinition"])["Steps"][0]["Name"], "FromS3")

        write_text(local, definition([shell_step("Updated", "true")]))
        subprocess.run([SLUICE, "cp", local, "s3://defs/pipelines/large.json",
                        "--state-dir", self.state], check=True, capture_output=True)
        self.client.update_pipeline(PipelineName="Located", PipelineDefinitionS3Location=location)
        arn = self.client.start_pipeline_execution(PipelineName="Located")["PipelineExecutionArn"]
        self.assertEqual(self.wait(arn), "Succeeded")
        steps = self.client.list_pipeline_execution_steps(PipelineExecutionArn=arn)
        self.assertEqual([s["StepName"] for s in steps["PipelineExecutionSteps"]], ["Updated"])

        error = self.error_of(self.client.create_pipeline, PipelineName="Missing", RoleArn=ROLE,
                              PipelineDefinitionS3Location={"Bucket": "defs",
                                                            "ObjectKey": "no/such.json"})
        self.assertEqual(error["Code"], "ValidationException")
        self.assertIn("s3://defs/no/such.json", error["Message"])

    def test_a_deleted_pipelines_executions_are_described_no_more(self):
        self.create("Doomed", [shell_step("One", "true")])
        arn = self.client.start_pipeline_execution(PipelineName="Doomed")["PipelineExecutionArn"]
        self.assertEqual(self.wait(arn), "Succeeded")
        self.assertEqual(self.client.describe_pipeline_execution(
            PipelineExecutionArn=arn)["PipelineExecutionStatus"], "Succeeded")
        self.client.delete_pipeline(PipelineName="Doomed", ClientRequestToken=str(uuid.uuid4()))
        error = self.error_of(self.client.describe_pipeline_execution, PipelineExecutionArn=arn)
        self.assertEqual(error["Code"], "ResourceNotFound")

    # ---- executions ----

    def test_an_execution_with_parameters_runs_to_success(self):
        out = os.path.join(self.directory, "greeting")
        steps = [
            shell_step("Prepare", 'echo "$GREETING" > ' + out,
                       extra={"Arguments": dict(shell_step("Prepare", "")["Arguments"],
                                          AppSpecification={
                                              "ImageUri": "local/shell",
                                              "ContainerEntrypoint": [
                                                  "/bin/sh", "-c", 'echo "$GREETING" > ' + out]},
                                          Environment={"GREETING": {"Get": "Parameters.Greeting"}})}),
            shell_step("Report", "true", depends_on=["Prepare"],
                       extra={"DisplayName": "Report-shown", "Description": "the last step"}),
        ]
        parameters = [{"Name": "Greeting", "Type": "String", "DefaultValue": "hello"},
                      {"Name": "Count", "Type": "Integer", "DefaultValue": 1}]
        self.create("Greeter", steps, parameters)
        arn = self.client.start_pipeline_execution(
            PipelineName="Greeter", PipelineExecutionDisplayName="first-run",
            PipelineExecutionDescription="says hi",
            PipelineParameters=[{"Name": "Greeting", "Value": "bonjour"}],
            ParallelismConfiguration={"MaxParallelExecutionSteps": 1})["PipelineExecutionArn"]
        self.assertRegex(arn, r"^arn:aws:sagemaker:us-east-1:000000000000:pipeline/greeter/"
                              r"execution/[a-z0-9]{12}$")
        self.assertEqual(self.wait(arn), "Succeeded")
        self.assertEqual(read_text(out), "bonjour\n")

        execution = self.client.describe_pipeline_execution(PipelineExecutionArn=arn)
        self.assertEqual(execution["PipelineExecutionDisplayName"], "first-run")
        self.assertEqual(execution["PipelineExecutionDescription"], "says hi")
        self.assertEqual(execution["ParallelismConfiguration"]["MaxParallelExecutionSteps"], 1)
        if HAS_NEWER_OPERATIONS:  # an older boto3 drops the member it does not know
            self.assertEqual(execution["PipelineVersionId"], 1)

        steps = self.client.list_pipeline_execution_steps(PipelineExecutionArn=arn)
        listed = steps["PipelineExecutionSteps"]
        self.assertEqual([s["StepName"] for s in listed], ["Report", "Prepare"])
        self.assertEqual(listed[0]["StepDisplayName"], "Report-shown")
        self.assertEqual(listed[0]["StepDescription"], "the last step")
        self.assertNotIn("StepDisplayName", listed[1])
        for step in listed:
            self.assertEqual(step["StepStatus"], "Succeeded")
            self.assertNotIn("FailureReason", step)
            self.assertNotIn("CacheHitResult", step)
            self.assertNotIn("SelectiveExecutionResult", step)
            self.assertIn("ProcessingJob", step["Metadata"])
        first_page = self.client.list_pipeline_execution_steps(PipelineExecutionArn=arn,
                                                               MaxResults=1)
        self.assertEqual([s["StepName"] for s in first_page["PipelineExecutionSteps"]],
                         ["Report"])
        second_page = self.client.list_pipeline_execution_steps(
            PipelineExecutionArn=arn, MaxResults=1, NextToken=first_page["NextToken"])
        self.assertEqual([s["StepName"] for s in second_page["PipelineExecutionSteps"]],
                         ["Prepare"])
        self.assertNotIn("NextToken", second_page)

        parameters = self.client.list_pipeline_parameters_for_execution(PipelineExecutionArn=arn)
        self.assertEqual(sorted((p["Name"], p["Value"]) for p in parameters["PipelineParameters"]),
                         [("Count", "1"), ("Greeting", "bonjour")])
        snapshot = self.client.describe_pipeline_definition_for_execution(PipelineExecutionArn=arn)
        self.assertEqual(json.loads(snapshot["PipelineDefinition"])["Steps"][1]["Name"], "Report")

        job_arn = listed[1]["Metadata"]["ProcessingJob"]["Arn"]
        job = self.client.describe_processing_job(ProcessingJobName=job_arn.split("/")[-1])
        self.assertEqual(job["ProcessingJobStatus"], "Completed")
        self.assertEqual(job["AppSpecification"]["ImageUri"], "local/shell")

        summaries = self.client.list_pipeline_executions(
            PipelineName="Greeter", SortBy="CreationTime", SortOrder="Descending",
            MaxResults=1)["PipelineExecutionSummaries"]
        self.assertEqual(summaries[0]["PipelineExecutionArn"], arn)
        self.assertEqual(summaries[0]["PipelineExecutionStatus"], "Succeeded")

        self.client.update_pipeline_execution(PipelineExecutionArn=arn,
                                              PipelineExecutionDescription="renamed")
        execution = self.client.describe_pipeline_execution(PipelineExecutionArn=arn)
        self.assertEqual(execution["PipelineExecutionDescription"], "renamed")

    @NEWER_OPERATIONS_ONLY
    def test_a_selective_execution_runs_only_the_selected_steps(self):
        out = os.path.join(self.directory, "prepared")
        self.create("Selective", [
            shell_step("Prepare", "echo ready > " + out),
            shell_step("Report", "true", depends_on=["Prepare"]),
        ])
        arn = self.client.start_pipeline_execution(PipelineName="Selective")["PipelineExecutionArn"]
        self.assertEqual(self.wait(arn), "Succeeded")
        self.assertTrue(os.path.exists(out))
        # Report runs again, Prepare is taken from the first execution.
        os.remove(out)
        selective = self.client.start_pipeline_execution(
            PipelineName="Selective",
            SelectiveExecutionConfig={"SourcePipelineExecutionArn": arn,
                                      "SelectedSteps": [{"StepName": "Report"}]}
        )["PipelineExecutionArn"]
        self.assertEqual(self.wait(selective), "Succeeded")
        self.assertFalse(os.path.exists(out))
        described = self.client.describe_pipeline_execution(PipelineExecutionArn=selective)
        self.assertEqual(described["SelectiveExecutionConfig"]["SelectedSteps"],
                         [{"StepName": "Report"}])
        steps = {s["StepName"]: s for s in self.client.list_pipeline_execution_steps(
            PipelineExecutionArn=selective)["PipelineExecutionSteps"]}
        self.assertEqual(steps["Prepare"]["SelectiveExecutionResult"],
                         {"SourcePipelineExecutionArn": arn})
        self.assertNotIn("SelectiveExecutionResult", steps["Report"])


    def test_a_repeated_client_request_token_starts_one_execution(self):
        self.create("Idempotent", [shell_step("One", "true")])
        token = str(uuid.uuid4())
        first = self.client.start_pipeline_execution(PipelineName="Idempotent",
                                                     ClientRequestToken=token)
        second = self.client.start_pipeline_execution(PipelineName="Idempotent",
                                                      ClientRequestToken=token)
        self.assertEqual(first["PipelineExecutionArn"], second["PipelineExecutionArn"])
        third = self.client.start_pipeline_execution(PipelineName="Idempotent")
        self.assertNotEqual(third["PipelineExecutionArn"], first["PipelineExecutionArn"])
        for arn in (first["PipelineExecutionArn"], third["PipelineExecutionArn"]):
            self.wait(arn)
        listed = self.client.list_pipeline_executions(PipelineName="Idempotent")
        self.assertEqual(len(listed["PipelineExecutionSummaries"]), 2)

    def test_stop_ends_a_long_running_execution(self):
        pid_file = os.path.join(self.directory, "long.pid")
        self.create("Long", [shell_step("Sleep", "echo $$ > %s; exec sleep 120" % pid_file)])
        arn = self.client.start_pipeline_execution(PipelineName="Long")["PipelineExecutionArn"]
        self.wait_for_file(pid_file)
        self.assertEqual(self.client.stop_pipeline_execution(
            PipelineExecutionArn=arn)["PipelineExecutionArn"], arn)
        self.assertEqual(self.wait(arn, ("Stopped", "Failed", "Succeeded")), "Stopped")
        step = self.client.list_pipeline_execution_steps(
            PipelineExecutionArn=arn)["PipelineExecutionSteps"][0]
        self.assertEqual(step["StepStatus"], "Stopped")
        error = self.error_of(self.client.stop_pipeline_execution, PipelineExecutionArn=arn)
        self.assertEqual(error["Code"], "ConflictException")

    def test_retry_runs_a_failed_execution_again(self):
        gate = os.path.join(self.directory, "gate")
        self.create("Flaky", [shell_step("Gate", "test -f %s || exit 4" % gate)])
        arn = self.client.start_pipeline_execution(PipelineName="Flaky")["PipelineExecutionArn"]
        self.assertEqual(self.wait(arn), "Failed")
        failed = self.client.list_pipeline_execution_steps(
            PipelineExecutionArn=arn)["PipelineExecutionSteps"][0]
        self.assertEqual(failed["StepStatus"], "Failed")
        self.assertIn("FailureReason", failed)
        summary = self.client.list_pipeline_executions(
            PipelineName="Flaky")["PipelineExecutionSummaries"][0]
        self.assertIn("PipelineExecutionFailureReason", summary)
        write_text(gate, "\n")
        retried = self.client.retry_pipeline_execution(PipelineExecutionArn=arn)
        self.assertEqual(retried["PipelineExecutionArn"], arn)
        self.assertEqual(self.wait(arn), "Succeeded")
        step = self.client.list_pipeline_execution_steps(
            PipelineExecutionArn=arn)["PipelineExecutionSteps"][0]
        self.assertEqual(step["AttemptCount"], 2)
        error = self.error_of(self.client.retry_pipeline_execution, PipelineExecutionArn=arn)
        self.assertEqual(error["Code"], "ConflictException")

    # ---- model registry ----

    def test_a_register_model_step_makes_a_package_of_its_group(self):
        group = self.client.create_model_package_group(
            ModelPackageGroupName="Abalone", ModelPackageGroupDescription="models")
        self.assertEqual(group["ModelPackageGroupArn"],
                         "arn:aws:sagemaker:us-east-1:000000000000:model-package-group/abalone")
        error = self.error_of(self.client.create_model_package_group,
                              ModelPackageGroupName="Abalone")
        self.assertIn("already exists", error["Message"])
        register = {
            "Name": "Register", "Type": "RegisterModel",
            "Arguments": {
                "ModelPackageGroupName": "Abalone",
                "InferenceSpecification": {
                    "Containers": [{"Image": "local/shell",
                                    "ModelDataUrl": "s3://models/model.tar.gz"}],
                    "SupportedContentTypes": ["text/csv"],
                    "SupportedResponseMIMETypes": ["text/csv"]},
                "ModelApprovalStatus": "PendingManualApproval"}}
        self.create("Registers", [register])
        arn = self.client.start_pipeline_execution(
            PipelineName="Registers")["PipelineExecutionArn"]
        self.assertEqual(self.wait(arn), "Succeeded")

        described = self.client.describe_model_package_group(ModelPackageGroupName="Abalone")
        self.assertEqual(described["ModelPackageGroupStatus"], "Completed")
        self.assertEqual(described["ModelPackageGroupDescription"], "models")
        groups = self.client.list_model_package_groups(NameContains="Abal")
        self.assertEqual([g["ModelPackageGroupName"] for g in
                          groups["ModelPackageGroupSummaryList"]], ["Abalone"])
        packages = self.client.list_model_packages(
            ModelPackageGroupName="Abalone")["ModelPackageSummaryList"]
        self.assertEqual(len(packages), 1)
        package_arn = packages[0]["ModelPackageArn"]
        self.assertEqual(package_arn,
                         "arn:aws:sagemaker:us-east-1:000000000000:model-package/abalone/1")
        self.assertEqual(packages[0]["ModelApprovalStatus"], "PendingManualApproval")
        step = self.client.list_pipeline_execution_steps(
            PipelineExecutionArn=arn)["PipelineExecutionSteps"][0]
        self.assertEqual(step["Metadata"]["RegisterModel"]["Arn"], package_arn)

        self.client.update_model_package(ModelPackageArn=package_arn,
                                         ModelApprovalStatus="Approved",
                                         ApprovalDescription="good enough")
        package = self.client.describe_model_package(ModelPackageName=package_arn)
        self.assertEqual(package["ModelApprovalStatus"], "Approved")
        self.assertEqual(package["ApprovalDescription"], "good enough")
        self.assertEqual(package["ModelPackageVersion"], 1)
        self.assertEqual(package["InferenceSpecification"]["Containers"][0]["Image"],
                         "local/shell")
        approved = self.client.list_model_packages(
            ModelPackageGroupName="Abalone", ModelApprovalStatus="Approved")
        self.assertEqual(len(approved["ModelPackageSummaryList"]), 1)
        error = self.error_of(self.client.update_model_package, ModelPackageArn=package_arn,
                              ModelApprovalStatus="Maybe")
        self.assertEqual(error["Code"], "ValidationException")

    # ---- malformed input ----

    def assert_still_serving(self):
        self.assertIn("PipelineSummaries", self.client.list_pipelines())

    def test_bad_json_is_a_serialization_error(self):
        status, body, request_id = self.raw(b'{"PipelineName": ')
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "SerializationException")
        self.assertTrue(request_id)
        status, body, _ = self.raw(b'[1, 2]')
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "SerializationException")
        self.assert_still_serving()

    def test_an_unknown_operation_is_named(self):
        status, body, _ = self.raw(b"{}", target="SageMaker.FlyToTheMoon")
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "UnknownOperationException")
        self.assertIn("FlyToTheMoon", body["message"])
        status, body, _ = self.raw(b"{}", target="Other.ListPipelines")
        self.assertEqual(body["__type"], "UnknownOperationException")
        self.assert_still_serving()

    def test_a_member_of_the_wrong_type_is_named(self):
        status, body, _ = self.raw(b'{"PipelineName": 5}', target="SageMaker.DescribePipeline")
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "ValidationException")
        self.assertIn("PipelineName", body["message"])
        self.assertIn("string", body["message"])
        status, body, _ = self.raw(b'{"MaxResults": "ten"}')
        self.assertEqual(body["__type"], "ValidationException")
        self.assertIn("MaxResults", body["message"])
        status, body, _ = self.raw(
            b'{"PipelineName": "x", "ParallelismConfiguration": {"MaxParallelExecutionSteps": 0}}',
            target="SageMaker.StartPipelineExecution")
        self.assertEqual(body["__type"], "ValidationException")
        self.assertIn("MaxParallelExecutionSteps", body["message"])
        self.assert_still_serving()

    def test_an_oversized_body_is_refused(self):
        status, body, _ = self.raw(b'{"PipelineNamePrefix": "' + b"x" * (9 * 1024 * 1024) + b'"}')
        self.assertEqual(status, 400)
        self.assertEqual(body["__type"], "ValidationException")
        self.assertIn("limit", body["message"])
        self.assert_still_serving()

    def test_a_slow_client_holds_up_no_one(self):
        slow = socket.create_connection((self.server.host, self.server.port))
        try:
            slow.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            self.assert_still_serving()
        finally:
            slow.close()
        self.assert_still_serving()


class RestartTest(unittest.TestCase):
    """A server of its own, stopped and started again on the same state directory."""

    def setUp(self):
        self.directory = tempfile.mkdtemp(prefix="sluice-api-restart-")
        self.state = os.path.join(self.directory, "state")
        os.makedirs(self.state)

    def tearDown(self):
        shutil.rmtree(self.directory, ignore_errors=True)

    def client_of(self, server):
        return boto3.client(
            "sagemaker", endpoint_url="http://" + server.address, region_name="us-east-1",
            aws_access_key_id="test", aws_secret_access_key="test",
            config=botocore.config.Config(retries={"max_attempts": 1}))

    def wait(self, client, arn, statuses):
        end = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < end:
            status = client.describe_pipeline_execution(
                PipelineExecutionArn=arn)["PipelineExecutionStatus"]
            if status in statuses:
                return status
            time.sleep(0.1)
        self.fail("execution %s did not reach %s" % (arn, statuses))

    def wait_for_file(self, path):
        end = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < end:
            if os.path.exists(path) and read_text(path):
                return
            time.sleep(0.05)
        self.fail("%s never appeared" % path)

    def test_an_unfinished_execution_continues_at_the_next_start(self):
        started = os.path.join(self.directory, "started")
        gate = os.path.join(self.directory, "gate")
        script = "echo x >> %s; while [ ! -f %s ]; do sleep 0.1; done" % (started, gate)
        first = Server(SLUICE, self.state, os.path.join(self.directory, "serve.log"))
        client = self.client_of(first)
        client.create_pipeline(PipelineName="Waits", RoleArn=ROLE,
                               PipelineDefinition=definition([shell_step("Wait", script)]))
        arn = client.start_pipeline_execution(PipelineName="Waits")["PipelineExecutionArn"]
        self.wait_for_file(started)
        self.assertEqual(first.stop(), 0)
        write_text(gate, "\n")
        second = Server(SLUICE, self.state, os.path.join(self.directory, "serve.log"))
        try:
            client = self.client_of(second)
            self.assertEqual(self.wait(client, arn, ("Succeeded", "Failed", "Stopped")),
                             "Succeeded")
            self.assertEqual(client.describe_pipeline(PipelineName="Waits")["PipelineName"],
                             "Waits")
        finally:
            self.assertEqual(second.stop(), 0)

    def test_sluice_stop_reaches_the_server_running_the_execution(self):
        pid_file = os.path.join(self.directory, "job.pid")
        server = Server(SLUICE, self.state, os.path.join(self.directory, "serve.log"))
        try:
            client = self.client_of(server)
            client.create_pipeline(
                PipelineName="Stoppable", RoleArn=ROLE,
                PipelineDefinition=definition(
                    [shell_step("Sleep", "echo $$ > %s; exec sleep 120" % pid_file)]))
            arn = client.start_pipeline_execution(
                PipelineName="Stoppable")["PipelineExecutionArn"]
            self.wait_for_file(pid_file)
            stopped = subprocess.run(
                [SLUICE, "stop", arn.split("/")[-1], "--state-dir", self.state],
                capture_output=True, text=True, timeout=DEADLINE_SECONDS)
            self.assertEqual(stopped.returncode, 0, stopped.stderr)
            self.assertIn("engine pid %d" % server.process.pid, stopped.stdout)
            self.assertEqual(self.wait(client, arn, ("Stopped", "Failed", "Succeeded")),
                             "Stopped")
        finally:
            self.assertEqual(server.stop(), 0)


if __name__ == "__main__":
    SLUICE = os.path.abspath(sys.argv.pop(1))
    unittest.main(verbosity=2)
