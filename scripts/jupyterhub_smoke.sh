#!/usr/bin/env bash
# A real JupyterHub on 127.0.0.1 running lesson3 with nbgrader, set up as docs/jupyterhub.md
# says, then used end to end (not run in CI: it needs root and npm's configurable-http-proxy).
#
#   sudo bash scripts/jupyterhub_smoke.sh
#
# What it does, checking each step:
#   1. builds the course environment (torch, this course with its nbgrader extra, JupyterHub,
#      JupyterLab) in $SMOKE_DIR/env as the docs' install section does (reused by later
#      runs; the course package is reinstalled every run), and configurable-http-proxy with npm;
#   2. the docs' admin steps: formgrader and create-assignment disabled and locked for
#      everyone, enabled for instructors through their own config folder; the exchange; the
#      students' nbgrader_config.py;
#   3. Unix users torch-instructor, torch-student1 and torch-student2 (removed at the end
#      unless SMOKE_KEEP=1) and a hub on 127.0.0.1:$SMOKE_PORT with the dummy authenticator;
#   4. the instructor exports the course, generates and releases lesson3;
#   5. through the hub, as the students: fetch lesson3, student1 fills in the reference,
#      student2 leaves the stub; Validate passes for student1 and fails for student2 with
#      "not implemented yet"; both submit; students get no formgrader;
#   6. the instructor collects and grades with `grader nbgrader grade` (no --course: the
#      exported nbgrader_config.py names the course);
#   7. the grades through nbgrader's API (student1 10/10, student2 0/10) and through
#      formgrader's own API on the instructor's server.
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
WORK=${SMOKE_DIR:-/tmp/jupyterhub-smoke}
PORT=${SMOKE_PORT:-8765}
ENV=$WORK/env
EXCHANGE=$WORK/exchange
INSTRUCTOR_CONFIG=$WORK/instructor-config
INSTRUCTOR=torch-instructor
STUDENTS=(torch-student1 torch-student2)
LESSON=lesson3
HUB_PID=""

say() { printf '\n== %s\n' "$*"; }
fail() { printf 'SMOKE FAILED: %s\n' "$*" >&2; [ -f "$WORK/hub/hub.log" ] && tail -40 "$WORK/hub/hub.log" >&2; exit 1; }

[ "$(id -u)" = 0 ] || { echo "run as root: the hub starts each user's server as that Unix user" >&2; exit 2; }
command -v npm >/dev/null || { echo "npm is needed for configurable-http-proxy (apt-get install npm)" >&2; exit 2; }

cleanup() {
    if [ -n "$HUB_PID" ]; then
        # the hub stops the servers it started and its proxy; then its session, if anything stayed
        kill -TERM "$HUB_PID" 2>/dev/null || true
        wait "$HUB_PID" 2>/dev/null || true
        kill -TERM -- "-$HUB_PID" 2>/dev/null || true
    fi
    if [ "${SMOKE_KEEP:-0}" != 1 ]; then
        sleep 1
        for user in "$INSTRUCTOR" "${STUDENTS[@]}"; do
            if id "$user" >/dev/null 2>&1; then userdel -r "$user" 2>/dev/null || true; fi
        done
        rm -rf "$WORK/hub" "$EXCHANGE" "$INSTRUCTOR_CONFIG"
    fi
}
trap cleanup EXIT

mkdir -p "$WORK"
chmod 755 "$WORK"

say "1. the course environment ($ENV) and configurable-http-proxy"
if [ ! -x "$ENV/bin/jupyterhub-singleuser" ]; then
    /usr/bin/python3.11 -m venv "$ENV"
    "$ENV/bin/pip" install --quiet "${TORCH_SPEC:-torch==2.13.0}"
    "$ENV/bin/pip" install --quiet "$REPO[nbgrader]" "jupyterhub>=5" "jupyterlab>=4.1"
else
    "$ENV/bin/pip" install --quiet --no-deps --force-reinstall "$REPO"  # this checkout's code
