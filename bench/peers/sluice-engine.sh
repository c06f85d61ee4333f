#!/usr/bin/env bash
# The ENGINE_CMD of the peers harness (../shared/bench/peers): translates dag.json into a
# pipeline definition and runs it with `sluice run` at parallelism 2, state in the run directory.
# Usage: sluice-engine.sh DAG_JSON RUN_DIR [ISOLATION]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
sluice="${SLUICE:-$here/../../build/release/src/cli/sluice}"
python3 "$here/dag_to_pipeline.py" "$1" > "$2/pipeline.json"
exec "$sluice" run --parallelism 2 --isolation "${3:-none}" --quiet --state-dir "$2/state" \
  "$2/pipeline.json"
