#!/usr/bin/env python3
"""SigV4 request signatures end to end: a real `sluice serve` with credentials, boto3 signing
with the right and the wrong keys, and raw HTTP requests for what boto3 never sends.

Usage: auth_test.py SLUICE_BINARY. Exits 77 (skipped) when boto3 is not installed.
"""
import datetime
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

try:
    import boto3
    import botocore.auth
    import botocore.awsrequest
    import botocore.config
    import botocore.credentials
    import botocore.exceptions
except ImportError:
    print("skipped: boto3 is not installed for " + sys.executable)
    sys.exit(77)

import serve_support
from serve_support import ROLE, Server, shell_step

SLUICE = None
DEADLINE_SECONDS = 120
FILE_KEY = ("AKIDSLUICEFILE", "file-secret/with+symbols")
TOKEN_KEY = ("AKIDSLUICETOKEN", "token-secret", "the-session-token")
ENV_KEY = ("AKIDSLUICEENV", "env-secret")
MISMATCH = "The request signature we calculated does not match the signature you provided"


def definition():
    return serve_support.definition([shell_step("Hello", "echo hello")])


def sign(url, body, key, secret, token=None, when=None, headers=None, method="POST"):
    """A request as botocore signs it for SageMaker, optionally as of another time."""
    request = botocore.awsrequest.AWSRequest(
        method=method, url=url, data=body,
        headers=dict({"Content-Type": "application/x-amz-json-1.1",
                      "X-Amz-Target": "SageMaker.ListPipelines"}, **(headers or {})))
    signer = botocore.auth.SigV4Auth(
        botocore.credentials.Credentials(key, secret, token), "sagemaker", "us-east-1")
    if when is None:
        signer.add_auth(request)
    else:
        # add_auth with its clock replaced: the steps it takes, from a timestamp of our choosing.
        request.context["timestamp"] = when.strftime(botocore.auth.SIGV4_TIMESTAMP)
        signer._modify_request_before_signing(request)
        canonical = signer.canonical_request(request)
        signer._inject_signature_to_request(
            request, signer.signature(signer.string_to_sign(request, canonical), request))
    return request


class AuthTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = tempfile.mkdtemp(prefix="sluice-auth-")
        credentials = os.path.join(cls.directory, "credentials")
        with open(credentials, "w") as file:
            file.write("# keys for the suite\n%s %s\n%s %s %s\n" % (FILE_KEY + TOKEN_KEY))
        cls.server = Server(SLUICE, os.path.join(cls.directory, "state"),
                            os.path.join(cls.directory, "serve.log"), ["--credentials", credentials],
                            {"SLUICE_ACCESS_KEY_ID": ENV_KEY[0],
                             "SLUICE_SECRET_ACCESS_KEY": ENV_KEY[1]})
        cls.url = "http://" + cls.server.address + "/"

    @classmethod
    def tearDownClass(cls):
        code = cls.server.stop()
        shutil.rmtree(cls.directory, ignore_errors=True)
        assert code == 0, "sluice serve ended with %d on SIGTERM" % code

    def client(self, key, secret, token=None):
        return boto3.client(
            "sagemaker", endpoint_url="http://" + self.server.address, region_name="us-east-1",
            aws_access_key_id=key, aws_secret_access_key=secret, aws_session_token=token,
            config=botocore.config.Config(retries={"max_attempts": 1}))

    def raw(self, headers, body):
        connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)
        try:
            connection.request("POST", "/", body=body, headers=headers)
            response = connection.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        finally:
            connection.close()

    def send(self, request, body=None):
        return self.raw(dict(request.headers.items()), request.body if body is None else body)

    def assert_refused(self, call, code, message_start=None):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call()
        error = caught.exception.response
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 403)
        self.assertEqual(error["Error"]["Code"], code)
        if message_start is not None:
            self.assertTrue(error["Error"]["Message"].startswith(message_start),
                            error["Error"]["Message"])

    def assert_serving(self):
        self.client(*FILE_KEY).list_pipelines()

    def test_signed_requests_run_a_pipeline(self):
        client = self.client(*FILE_KEY)
        client.create_pipeline(PipelineName="signed", PipelineDefinition=definition(),
                               RoleArn=ROLE)
        arn = client.start_pipeline_execution(PipelineName="signed")["PipelineExecutionArn"]
        deadline = time.time() + DEADLINE_SECONDS
        status = None
        while time.time() < deadline:
            status = client.describe_pipeline_execution(
                PipelineExecutionArn=arn)["PipelineExecutionStatus"]
            if status not in ("Executing", "Stopping"):
                break
            time.sleep(0.2)
        self.assertEqual(status, "Succeeded")
        steps = client.list_pipeline_execution_steps(PipelineExecutionArn=arn)
        self.assertEqual([s["StepName"] for s in steps["PipelineExecutionSteps"]], ["Hello"])

    def test_the_environment_key_is_accepted_too(self):
        self.client(*ENV_KEY).list_pipelines()

    def test_a_wrong_secret_is_refused(self):
        self.assert_refused(lambda: self.client(FILE_KEY[0], "wrong").list_pipelines(),
                            "InvalidSignatureException", MISMATCH)
        self.assert_serving()

    def test_an_unknown_key_is_refused(self):
        self.assert_refused(lambda: self.client("AKIDUNKNOWN", FILE_KEY[1]).list_pipelines(),
                            "UnrecognizedClientException",
                            "The security token included in the request is invalid.")
        self.assert_serving()

    def test_a_key_with_a_session_token_needs_it(self):
        self.client(*TOKEN_KEY).list_pipelines()
        self.assert_refused(lambda: self.client(*TOKEN_KEY[:2]).list_pipelines(),
                            "UnrecognizedClientException")
        self.assert_refused(
            lambda: self.client(TOKEN_KEY[0], TOKEN_KEY[1], "another").list_pipelines(),
            "UnrecognizedClientException")

    def test_an_unsigned_request_is_refused(self):
        status, body = self.raw({"Content-Type": "application/x-amz-json-1.1",
                                 "X-Amz-Target": "SageMaker.ListPipelines"}, b"{}")
        self.assertEqual(status, 403)
        self.assertEqual(body["__type"], "MissingAuthenticationTokenException")
        self.assertEqual(body["message"], "Missing Authentication Token")
        self.assert_serving()

    def test_a_request_botocore_signed_is_accepted_raw(self):
        status, body = self.send(sign(self.url, b"{}", *FILE_KEY))
        self.assertEqual(status, 200, body)
        self.assertIn("PipelineSummaries", body)

    def test_a_tampered_body_is_refused(self):
        request = sign(self.url, b'{"MaxResults": 1}', *FILE_KEY)
        status, body = self.send(request, b'{"MaxResults": 2}')
        self.assertEqual(status, 403)
        self.assertEqual(body["__type"], "InvalidSignatureException")
        self.assertTrue(body["message"].startswith(MISMATCH), body)
        self.assert_serving()

    def test_a_body_digest_that_is_not_the_bodys_is_refused(self):
        request = sign(self.url, b'{"MaxResults": 1}', *FILE_KEY,
                       headers={"X-Amz-Content-SHA256": "0" * 64})
        status, body = self.send(request)
        self.assertEqual(status, 403)
        self.assertEqual(body["__type"], "InvalidSignatureException")

    def test_a_stale_date_is_refused(self):
        stale = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
        status, body = self.send(sign(self.url, b"{}", *FILE_KEY, when=stale))
        self.assertEqual(status, 403)
        self.assertEqual(body["__type"], "InvalidSignatureException")
        self.assertTrue(body["message"].startswith("Signature expired: "), body)
        self.assertTrue(body["message"].endswith(" - 15 min.)"), body)
        recent = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=5)
        status, body = self.send(sign(self.url, b"{}", *FILE_KEY, when=recent))
        self.assertEqual(status, 200, body)

    def test_malformed_authorization_headers_are_refused(self):
        signed = dict(sign(self.url, b"{}", *FILE_KEY).headers.items())
        credential = signed["Authorization"].split(",")[0]
        for authorization in ["garbage", "AWS4-HMAC-SHA256", "AWS4-HMAC-SHA256 ,,, ==",
                              credential, credential + ", SignedHeaders=host",
                              credential + ", Signature=abc",
                              "AWS4-HMAC-SHA256 Credential=%s, SignedHeaders=host, Signature=00"
                              % FILE_KEY[0],
                              "AWS4-HMAC-SHA256 " + "x" * 5000]:
            headers = dict(signed, Authorization=authorization)
            status, body = self.raw(headers, b"{}")
            self.assertEqual(status, 403, authorization)
            self.assertEqual(body["__type"], "IncompleteSignatureException", authorization)
            self.assertTrue(body["message"], authorization)
        self.assert_serving()

    def test_an_unsigned_header_changed_is_accepted_a_signed_one_is_not(self):
        signed = dict(sign(self.url, b"{}", *FILE_KEY).headers.items())
        status, _ = self.raw(dict(signed, **{"User-Agent": "changed"}), b"{}")
        self.assertEqual(status, 200)
        status, body = self.raw(dict(signed, **{"X-Amz-Target": "SageMaker.ListPipelineExecutions"}),
                                b"{}")
        self.assertEqual(status, 403)
        self.assertEqual(body["__type"], "InvalidSignatureException")


    def test_the_event_stream_needs_a_signature_too(self):
        connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)
        try:
            connection.request("GET", "/events")
            response = connection.getresponse()
            self.assertEqual(response.status, 403)
            self.assertEqual(json.loads(response.read())["__type"],
                             "MissingAuthenticationTokenException")
        finally:
            connection.close()
        request = sign(self.url + "events?after=0", b"", *FILE_KEY, method="GET")
        connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)
        try:
            connection.request("GET", "/events?after=0", headers=dict(request.headers.items()))
            response = connection.getresponse()
            self.assertEqual(response.status, 200)
            self.assertTrue(response.getheader("Content-Type").startswith("text/event-stream"))
        finally:
            connection.close()
        self.assert_serving()

    def test_the_callback_queues_need_a_signature_too(self):
        for method, path in (("GET", "/queues/approvals/messages?wait=0"),
                             ("DELETE", "/queues/approvals/messages/1-x")):
            connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)
            try:
                connection.request(method, path)
                response = connection.getresponse()
                self.assertEqual(response.status, 403, path)
                self.assertEqual(json.loads(response.read())["__type"],
                                 "MissingAuthenticationTokenException")
            finally:
                connection.close()
        request = sign(self.url + "queues/approvals/messages?wait=0", b"", *FILE_KEY, method="GET")
        connection = http.client.HTTPConnection(self.server.host, self.server.port, timeout=30)
        try:
            connection.request("GET", "/queues/approvals/messages?wait=0",
                               headers=dict(request.headers.items()))
            response = connection.getresponse()
            self.assertEqual(response.status, 200)
            self.assertEqual(json.loads(response.read()), {"Messages": []})
        finally:
            connection.close()


class CredentialsFileTest(unittest.TestCase):
    def test_a_malformed_credentials_file_stops_serve_with_where(self):
        directory = tempfile.mkdtemp(prefix="sluice-auth-")
        try:
            credentials = os.path.join(directory, "credentials")
            with open(credentials, "w") as file:
                file.write("AKIDONE secret\nAKIDTWO\n")
            done = subprocess.run(
                [SLUICE, "serve", "--listen", "127.0.0.1:0", "--state-dir",
                 os.path.join(directory, "state"), "--credentials", credentials],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(done.returncode, 2)
            self.assertIn(credentials + ":2", done.stderr)
        finally:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    SLUICE = os.path.abspath(sys.argv.pop(1))
    unittest.main()