fi
chmod -R a+rX "$ENV"
if [ ! -x "$WORK/npm/node_modules/.bin/configurable-http-proxy" ]; then
    npm install --silent --prefix "$WORK/npm" configurable-http-proxy >/dev/null
fi
"$ENV/bin/jupyterhub" --version

say "2. the admin's steps: lock the instructor tools away, the exchange, the students' config"
"$ENV/bin/jupyter" labextension disable --level=sys_prefix \
    @jupyter/nbgrader:formgrader @jupyter/nbgrader:create-assignment 2>/dev/null
"$ENV/bin/jupyter" labextension lock --level=sys_prefix \
    @jupyter/nbgrader:formgrader @jupyter/nbgrader:create-assignment 2>/dev/null
"$ENV/bin/jupyter" server extension disable --sys-prefix nbgrader.server_extensions.formgrader \
    >/dev/null 2>&1
mkdir -p "$INSTRUCTOR_CONFIG/labconfig" "$INSTRUCTOR_CONFIG/jupyter_server_config.d"
cat > "$INSTRUCTOR_CONFIG/labconfig/page_config.json" <<'EOF'
{"disabledExtensions": {"@jupyter/nbgrader:formgrader": false,
                        "@jupyter/nbgrader:create-assignment": false}}
EOF
cat > "$INSTRUCTOR_CONFIG/jupyter_server_config.d/nbgrader-formgrader.json" <<'EOF'
{"ServerApp": {"jpserver_extensions": {"nbgrader.server_extensions.formgrader": true}}}
EOF
chmod -R a+rX "$INSTRUCTOR_CONFIG"
rm -rf "$EXCHANGE"
mkdir -p "$EXCHANGE"
chmod 1777 "$EXCHANGE"
COURSE_ID=$("$ENV/bin/python" -c "import tomllib; print(tomllib.load(open('$REPO/course.toml', 'rb'))['course']['id'])")
cat > "$ENV/etc/jupyter/nbgrader_config.py" <<EOF
c = get_config()  # noqa: F821
c.Exchange.root = "$EXCHANGE"
c.CourseDirectory.course_id = "$COURSE_ID"
EOF

say "3. users and the hub on 127.0.0.1:$PORT"
for user in "$INSTRUCTOR" "${STUDENTS[@]}"; do
    id "$user" >/dev/null 2>&1 || useradd --create-home --shell /bin/bash "$user"
done
TOKEN=$("$ENV/bin/python" -c "import secrets; print(secrets.token_hex(32))")
mkdir -p "$WORK/hub"
chmod 700 "$WORK/hub"
cat > "$WORK/hub/jupyterhub_config.py" <<EOF
c = get_config()  # noqa: F821
c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = $PORT
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = "sqlite:///$WORK/hub/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "$WORK/hub/jupyterhub_cookie_secret"
c.ConfigurableHTTPProxy.command = ["$WORK/npm/node_modules/.bin/configurable-http-proxy"]
c.ConfigurableHTTPProxy.pid_file = "$WORK/hub/proxy.pid"
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {"$INSTRUCTOR", "${STUDENTS[0]}", "${STUDENTS[1]}"}
c.Authenticator.admin_users = {"$INSTRUCTOR"}
c.Spawner.cmd = ["$ENV/bin/jupyterhub-singleuser"]
c.Spawner.default_url = "/lab"
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 120
INSTRUCTORS = {"$INSTRUCTOR"}
c.Spawner.environment = {
    # instructors read one more config folder: it turns formgrader back on for them
    "JUPYTER_CONFIG_PATH": lambda spawner: (
        "$INSTRUCTOR_CONFIG" if spawner.user.name in INSTRUCTORS else ""),
}
c.JupyterHub.services = [{"name": "smoke", "api_token": "$TOKEN"}]
c.JupyterHub.load_roles = [{"name": "smoke", "services": ["smoke"],
                            "scopes": ["admin:users", "admin:servers", "access:servers"]}]
