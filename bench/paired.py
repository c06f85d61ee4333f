#!/usr/bin/env python3
"""Times two commands pair by pair (A, B, A, B, ...) and prints the medians and the ratios A/B.

Whole-process figures, as the kernel accounts the finished command (through GNU time): wall
seconds, CPU seconds (user plus system, of the command and every descendant it waited for) and the
peak resident set of the largest single process among them, in MiB. Pairing keeps a ratio meaningful on a machine whose speed
drifts during the runs; quote ratios and medians, never one run.

  bench/paired.py -n 5 --warmup 1 --vs 'dagrun dag -j2 chain-1000/dag.txt' -- \\
      sh -c 'sluice run --quiet --state-dir "$(mktemp -d)/state" chain-1000/pipeline.json'

A command is split as a shell splits words, and run without a shell: one that needs `$(...)` or
a redirection is written as sh -c '...'. Its output is discarded. `{tmp}` in a command stands for
a new empty directory each run, so a state directory can be fresh without a shell around the
command (the shell and mktemp took about 2.4 ms, most of a start-up measurement):

  bench/paired.py -n 30 --warmup 2 --vs 'dagrun dag -j2 chain-1/dag.txt' -- \
      sluice run --quiet --state-dir {tmp}/state chain-1/pipeline.json

The directories are left in place (under one printed at the end): deleting thousands of files
right before a measurement slows the file creations in it.
"""

import argparse
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time

TIME = "/usr/bin/time"  # GNU time (Debian's time package)


def fresh_directories(argv, scratch):
    if not any("{tmp}" in word for word in argv):
        return argv
    directory = tempfile.mkdtemp(dir=scratch)
    return [word.replace("{tmp}", directory) for word in argv]


def run_once(argv):
    # The peak comes from GNU time, whose own (about 1.5 MiB) is the floor: a child forked from
    # Python would report Python's resident set as its peak, since the high-water mark survives
    # exec. Wall and CPU come from the kernel's accounting of the finished process tree, to the
    # microsecond (GNU time's own figures are to the centisecond); they include GNU time's own
    # start, a fraction of a millisecond.
    with tempfile.NamedTemporaryFile("r") as figures:
        started = time.monotonic()
        child = subprocess.Popen([TIME, "-f", "%M", "-o", figures.name] + argv,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.monotonic() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        if child.returncode != 0:
            sys.exit(f"paired.py: {shlex.join(argv)} failed (exit status {child.returncode})")
        peak_kib = figures.read().split()[-1]
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mib": int(peak_kib) / 1024}


def describe(values):
    return f"{min(values):10.4f} {statistics.median(values):10.4f} {max(values):10.4f}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--vs", help="command B, one string split as a shell splits words")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="-- command A and its arguments")
    args = parser.parse_args()
    command_a = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command_a:
        parser.error("no command A after --")
    commands = {"A": command_a}
    if args.vs:
        commands["B"] = shlex.split(args.vs)

    scratch = tempfile.mkdtemp(prefix="paired-")
    for _ in range(args.warmup):
        for argv in commands.values():
            run_once(fresh_directories(argv, scratch))
    runs = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, argv in commands.items():
            runs[name].append(run_once(fresh_directories(argv, scratch)))

    print(f"{'':16} {'min':>10} {'median':>10} {'max':>10}")
    for name in commands:
        for figure in ("wall", "cpu", "peak_mib"):
            print(f"{name} {figure:14} {describe([run[figure] for run in runs[name]])}")
    if "B" in runs:
        for figure in ("wall", "cpu"):
            ratios = [a[figure] / b[figure] for a, b in zip(runs["A"], runs["B"]) if b[figure] > 0]
            if ratios:
                print(f"A/B {figure:12} {describe(ratios)}")
    if os.listdir(scratch):
        print(f"fresh directories in {scratch}")
    else:
        os.rmdir(scratch)


if __name__ == "__main__":
    main()
