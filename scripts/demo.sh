#!/usr/bin/env bash
# Install, then the demo: grade the bundled sample class (examples/class, 30 students over the
# six lessons) in the sandbox and print the gradebook summary and where the reports are.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
.venv/bin/grader batch examples/class --out demo-out
