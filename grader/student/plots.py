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
from grader.course.i18n import _, current_language, use

CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Serif CJK SC", "WenQuanYi Zen Hei",
             "Source Han Sans SC", "SimHei")


def use_cjk_font() -> bool:
    """Draw with a font that has Chinese glyphs (Debian's fonts-noto-cjk); False if none."""
    from matplotlib import font_manager, rcParams

    found = _cjk_fonts(font_manager.fontManager)
    if not found:  # a font cache older than the fonts: look at the disk once more
        found = _cjk_fonts(font_manager._load_fontmanager(try_read_cache=False))
    if not found:
        return False
    rcParams["font.sans-serif"] = [*found, *rcParams["font.sans-serif"]]
    rcParams["axes.unicode_minus"] = False
    return True


def _cjk_fonts(manager) -> list[str]:
    installed = {font.name for font in manager.ttflist}
    return [name for name in CJK_FONTS if name in installed]


class PlotError(UserError):
    """No picture could be drawn; the message says why in one line."""


def draw(course: Course, lesson: Lesson, source: bytes, host, path: Path) -> None:
    """Call the submission's functions and write the lesson's picture to ``path`` (PNG)."""
    drawer = DRAWERS.get(lesson.id)
    if drawer is None:
        with_plots = ", ".join(sorted(DRAWERS))
        raise PlotError(_("{lesson} has no picture; lessons with one: {lessons}").format(
            lesson=lesson.id, lessons=with_plots))
    import matplotlib

    matplotlib.use("Agg")

    language = current_language()
    if language == "zh" and not use_cjk_font():
        use("en", course)  # no font with Chinese glyphs here: English labels, not boxes
    try:
        _draw(drawer, course, lesson, source, host, path)
    finally:
        use(language, course)


def _draw(drawer, course: Course, lesson: Lesson, source: bytes, host, path: Path) -> None:
    import matplotlib.pyplot as plt

    from grader.checker.proxy import SubmissionProxy
    from grader.engine.grading import job_limits

    helper_files = {p.name: p.read_bytes() for p in course.helper_paths(lesson)}
    proxy = SubmissionProxy(module_file=lesson.module, source=source, helper_files=helper_files,
                            host=host, limits=job_limits(course),
                            job_seconds=course.limits.job_seconds,
                            call_seconds=course.limits.call_seconds, bans=lesson.bans)
    figure = plt.figure(figsize=(9, 4.5), dpi=110)
    try:
        drawer(proxy, figure)
    except StudentFacing as exc:
        raise PlotError(exc.feedback) from None
    except (TypeError, ValueError, IndexError, KeyError) as exc:
        raise PlotError(_("your functions returned something that cannot be drawn ({why})")
                        .format(why=exc)) from None
    finally:
        proxy.close()
    figure.suptitle(f"{lesson.id} · {_(lesson.title)}")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plt.close(figure)
    write_atomic(Path(path), buffer.getvalue())


def _lesson2(sub, figure) -> None:
    """The loss over w, and the derivative the lesson is about: dL/dw is the loss's slope,
    zero where the loss is smallest."""
    import torch

    x = torch.linspace(-2, 2, 25, dtype=torch.float64)
    y = 1.5 * x + 0.3 * torch.sin(3 * x)
    ws = torch.linspace(-1, 4, 201, dtype=torch.float64)
    curve = torch.as_tensor(sub.loss_curve(x, y, ws))
    best = int(torch.argmin(curve))
    left, right = figure.subplots(1, 2)
    left.plot(ws, curve, label=_("your loss_curve(x, y, ws)"))
    left.scatter([float(ws[best])], [float(curve[best])], color="crimson", zorder=3,
                 label=_("smallest at w = {w}").format(w=f"{float(ws[best]):.3f}"))
    left.set_xlabel("w")
    left.set_ylabel("L(w) = mean((x·w − y)²)")
    left.set_title(_("the loss"))
    left.legend(fontsize=8)
    sample = ws[::10]
    slopes = [float(torch.as_tensor(sub.mse_grad(x, y, float(w))[0])) for w in sample]
    right.plot(sample, slopes, marker="o", markersize=3, label=_("your mse_grad: dL/dw"))
    right.plot(ws[1:-1], (curve[2:] - curve[:-2]) / (ws[2] - ws[0]), color="grey", linestyle=":",
               label=_("slope of your loss curve"))
    right.axhline(0, color="black", linewidth=0.6)
    right.axvline(float(ws[best]), color="crimson", linestyle="--", linewidth=0.8,
                  label=_("where the loss is smallest"))
    right.set_xlabel("w")
    right.set_ylabel("dL/dw")
    right.set_title(_("its derivative: zero at the minimum"))
    right.legend(fontsize=8)


