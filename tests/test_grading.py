"""Grading lesson2 end to end: reference, stub, broken submissions, and partial credit."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import pytest

from grader.course.results import VISIBLE
from grader.reports.gradescope import results_json

LESSON = "lesson2"


@pytest.fixture(scope="module")
def reference_and_stub(worker, course):
    lesson = course.lesson(LESSON)
    return worker.grade(LESSON, [("reference", course.reference_source(lesson)),
                                 ("stub", course.stub_source(lesson))])


def test_the_reference_gets_full_marks(reference_and_stub):
    reference, _ = reference_and_stub
    assert reference.max_score > 0
    assert reference.score == reference.max_score, [t.feedback for t in reference.failed]


def test_the_stub_gets_zero_and_is_told_what_is_not_implemented(reference_and_stub):
    _, stub = reference_and_stub
    assert stub.score == 0
    assert all("not implemented yet" in t.feedback for t in stub.tests)


def test_public_checks_are_visible_and_come_first(reference_and_stub):
    reference, _ = reference_and_stub
    visibility = [t.visibility for t in reference.tests]
    assert visibility[0] == VISIBLE
    assert visibility == sorted(visibility, key=lambda v: v != VISIBLE)
    assert "after_published" in visibility


def test_parametrized_cases_share_their_test_points(reference_and_stub):
    reference, _ = reference_and_stub
    cases = [t for t in reference.tests if "test_predict_with_scalar_weight" in t.name]
    assert len(cases) == 6
    assert sum(t.max_score for t in cases) == pytest.approx(2.0)


def test_a_syntax_error_scores_zero_with_one_line_naming_the_line(worker):
    (result,) = worker.grade(LESSON, [("broken", b"import torch\n\ndef predict(x, w, b=0.0)\n    return x\n")])
    assert result.score == 0
    assert "syntax error at line 3" in result.problem
    for test in result.tests:
        assert test.feedback == result.problem
        assert "\n" not in test.feedback


def test_an_import_error_names_the_line_and_the_error(worker):
    (result,) = worker.grade(LESSON, [("typo", b"import torch\nx = undefined_name\n")])
    assert result.score == 0
    # the submission's own message is for the instructor (and public checks), never hidden ones
    assert result.problem == "importing mse.py raised NameError at line 2"
    assert "name 'undefined_name' is not defined" in result.problem_details


def test_a_missing_function_fails_only_its_own_checks(worker, course):
    reference = course.reference_source(course.lesson(LESSON)).decode()
    without_curve = reference.split("def loss_curve")[0]
    (result,) = worker.grade(LESSON, [("partial", without_curve.encode())])
    failed = {t.name.split("::")[1].split("[")[0] for t in result.failed}
    assert failed == {"test_loss_curve_has_its_minimum_at_w_2", "test_loss_curve_values",
                      "test_loss_curve_finds_least_squares_weight", "test_loss_curve_keeps_inputs"}
    for test in result.failed:
        assert test.feedback == ("mse.py has no function loss_curve; "
                                 "define it with the signature from the exercise file")
    assert 0 < result.score < result.max_score


def test_a_known_mistake_is_named_in_the_feedback(worker, course):
    reference = course.reference_source(course.lesson(LESSON)).decode()
    summed = reference.replace("dw = 2 * (x * residual).mean()", "dw = 2 * (x * residual).sum()")
    assert summed != reference
    (result,) = worker.grade(LESSON, [("summed", summed.encode())])
    assert 0 < result.score < result.max_score
    messages = [t.feedback for t in result.failed]
    assert any("a sum where a mean belongs" in m for m in messages), messages


def test_hidden_feedback_never_shows_inputs_but_public_feedback_shows_expected_vs_got(worker, course):
    reference = course.reference_source(course.lesson(LESSON)).decode()
    halved = reference.replace("dw = 2 * (x * residual).mean()", "dw = (x * residual).mean()")
    (result,) = worker.grade(LESSON, [("halved", halved.encode())])
    public = [t for t in result.failed if t.public]
    hidden = [t for t in result.failed if not t.public]
    assert public and hidden
    assert any("expected tensor(" in t.student_text() for t in public)
    for test in hidden:
        assert test.student_text() == test.feedback
        assert "tensor(" not in test.feedback and "expected" not in test.feedback.lower()
        assert "factor 2" in test.feedback or test.feedback.endswith("does not match the expected value")


def test_an_infinite_loop_fails_with_a_reason_and_grading_stays_within_the_job_limit(tight_worker):
    source = b"def predict(x, w, b=0.0):\n    while True:\n        pass\n" + \
             b"mse = mse_grad = mse_grad_autograd = loss_curve = predict\n"
    started = time.monotonic()
    (result,) = tight_worker.grade(LESSON, [("loop", source)])
    elapsed = time.monotonic() - started
    assert result.score == 0
    assert elapsed < 6 + 5  # job_seconds = 6, plus process start-up
    reasons = {t.feedback for t in result.tests}
    assert any("did not return within 2 s" in r for r in reasons)
    assert any("time limit for grading this submission (6 s)" in r for r in reasons)
    assert all("\n" not in r for r in reasons)


def test_one_session_grades_several_submissions_independently(worker, course):
    lesson = course.lesson(LESSON)
    good = course.reference_source(lesson)
    results = worker.grade(LESSON, [("a", good), ("b", b"import os\nos._exit(0)\n"), ("c", good)])
    assert [r.submission for r in results] == ["a", "b", "c"]
    assert results[0].score == results[0].max_score == results[2].score
    assert results[1].score == 0 and "could not be imported" in results[1].problem


# ---------------------------------------------------------------------- the command


def run_grader(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "grader.cli.instructor", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def test_grader_score_json_is_gradescope_shaped_for_reference_and_stub(course, tmp_path):
    lesson = course.lesson(LESSON)
    (tmp_path / "stub").mkdir()
    (tmp_path / "stub" / lesson.module).write_bytes(course.stub_source(lesson))
    ref = run_grader("score", LESSON, str(course.solution_path(lesson)), "--json", cwd=course.root)
    stub = run_grader("score", LESSON, str(tmp_path / "stub"), "--json", cwd=course.root)
    assert ref.returncode == 0 and stub.returncode == 0, ref.stderr + stub.stderr
    ref_data, stub_data = json.loads(ref.stdout), json.loads(stub.stdout)
    assert ref_data["score"] == ref_data["max_score"] > 0
    assert stub_data["score"] == 0 and stub_data["max_score"] == ref_data["max_score"]
    for data in (ref_data, stub_data):
        assert set(data) == {"lesson", "score", "max_score", "execution_time", "tests"}
        assert data["lesson"] == LESSON and data["execution_time"] > 0
        for test in data["tests"]:
            assert set(test) == {"name", "score", "max_score", "status", "output", "visibility"}
            assert test["status"] in ("passed", "failed")
            assert test["visibility"] in ("visible", "after_published")


def test_grader_score_cannot_grade_a_missing_file_and_says_so(course, tmp_path):
    result = run_grader("score", LESSON, str(tmp_path / "nothing.py"), "--course", str(course.root))
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: no mse.py at {tmp_path / 'nothing.py'}; pass the file or its folder"


def test_gradescope_json_totals_match_the_tests(reference_and_stub):
    data = results_json(reference_and_stub[0])
    assert data["score"] == pytest.approx(sum(t["score"] for t in data["tests"]))
    assert data["max_score"] == pytest.approx(sum(t["max_score"] for t in data["tests"]))


def test_an_interrupt_during_grading_stops_the_command(tmp_path):
    from conftest import copy_course

    root = copy_course(tmp_path, ["lesson2"])
    checks = root / "exercises" / "lesson2" / "test_mse.py"
    checks.write_text(checks.read_text() + "\n\ndef test_interrupted(sub):\n    raise KeyboardInterrupt\n")
    result = run_grader("score", LESSON, str(root / "solutions" / "lesson2"), "--course", str(root))
    assert result.returncode == 1
    assert "Aborted!" in result.stderr
    assert "did not run" not in result.stderr


# A submission whose answers depend on how often it was called: calls sent ahead and then not
# made would change what it answers later, unless the job is replaced (see checker/proxy.py).
STATEFUL = '''
import torch
calls = []

def predict(x, w, b=0.0):
    calls.append("predict")
    if len(calls) > 3:
        raise ValueError("tired")
    return x * w + b

def mse(pred, y):
    calls.append("mse")
    return ((pred - y) ** 2).mean() * (1 + len(calls) % 2)

def mse_grad(x, y, w, b=0.0):
    calls.append("mse_grad")
    r = x * w + b - y
    return (2 * (r * x).mean(), 2 * r.mean() * len(calls) / len(calls))

def mse_grad_autograd(x, y, w, b=0.0):
    calls.append("autograd")
    raise NotImplementedError

def loss_curve(x, y, ws):
    return torch.stack([((x * w - y) ** 2).mean() for w in ws])
'''


def test_calls_sent_ahead_never_change_a_grade(course):
    """Each job is sent the calls earlier submissions were asked; grading the same class with
    and without that gives the same results, also for mistakes (which stop tests early) and
    for a submission whose answers depend on the calls it has seen."""
    from grader.checker.proxy import _FORECASTS
    from grader.engine.catalog import read_catalog
    from grader.engine.grading import Submission, grade
    from grader.sandbox.host import RunnerHost

    lesson = course.lesson(LESSON)
    reference = course.reference_source(lesson)
    mistakes = [entry for entry in read_catalog(course.catalog_dir(lesson), reference)
                if entry.kind == "mistake"][:6]
    subs = [Submission("reference", reference), Submission("again", reference),
            *[Submission(entry.path.name, entry.source) for entry in mistakes],
            Submission("stateful", STATEFUL.encode()), Submission("last", reference)]

    def key(result):
        return result.score, result.problem, [(t.name, t.passed, t.feedback, t.details)
                                              for t in result.tests]

    _FORECASTS.clear()
    with RunnerHost(lesson.preload) as host:
        ahead = grade(course, lesson, subs, host=host)
        plain = grade(course, lesson, subs, host=host, ahead=False)
        learnt = grade(course, lesson, subs, host=host)  # every path foreseen this time
    assert [key(r) for r in ahead] == [key(r) for r in plain] == [key(r) for r in learnt]
    assert ahead[0].score == ahead[0].max_score and 0 < ahead[-3].score < ahead[-3].max_score


def test_a_submission_on_a_path_seen_before_is_not_replayed(course, monkeypatch):
    """Mistakes stop checks early, so submissions take different paths through a suite; once
    a path has been seen, a job is sent ahead only what the paths agree on and waits where
    they part, so a submission on a known path never needs a fresh job to replay its calls."""
    from grader.checker.proxy import _FORECASTS, SubmissionProxy
    from grader.engine.catalog import read_catalog
    from grader.engine.grading import Submission, grade
    from grader.sandbox.host import RunnerHost

    lesson = course.lesson(LESSON)
    reference = course.reference_source(lesson)
    mistakes = [entry for entry in read_catalog(course.catalog_dir(lesson), reference)
                if entry.kind == "mistake"][:5]
    subs = [Submission("reference", reference),
            *[Submission(entry.path.name, entry.source) for entry in mistakes]]
    replays = []
    replay = SubmissionProxy._replay
    monkeypatch.setattr(SubmissionProxy, "_replay",
                        lambda self, *args: replays.append(1) or replay(self, *args))
    _FORECASTS.clear()
    with RunnerHost(lesson.preload) as host:
        first = grade(course, lesson, subs, host=host)
        learning = len(replays)
        again = grade(course, lesson, subs, host=host)
    assert learning > 0  # new paths were met (and replayed) the first time
    assert len(replays) == learning  # none the second time
    assert [r.score for r in first] == [r.score for r in again]