EOF
(cd "$WORK/hub" && exec setsid env PATH="$ENV/bin:$PATH" "$ENV/bin/jupyterhub" \
    -f "$WORK/hub/jupyterhub_config.py" > "$WORK/hub/hub.log" 2>&1) &
HUB_PID=$!
for _ in $(seq 1 60); do
    curl -sf "http://127.0.0.1:$PORT/hub/api/" >/dev/null && break
    kill -0 "$HUB_PID" 2>/dev/null || fail "the hub exited"
    sleep 1
done
curl -sf "http://127.0.0.1:$PORT/hub/api/" || fail "the hub did not answer"
echo

say "4. the instructor: export, generate and release $LESSON"
HOME_I=$(getent passwd "$INSTRUCTOR" | cut -d: -f6)
rm -rf "$HOME_I/torch-course" "$HOME_I/torch-nbgrader"
mkdir -p "$HOME_I/torch-course/tests"
cp -r "$REPO/course.toml" "$REPO/hints.toml" "$REPO/exercises" "$REPO/solutions" "$HOME_I/torch-course/"
cp -r "$REPO/tests/hidden" "$HOME_I/torch-course/tests/"
[ -d "$REPO/locale" ] && cp -r "$REPO/locale" "$HOME_I/torch-course/"
mkdir -p "$HOME_I/.jupyter"
cat > "$HOME_I/.jupyter/nbgrader_config.py" <<EOF
c = get_config()  # noqa: F821
load_subconfig("$HOME_I/torch-nbgrader/nbgrader_config.py")  # noqa: F821
EOF
chown -R "$INSTRUCTOR:" "$HOME_I/torch-course" "$HOME_I/.jupyter"
as_instructor() {
    runuser -u "$INSTRUCTOR" -- env -i HOME="$HOME_I" USER="$INSTRUCTOR" LOGNAME="$INSTRUCTOR" \
        PATH="$ENV/bin:/usr/bin:/bin" bash -c "$1"
}
as_instructor "cd ~ && grader nbgrader export ~/torch-nbgrader --exchange $EXCHANGE --course ~/torch-course"
as_instructor "cd ~/torch-nbgrader && nbgrader generate_assignment $LESSON && nbgrader release_assignment $LESSON" \
    2>&1 | grep -E "ERROR|Released|release" || true
[ -d "$EXCHANGE/$COURSE_ID/outbound/$LESSON" ] || fail "$LESSON was not released"

say "5. through the hub, as the students: fetch, work, validate, submit"
SOURCE_NB="$HOME_I/torch-nbgrader/source/$LESSON/$LESSON.ipynb"
"$ENV/bin/python" - "$PORT" "$TOKEN" "$COURSE_ID" "$LESSON" "$SOURCE_NB" "$INSTRUCTOR" "${STUDENTS[@]}" <<'EOF'
import json, sys, time, urllib.error, urllib.parse, urllib.request

port, token, course_id, lesson, source_nb, instructor, *students = sys.argv[1:]
base = f"http://127.0.0.1:{port}"


