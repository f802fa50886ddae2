"""Pictures that teach: the student's own functions at work, drawn with matplotlib (Agg).

The student's code runs in the runner like any check; only the numbers it returns are drawn
here. One function per lesson that has a picture.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

from grader.checker.feedback import StudentFacing
from grader.course.config import Course, Lesson
from grader.course.errors import UserError
from grader.course.files import write_atomic


class PlotError(UserError):
    """No picture could be drawn; the message says why in one line."""


def draw(course: Course, lesson: Lesson, source: bytes, host, path: Path) -> None:
    """Call the submission's functions and write the lesson's picture to ``path`` (PNG)."""
    drawer = DRAWERS.get(lesson.id)
    if drawer is None:
        with_plots = ", ".join(sorted(DRAWERS))
        raise PlotError(f"{lesson.id} has no picture; lessons with one: {with_plots}")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from grader.checker.proxy import SubmissionProxy
    from grader.engine.grading import job_limits

    helper_files = {p.name: p.read_bytes() for p in course.helper_paths(lesson)}
    proxy = SubmissionProxy(module_file=lesson.module, source=source, helper_files=helper_files,
                            host=host, limits=job_limits(course),
                            job_seconds=course.limits.job_seconds,
                            call_seconds=course.limits.call_seconds, bans=lesson.bans)
    figure, axes = plt.subplots(figsize=(7, 4.5), dpi=110)
    try:
        drawer(proxy, axes)
    except StudentFacing as exc:
        raise PlotError(exc.feedback) from None
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        raise PlotError(f"your functions returned something that cannot be drawn ({exc})") from None
    finally:
        proxy.close()
    figure.suptitle(f"{lesson.id} · {lesson.title}")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    write_atomic(Path(path), buffer.getvalue())


def _lesson2(sub, axes) -> None:
    import torch

    x = torch.linspace(-2, 2, 25, dtype=torch.float64)
    y = 1.5 * x + 0.3 * torch.sin(3 * x)
    ws = torch.linspace(-1, 4, 201, dtype=torch.float64)
    curve = torch.as_tensor(sub.loss_curve(x, y, ws))
    best = int(torch.argmin(curve))
    axes.plot(ws, curve, label="your loss_curve(x, y, ws)")
    axes.scatter([float(ws[best])], [float(curve[best])], color="crimson", zorder=3,
                 label=f"minimum at w = {float(ws[best]):.3f}")
    axes.set_xlabel("w")
    axes.set_ylabel("mean squared error")
    axes.legend()


def _lesson3(sub, axes) -> None:
    import torch

    from grader.checks import generator

    x = torch.linspace(-1, 1, 32, dtype=torch.float64)
    y = 2.0 * x + 0.1 * torch.cos(7 * x)
    runs = {
        "train_gd": sub.train_gd(x, y, 0.0, 0.1, 30),
        "train_sgd": sub.train_sgd(x, y, 0.0, 0.1, 30),
        "train_minibatch (B = 8)": sub.train_minibatch(x, y, 0.0, 0.1, 30, 8, generator(0)),
    }
    for label, (_, losses) in runs.items():
        axes.plot(range(1, len(losses) + 1), torch.as_tensor(losses), marker=".", label=label)
    axes.set_yscale("log")
    axes.set_xlabel("epoch")
    axes.set_ylabel("full-batch MSE after the epoch")
    axes.legend()


def _lesson4(sub, axes) -> None:
    import math

    import torch

    from grader.checks import source_fn

    f = source_fn("lambda x: (x * torch.cos(math.pi * x)).sum()")
    settings = sub.escape_hyperparameters()
    lr, momentum = float(settings["lr"]), float(settings["momentum"])
    x0 = torch.tensor([-0.8], dtype=torch.float64)
    grid = torch.linspace(-1, 2, 300, dtype=torch.float64)
    axes.plot(grid, grid * torch.cos(math.pi * grid), color="grey", label="f(x) = x·cos(πx)")
    for label, mu in ((f"gradient descent (lr = {lr:g})", 0.0), (f"momentum {momentum:g}", momentum)):
        path = torch.as_tensor(sub.minimize(f, x0, lr, 200, mu)).reshape(-1)
        axes.plot(path, path * torch.cos(math.pi * path), marker=".", markersize=3, label=label)
    axes.set_xlabel("x")
    axes.set_ylabel("f(x)")
    axes.legend()


def _lesson5(sub, axes) -> None:
    import torch

    x = torch.linspace(-5, 5, 201, dtype=torch.float64)
    curves = {
        "sigmoid(x)": sub.sigmoid(x),
        "sigmoid_grad(x)": sub.sigmoid_grad(x),
        "tanh_grad(x)": sub.tanh_grad(x),
        "relu_grad(x)": sub.relu_grad(x),
    }
    for label, values in curves.items():
        axes.plot(x, torch.as_tensor(values), label=label)
    axes.axhline(0.25, color="grey", linestyle=":", label="σ' peaks at 0.25")
    axes.set_xlabel("x")
    axes.legend()


DRAWERS: dict[str, Callable] = {
    "lesson2": _lesson2,
    "lesson3": _lesson3,
    "lesson4": _lesson4,
    "lesson5": _lesson5,
}
