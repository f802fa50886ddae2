#!/usr/bin/env bash
# Install everything the course needs into ./.venv (idempotent; safe to run again).
#
# The virtualenv is built on the system's Python 3.11 (/usr/bin/python3.11), which every user
# can read: the grading sandbox runs student code as a separate, unprivileged uid that must be
# able to load Python and torch. bubblewrap is the sandbox's namespace layer; Chromium renders
# the class report in a real browser in the tests; the Noto CJK fonts draw Chinese in the
# plots. All come from apt when this runs as root; torch comes first, pinned to the local CPU
# build, so the project's own torch requirement is already met and no CUDA packages are pulled.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v bwrap >/dev/null 2>&1 || need+=(bubblewrap)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
ls /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc >/dev/null 2>&1 || need+=(fonts-noto-cjk)
[ -x /usr/bin/python3.11 ] && /usr/bin/python3.11 -c "import ensurepip, venv" 2>/dev/null || need+=(python3.11 python3.11-venv)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    else
        echo "note: ${need[*]} missing (install them with apt as root for the full sandbox)" >&2
    fi
fi

PYTHON=${PYTHON:-/usr/bin/python3.11}
[ -x "$PYTHON" ] || PYTHON=python3
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet "torch==2.13.0"
python -m pip install --quiet -e ".[dev,cluster,nbgrader]"
echo "installed: $(python -c 'import torch, grader; print("torch", torch.__version__, "| grader", grader.__version__)')"
