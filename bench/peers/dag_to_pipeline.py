#!/usr/bin/env python3
"""Turns the peers harness's generic dag.json into a SageMaker pipeline definition.

Each node becomes a Processing step whose ContainerEntrypoint is the node's argv, with its
dependencies as DependsOn; the image has no runtime mapping, so the entrypoint runs on the host.
Usage: dag_to_pipeline.py DAG_JSON > pipeline.json
"""
import json
import sys


def step(node):
    return {
        "Name": node["name"],
        "Type": "Processing",
        "Arguments": {
            "ProcessingResources": {
                "ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large",
                                  "VolumeSizeInGB": 1}},
            "AppSpecification": {"ImageUri": "local/bench:latest",
                                 "ContainerEntrypoint": node["cmd"]},
            "RoleArn": "arn:aws:iam::000000000000:role/bench",
        },
        **({"DependsOn": node["deps"]} if node["deps"] else {}),
    }


def main():
    with open(sys.argv[1]) as source:
        dag = json.load(source)
    json.dump({"Version": "2020-12-01", "Metadata": {}, "Parameters": [],
               "Steps": [step(node) for node in dag["nodes"]]}, sys.stdout)


if __name__ == "__main__":
    main()