def _lesson3(sub, figure) -> None:
    import torch

    from grader.checks import generator

    axes = figure.subplots()
    x = torch.linspace(-1, 1, 32, dtype=torch.float64)
    y = 2.0 * x + 0.1 * torch.cos(7 * x)
    runs = {
        "train_gd": sub.train_gd(x, y, 0.0, 0.1, 30),
        "train_sgd": sub.train_sgd(x, y, 0.0, 0.1, 30),
        "train_minibatch (B = 8)": sub.train_minibatch(x, y, 0.0, 0.1, 30, 8, generator(0)),
    }
    for label, (_w, losses) in runs.items():
        axes.plot(range(1, len(losses) + 1), torch.as_tensor(losses), marker=".", label=label)
    axes.set_yscale("log")
    axes.set_xlabel(_("epoch"))
    axes.set_ylabel(_("full-batch MSE after the epoch (log scale)"))
    axes.legend()


def _lesson4(sub, figure) -> None:
    """Each optimizer's iterates as markers on f(x), from its start to where it ends."""
    import math

    import torch

    from grader.checks import source_fn

    axes = figure.subplots()
    f = source_fn("lambda x: (x * torch.cos(math.pi * x)).sum()")
    settings = sub.escape_hyperparameters()
    lr, momentum = float(settings["lr"]), float(settings["momentum"])
    x0 = torch.tensor([-0.8], dtype=torch.float64)
    grid = torch.linspace(-1, 2, 300, dtype=torch.float64)
    axes.plot(grid, grid * torch.cos(math.pi * grid), color="grey", label="f(x) = x·cos(πx)")
    for (label, mu), colour in zip(((_("gradient descent (lr = {lr})").format(lr=f"{lr:g}"), 0.0),
                                    (_("momentum μ = {mu}").format(mu=f"{momentum:g}"), momentum)),
                                   ("tab:blue", "tab:orange"), strict=True):
        path = torch.as_tensor(sub.minimize(f, x0, lr, 200, mu)).reshape(-1)
        values = path * torch.cos(math.pi * path)
        axes.plot(path, values, linestyle="none", marker="o", markersize=3, alpha=0.5,
                  color=colour, label=_("{label}: iterates").format(label=label))
        axes.plot([float(path[-1])], [float(values[-1])], marker="*", markersize=14,
                  color=colour, linestyle="none",
                  label=_("{label}: ends at x = {x}").format(label=label, x=f"{float(path[-1]):.3f}"))
    axes.plot([-0.8], [-0.8 * math.cos(-0.8 * math.pi)], marker="s", markersize=9, color="black",
              linestyle="none", label=_("start x₀ = −0.8"))
    axes.set_xlabel("x")
    axes.set_ylabel("f(x)")
    axes.legend(fontsize=7)


def _lesson5(sub, figure) -> None:
    import torch

    left, right = figure.subplots(1, 2)
    x = torch.linspace(-5, 5, 201, dtype=torch.float64)
    left.plot(x, torch.as_tensor(sub.sigmoid(x)), label="sigmoid(x)")
    left.plot(x, torch.as_tensor(sub.sigmoid_grad(x)), label="sigmoid_grad(x)")
    left.plot(x, torch.as_tensor(sub.tanh_grad(x)), label="tanh_grad(x)")
    left.axhline(0.25, color="grey", linestyle=":", label=_("σ' peaks at 0.25"))
    left.set_xlabel("x")
    left.set_ylabel(_("value"))
    left.legend(fontsize=8)
    # relu' jumps at 0: two pieces and the value at 0 itself, no vertical line between them
    negative, positive = x[x < 0], x[x > 0]
    right.plot(negative, torch.as_tensor(sub.relu_grad(negative)), color="tab:red",
               label="relu_grad(x), x < 0")
    right.plot(positive, torch.as_tensor(sub.relu_grad(positive)), color="tab:green",
               label="relu_grad(x), x > 0")
    at_zero = float(torch.as_tensor(sub.relu_grad(torch.zeros(1, dtype=torch.float64)))[0])
    right.plot([0.0], [at_zero], marker="o", color="black", linestyle="none",
               label=f"relu_grad(0) = {at_zero:g}")
    right.set_xlabel("x")
    right.set_ylabel("relu'(x)")
    right.set_ylim(-0.2, 1.2)
    right.legend(fontsize=8)


DRAWERS: dict[str, Callable] = {
    "lesson2": _lesson2,
    "lesson3": _lesson3,
    "lesson4": _lesson4,
    "lesson5": _lesson5,
}
