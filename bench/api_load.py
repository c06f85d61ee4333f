#!/usr/bin/env python3
"""The API under load: starts `sluice serve`, creates a one-step pipeline, runs it once, then
drives DescribePipelineExecution from 100 keep-alive clients (api_load) a few times and times
StartPipelineExecution to the first step; prints each run and the medians.

Usage: bench/api_load.py SLUICE_BINARY API_LOAD_BINARY [--runs 3] [--seconds 15]
         [--clients 100] [--starts 50]
"""
import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

STEP = {
    "Name": "Hello", "Type": "Processing",
    "Arguments": {
        "ProcessingResources": {"ClusterConfig": {
            "InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1}},
        "AppSpecification": {"ImageUri": "local/shell",
                             "ContainerEntrypoint": ["/bin/sh", "-c", "true"]},
        "RoleArn": "arn:aws:iam::000000000000:role/bench"},
    "CacheConfig": {"Enabled": False}}


def call(address, operation, request):
    host, port = address.rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    connection.request("POST", "/", body=json.dumps(request), headers={
        "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "SageMaker." + operation})
    response = connection.getresponse()
    body = json.loads(response.read() or b"{}")
    connection.close()
    if response.status != 200:
        raise RuntimeError("%s: %d %s" % (operation, response.status, body))
    return body


def cpu_seconds(pid):
    """User plus system CPU time a process has used so far."""
    with open("/proc/%d/stat" % pid) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def figures(output):
    return {name: float(value) for name, value in re.findall(r"(p50|p90|p99|max)=([0-9.]+) ms",
                                                            output)}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("sluice")
    parser.add_argument("api_load")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--clients", type=int, default=100)
    parser.add_argument("--starts", type=int, default=50)
    arguments = parser.parse_args()

    directory = tempfile.mkdtemp(prefix="sluice-api-load-")
    log = open(os.path.join(directory, "serve.log"), "w")
    server = subprocess.Popen(
        [arguments.sluice, "serve", "--listen", "127.0.0.1:0", "--state-dir",
         os.path.join(directory, "state"), "--isolation", "none"],
        stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = server.stdout.readline()
        if not line.startswith("listening on "):
            raise RuntimeError("sluice serve did not start: " + repr(line))
        address = line.split()[-1]
        call(address, "CreatePipeline", {
            "PipelineName": "bench", "RoleArn": "arn:aws:iam::000000000000:role/bench",
            "PipelineDefinition": json.dumps({"Version": "2020-12-01", "Metadata": {},
                                              "Parameters": [], "Steps": [STEP]})})
        arn = call(address, "StartPipelineExecution", {"PipelineName": "bench"})[
            "PipelineExecutionArn"]
        while call(address, "DescribePipelineExecution", {"PipelineExecutionArn": arn})[
                "PipelineExecutionStatus"] == "Executing":
            time.sleep(0.05)

        throughputs, by_figure = [], {}
        server_cpu, client_cpu = [], []
        for run in range(arguments.runs):
            server_before = cpu_seconds(server.pid)
            client_before = os.times()
            output = subprocess.run(
                [arguments.api_load, "--address", address, "--clients", str(arguments.clients),
                 "--seconds", str(arguments.seconds), "--target",
                 "SageMaker.DescribePipelineExecution",
                 "--body", json.dumps({"PipelineExecutionArn": arn})],
                check=True, capture_output=True, text=True).stdout
            client_after = os.times()
            requests = int(re.search(r"([0-9]+) requests,", output).group(1))
            # CPU per answer depends far less on what else the machine runs than latency does.
            server_cpu.append((cpu_seconds(server.pid) - server_before) / requests * 1e6)
            client_cpu.append((client_after.children_user + client_after.children_system -
                               client_before.children_user - client_before.children_system) /
                              requests * 1e6)
            print("run %d: %s; CPU per request: server %.1f us, client %.1f us" % (
                run + 1, output.strip().replace("\n", "; "), server_cpu[-1], client_cpu[-1]))
            throughputs.append(float(re.search(r"([0-9.]+) requests/s", output).group(1)))
            for name, value in figures(output).items():
                by_figure.setdefault(name, []).append(value)
        print("DescribePipelineExecution, median of %d runs: %.0f requests/s, %s, CPU per "
              "request: server %.1f us, client %.1f us" % (
                  arguments.runs, statistics.median(throughputs),
                  " ".join("%s=%.3f ms" % (name, statistics.median(values))
                           for name, values in by_figure.items()),
                  statistics.median(server_cpu), statistics.median(client_cpu)))

        output = subprocess.run(
            [arguments.api_load, "--address", address, "--pipeline", "bench", "--first-step",
             str(arguments.starts)], check=True, capture_output=True, text=True).stdout
        print(output.strip())
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
        shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
