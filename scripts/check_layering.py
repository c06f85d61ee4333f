#!/usr/bin/env python3
"""Fails when an #include crosses the layering of docs/architecture.md.

Each folder under src/ is a layer; a file may include only its own layer and the layers listed
for it below. The build already links the graph this way; this catches a header-only slip.
"""
import pathlib
import re
import sys

ALLOWED = {
    "base": set(),
    "definition": {"base"},
    "graph": {"base", "definition"},
    "model": {"base", "definition"},
    "store": {"base", "definition", "model"},
    "artifacts": {"base"},
    "executors": {"base"},
    "runtimes": {"base", "definition"},
    "steps": {"base", "definition", "model", "executors", "artifacts", "runtimes"},
    "engine": {"base", "definition", "graph", "model", "store", "executors", "artifacts", "steps"},
    # The SageMaker API: commands to the engine, queries through the store's seam.
    "api": {"base", "definition", "graph", "model", "store", "engine"},
    # Events rendered from the store, delivered to webhooks over runtimes/' HTTP client and
    # streamed over api/'s server.
    "events": {"base", "definition", "model", "store", "engine", "runtimes", "api"},
    "cli": {"base", "definition", "graph", "model", "store", "artifacts", "executors", "runtimes",
            "steps", "engine", "api", "events"},
}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')


def main():
    root = pathlib.Path(__file__).resolve().parent.parent / "src"
    problems = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in (".h", ".cc"):
            continue
        layer = path.relative_to(root).parts[0]
        allowed = ALLOWED.get(layer)
        if allowed is None:
            problems.append(f"{path.relative_to(root.parent)}: layer '{layer}' is not in the layering table")
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            match = INCLUDE.match(line)
            if match and match.group(1) != layer and match.group(1) not in allowed:
                problems.append(f"{path.relative_to(root.parent)}:{number}: {layer}/ may not include "
                                f"{match.group(1)}/ (allowed: {', '.join(sorted(allowed)) or 'nothing'})")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