def call(method, path, data=None, form=None):
    body, headers = None, {"Authorization": f"token {token}"}
    if form is not None:
        body = urllib.parse.urlencode(form).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif data is not None:
        body = json.dumps(data).encode()
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(base + path, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            text = response.read().decode()
            return response.status, (json.loads(text) if text.strip().startswith(("{", "[")) else text)
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()[:500]


def start(user):
    status, _ = call("POST", f"/hub/api/users/{user}/server")
    assert status in (201, 202, 400), (user, status)
    for _ in range(240):
        status, info = call("GET", f"/hub/api/users/{user}")
        if status == 200 and info.get("servers", {}).get("", {}).get("ready"):
            return
        time.sleep(0.5)
    raise SystemExit(f"{user}'s server did not start")


def solution_cells(notebook):
    return [c for c in notebook["cells"] if c.get("metadata", {}).get("nbgrader", {}).get("solution")]


reference = [c["source"] for c in solution_cells(json.load(open(source_nb)))]
for user in [instructor, *students]:
    start(user)
    print(f"{user}: server ready")
for number, user in enumerate(students):
    status, listing = call("POST", f"/user/{user}/assignments/fetch",
                           form={"course_id": course_id, "assignment_id": lesson})
    assert status == 200, (user, "fetch", status, listing)
    path = f"{lesson}/{lesson}.ipynb"
    status, model = call("GET", f"/user/{user}/api/contents/{path}?content=1")
    assert status == 200, (user, "fetched notebook", status, model)
    if number == 0:  # the first student hands in the reference, the second the stub
        cells = solution_cells(model["content"])
        for cell, text in zip(cells, reference, strict=True):
            cell["source"] = text
        status, _ = call("PUT", f"/user/{user}/api/contents/{path}",
                         data={"type": "notebook", "format": "json", "content": model["content"]})
        assert status == 200, (user, "save", status)
    status, checked = call("POST", f"/user/{user}/assignments/validate", form={"path": path})
    assert status == 200 and checked.get("success"), (user, "validate", status, checked)
    verdict = json.dumps(checked["value"])
    if number == 0:
        assert '"failed"' not in verdict, verdict[:2000]
    else:
        assert '"failed"' in verdict and "not implemented yet" in verdict, verdict[:2000]
    print(f"{user}: Validate {'passes' if number == 0 else 'fails: not implemented yet'}")
    status, listing = call("POST", f"/user/{user}/assignments/submit",
                           form={"course_id": course_id, "assignment_id": lesson})
    assert status == 200 and listing.get("success"), (user, "submit", status, listing)
    print(f"{user}: submitted")
    status, _ = call("GET", f"/user/{user}/formgrader")
    assert status == 404, (user, "formgrader", status)
status, _ = call("GET", f"/user/{instructor}/formgrader")
assert status in (200, 302), ("instructor's formgrader", status)
print("students have no formgrader; the instructor has")
EOF

say "6. the instructor: collect, then grade with grader nbgrader grade"
as_instructor "cd ~/torch-nbgrader && nbgrader collect $LESSON" 2>&1 | grep -E "ERROR|Collecting" || true
as_instructor "cd /tmp && grader nbgrader grade ~/torch-nbgrader --assignment $LESSON"

say "7. the grades, through nbgrader's API and formgrader's"
as_instructor "cd ~/torch-nbgrader && python - ${STUDENTS[*]}" <<'EOF'
import sys
from nbgrader.api import Gradebook

first, second = sys.argv[1:]
with Gradebook("sqlite:///gradebook.db") as gradebook:
    assignment = gradebook.find_assignment("lesson3")
    scores = {s: gradebook.find_submission("lesson3", s).score for s in (first, second)}
    print(f"nbgrader: max {assignment.max_score:g}, {first} {scores[first]:g}, {second} {scores[second]:g}")
    assert assignment.max_score == 10 and scores[first] == 10 and scores[second] == 0, scores
EOF
"$ENV/bin/python" - "$PORT" "$TOKEN" "$INSTRUCTOR" "$LESSON" "${STUDENTS[@]}" <<'EOF'
import json, sys, urllib.request

port, token, instructor, lesson, first, second = sys.argv[1:]
request = urllib.request.Request(
    f"http://127.0.0.1:{port}/user/{instructor}/formgrader/api/submissions/{lesson}",
    headers={"Authorization": f"token {token}"})
with urllib.request.urlopen(request, timeout=60) as response:
    rows = {row["student"]: row for row in json.load(response)}
print("formgrader:", {s: (rows[s]["score"], rows[s]["max_score"]) for s in (first, second)})
assert rows[first]["score"] == 10 and rows[second]["score"] == 0 and rows[first]["max_score"] == 10
EOF

say "JupyterHub smoke test passed"
