#!/usr/bin/env python3
"""A fully cached re-run: how long `sluice run` takes when every step is a cache hit.

Builds a pipeline of N Processing steps with CacheConfig enabled, each running /bin/true on the
host, wired as a chain, a fan (1 -> N-2 -> 1) or a lattice (the peers harness's shapes). The first
run executes every job and fills the cache; each timed run after it must reuse every step, which
the script checks in the state directory's database before it reports anything.

Usage: cached_rerun.py [--sluice PATH] [--steps 1000] [--shapes chain,fan,lattice] [--runs 5]
                       [--durability process|machine] [--work DIR]
Prints one line per shape: the median and the fastest wall time of the cached re-runs, and the
median CPU time (user + system) of the sluice process, which depends far less on what else the
machine is doing.
"""
import argparse
import json
import math
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def dependencies(shape, n):
    """For each step index, the indices it depends on."""
    if shape == "chain":
        return [[i - 1] if i else [] for i in range(n)]
    if shape == "fan":
        return [[]] + [[0] for _ in range(1, n - 1)] + [list(range(1, n - 1))]
    if shape == "lattice":
        layers = max(d for d in range(1, int(math.isqrt(n)) + 1) if n % d == 0)
        width = n // layers
        deps = []
        for i in range(n):
            layer, column = divmod(i, width)
            if layer == 0:
                deps.append([])
            else:
                above = (layer - 1) * width
                deps.append(sorted({above + column, above + (column + 1) % width}))
        return deps
    raise SystemExit(f"unknown shape {shape!r}: expected chain, fan or lattice")


def pipeline(shape, n):
    steps = []
    for i, upstream in enumerate(dependencies(shape, n)):
        step = {
            "Name": f"n{i}",
            "Type": "Processing",
            "CacheConfig": {"Enabled": True},
            "Arguments": {
                "ProcessingResources": {"ClusterConfig": {
                    "InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 1}},
                "AppSpecification": {"ImageUri": "local/bench:latest",
                                     "ContainerEntrypoint": ["/bin/true"]},
                "RoleArn": "arn:aws:iam::000000000000:role/bench",
            },
        }
        if upstream:
            step["DependsOn"] = [f"n{j}" for j in upstream]
        steps.append(step)
    return {"Version": "2020-12-01", "Metadata": {}, "Parameters": [], "Steps": steps}


def run(sluice, state, definition, durability):
    command = [sluice, "run", "--isolation", "none", "--quiet", "--pipeline-name", "bench",
               "--state-dir", state, definition]
    if durability:
        command[2:2] = ["--durability", durability]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr}")
    return elapsed, cpu


def check_all_hits(state, n):
    """The newest execution reused every one of its n steps and started no job."""
    with sqlite3.connect(os.path.join(state, "sluice.db")) as db:
        (execution,) = db.execute(
            "SELECT id FROM executions ORDER BY created_ms DESC, rowid DESC LIMIT 1").fetchone()
        outcomes = dict(db.execute(
            "SELECT outcome, COUNT(*) FROM cache_decisions WHERE execution_id = ? "
            "GROUP BY outcome", (execution,)).fetchall())
        succeeded = db.execute(
            "SELECT COUNT(*) FROM step_runs WHERE execution_id = ? AND status = 'Succeeded'",
            (execution,)).fetchone()[0]
    if outcomes != {"hit": n} or succeeded != n:
        raise SystemExit(f"execution {execution}: expected {n} hits and {n} succeeded steps, "
                         f"got {outcomes} and {succeeded}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sluice",
                        default=os.path.join(HERE, "..", "build", "release", "src", "cli",
                                             "sluice"))
    parser.add_argument("--steps", type=int, default=1000)
    parser.add_argument("--shapes", default="chain,fan,lattice")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--durability", default=None,
                        help="passed to sluice run (default: its own default)")
    parser.add_argument("--work", default=None, help="scratch directory (default: a temporary one)")
    options = parser.parse_args()
    work = options.work or tempfile.mkdtemp(prefix="sluice-cached-rerun-")
    try:
        for shape in options.shapes.split(","):
            directory = os.path.join(work, shape)
            shutil.rmtree(directory, ignore_errors=True)
            os.makedirs(directory)
            definition = os.path.join(directory, "pipeline.json")
            with open(definition, "w") as out:
                json.dump(pipeline(shape, options.steps), out)
            state = os.path.join(directory, "state")
            first, _ = run(options.sluice, state, definition, options.durability)
            times, cpus = [], []
            for _ in range(options.runs):
                elapsed, cpu = run(options.sluice, state, definition, options.durability)
                times.append(elapsed)
                cpus.append(cpu)
                check_all_hits(state, options.steps)
            print(f"{shape:8s} {options.steps} steps: first run {first:.2f} s; cached re-run "
                  f"median {statistics.median(times):.3f} s, fastest {min(times):.3f} s, "
                  f"CPU {statistics.median(cpus):.3f} s ({options.runs} runs)")
            sys.stdout.flush()
    finally:
        if options.work is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
