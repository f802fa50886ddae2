#!/usr/bin/env bash
# Install everything the course needs into ./.venv (idempotent; safe to run again).
# A fresh machine needs only Python 3.11; torch comes first, pinned to the local CPU build,
# so the project's own torch requirement is already met and no CUDA packages are pulled.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[dev]"
echo "installed: $(python -c 'import torch, grader; print("torch", torch.__version__, "| grader", grader.__version__)')"
