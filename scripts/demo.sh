#!/usr/bin/env bash
# Install, then run the demo: grade the bundled reference solutions and the untouched stubs.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/grader demo
