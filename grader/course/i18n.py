"""Every student-facing message in English and Simplified Chinese, with gettext catalogs.

Catalogs (``.po``, managed with Babel: ``scripts/i18n.sh`` extracts, updates and compiles):

- ``grader/locale/<lang>/LC_MESSAGES/grader.po``: the package's own words (the ``course``
  command line, the checks' generic diagnoses, reports);
- ``<course>/locale/<lang>/LC_MESSAGES/course.po``: the course's content that is not in a
  lesson (its name, the lessons' titles);
- ``<course>/locale/<lang>/LC_MESSAGES/<lesson>.po``: a lesson's suites (check descriptions,
  named mistakes, what a check looks at) and its hints.

English is the source language: a message id is the English text. Grading stores messages
as ``Text`` (a template and its parameters) next to their English rendering, so one result
can be shown to each student in their own language later (``render``).

The language: ``course --lang``, then ``$COURSE_LANG``, then the locale (``LC_ALL``,
``LC_MESSAGES``, ``LANG``), then the first of ``course.toml``'s ``[course] languages``.
"""

from __future__ import annotations

import functools
import gettext
import os
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

LANGUAGES = ("en", "zh")
PACKAGE_LOCALE = Path(__file__).resolve().parent.parent / "locale"
PACKAGE_DOMAIN = "grader"
COURSE_DOMAIN = "course"
CLICK_DOMAIN = "click"  # click's own words, extracted from its source
LOCALE_DIR = "locale"  # inside a course folder
# What students have of a course folder, where catalog messages come from: the exercise
# folders, the hints and the course file (grader.course.config's EXERCISES_DIR and
# COURSE_FILE, grader.course.hints' HINTS_FILE; both modules import this one).
PUBLIC_SOURCES = ("exercises", "hints.toml", "course.toml")


def N_(message: str) -> str:  # noqa: N802 - gettext's name for "mark for translation only"
    """Mark ``message`` for the catalogs without translating it here."""
    return message


@dataclass(frozen=True)
class Text:
    """A message rendered later, in whichever language the reader has: an English template
    (the message id) and its parameters (numbers, code, or other ``Text``)."""

    template: str
    params: tuple[tuple[str, Any], ...] = ()

    def render(self, language: str = "en", domains: Iterable[gettext.NullTranslations] = ()) -> str:
        catalog = list(domains) or [translations(language)]
        template = _lookup(catalog, self.template)
        if not self.params:
            return template  # a plain message: its braces (a_{k+1}) are text, not fields
        values = {key: render(value, language, catalog) for key, value in self.params}
        for candidate in (template, self.template):  # a broken translation: the English
            try:
                return candidate.format(**values)
            except (KeyError, IndexError, ValueError):
                continue
        return self.template

    def __str__(self) -> str:
        return self.render("en", [gettext.NullTranslations()])

    def to_data(self) -> dict[str, Any]:
        return {"t": self.template,
                "p": {key: value.to_data() if isinstance(value, Text) else value
                      for key, value in self.params}}

    @classmethod
    def from_data(cls, data: Any) -> Text | Any:
        if isinstance(data, dict) and "t" in data:
            return cls(str(data["t"]), tuple((k, cls.from_data(v))
                                             for k, v in dict(data.get("p", {})).items()))
        return data


def t(template: str, **params: Any) -> Text:
    """A translatable message: ``t("{what} does not match the expected value", what=...)``."""
    return Text(template, tuple(params.items()))


def render(value: Any, language: str = "en",
           domains: Iterable[gettext.NullTranslations] = ()) -> str:
    """A message for a reader of ``language``: a ``Text``, a message id, or anything else."""
    if isinstance(value, Text):
        return value.render(language, domains)
    if isinstance(value, str):
        return _lookup(list(domains) or [translations(language)], value)
    return str(value)


def says_in(value: Any, phrase: str, language: str,
            domains: Iterable[gettext.NullTranslations] = ()) -> bool | None:
    """Whether ``value``, which says ``phrase`` in English, says it in ``language`` too: the
    innermost message whose English holds the phrase has a translation. Code inside it (a
    parameter no catalog knows, such as ``torch.optim``) counts as said by the message around
    it. None when the English does not hold the phrase."""
    catalogs = list(domains) or [translations(language)]
    if phrase.lower() not in str(value).lower():  # str() of a Text is its English
        return None
    if isinstance(value, Text):
        for _key, param in value.params:
            inner = says_in(param, phrase, language, catalogs)
            if inner is not None and (inner or isinstance(param, Text)):
                return inner
        return _lookup(catalogs, value.template) != value.template
    if isinstance(value, str):
        return _lookup(catalogs, value) != value  # False for code: the message around decides
    return None


def _lookup(catalogs: list[gettext.NullTranslations], message: str) -> str:
    if not message:
        return message  # gettext answers "" with the catalog's header
    for catalog in catalogs:
        found = catalog.gettext(message)
        if found != message:
            return found
    return message


@functools.lru_cache(maxsize=64)
def translations(language: str, course_locale: str = "",
                 domains: tuple[str, ...] = ()) -> gettext.NullTranslations:
    """The catalogs for ``language``: the course's ``domains`` (most specific first), then the
    course domain, then the package's. English (or a missing catalog) translates nothing."""
    if language == "en":
        return gettext.NullTranslations()
    chain = [(course_locale, domain) for domain in (*domains, COURSE_DOMAIN) if course_locale]
    chain.append((str(PACKAGE_LOCALE), PACKAGE_DOMAIN))
    first: gettext.NullTranslations | None = None
    for folder, domain in chain:
        catalog = gettext.translation(domain, folder, languages=[language], fallback=True)
        if first is None:
            first = catalog
        elif catalog is not first:
            first.add_fallback(catalog)
    return first or gettext.NullTranslations()


def course_translations(course, language: str, lesson_id: str | None = None):
    """The chain for one course (and one of its lessons)."""
    return translations(language, str(course.root / LOCALE_DIR),
                        (lesson_id,) if lesson_id else ())


def lesson_catalogs(course, language: str, lesson_id: str) -> tuple:
    """What ``render`` takes for one lesson's words in ``language`` (nothing for English)."""
    return () if language == "en" else (course_translations(course, language, lesson_id),)


def write_public_catalogs(course, out: Path, domains: Iterable[str] | None = None,
                          languages: Iterable[str] | None = None) -> list[Path]:
    """The course's translations, compiled into ``out`` (a locale folder:
    ``out/<lang>/LC_MESSAGES/<domain>.mo``), with only the messages public files use.

    A lesson's catalog also translates its hidden suites' words (for the instructor's
    feedback files); those never leave the course: a message stays only if a public file (an
    exercise folder, ``hints.toml``, ``course.toml``) is among its sources. ``domains`` and
    ``languages`` (default: every catalog of the course) pick the catalogs. Returns the files
    written. The student release and the nbgrader export both ship catalogs this way.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    source = course.root / LOCALE_DIR
    wanted_domains = None if domains is None else set(domains)
    wanted_languages = None if languages is None else set(languages)
    written = []
    for po in sorted(source.glob("*/LC_MESSAGES/*.po")):
        language = po.relative_to(source).parts[0]
        if ((wanted_domains is not None and po.stem not in wanted_domains)
                or (wanted_languages is not None and language not in wanted_languages)):
            continue
        with po.open("rb") as handle:
            catalog = read_po(handle)
        for message in list(catalog):
            if message.id and not any(is_public_source(file) for file, _ in message.locations):
                catalog.delete(message.id, message.context)
        target = out / po.relative_to(source).with_suffix(".mo")
        target.parent.mkdir(parents=True, exist_ok=True)
        with target.open("wb") as handle:
            write_mo(handle, catalog)
        written.append(target)
    return written


def is_public_source(file: str) -> bool:
    """Whether a catalog message's source file (a path relative to the course folder) is one
    students have: an exercise folder's file, ``hints.toml`` or ``course.toml``."""
    exercises, hints, course_file = PUBLIC_SOURCES
    first = Path(file).parts[0] if Path(file).parts else ""
    return first == exercises or file in (hints, course_file)


# ---------------------------------------------------------------------- the current language

_current = {"language": "en", "catalog": None}


def use(language: str, course=None) -> None:
    """Make ``language`` the one ``_`` speaks in this process (the command lines call this)."""
    _current["language"] = language
    _current["catalog"] = course_translations(course, language) if course is not None else \
        translations(language)


def speak_to_click(language: str) -> None:
    """Let click's own words (usage errors, ``--help`` headings) follow ``language``.

    click asks gettext's global domain for them, which reads the language from
    ``$LANGUAGE``: point that domain at our ``click`` catalog. For command lines only (it
    changes the process's global gettext state).
    """
    gettext.bindtextdomain(CLICK_DOMAIN, str(PACKAGE_LOCALE))
    gettext.textdomain(CLICK_DOMAIN)
    os.environ["LANGUAGE"] = language


def current_language() -> str:
    return _current["language"]


def _(message: str) -> str:
    """``message`` in the current language."""
    catalog = _current["catalog"] or translations(_current["language"])
    return catalog.gettext(message)


def choose_language(option: str | None = None, course=None) -> str:
    """``--lang``, then $COURSE_LANG, then the locale, then the course's default."""
    for candidate in (option, os.environ.get("COURSE_LANG"), _locale_language()):
        language = normalise(candidate)
        if language:
            return language
    defaults = getattr(course, "languages", ()) or ("en",)
    return defaults[0]


def normalise(value: str | None) -> str | None:
    """``zh_CN.UTF-8`` → ``zh``; None when it is no language of ours."""
    if not value:
        return None
    code = re.split(r"[_.@-]", value.strip().lower())[0]
    return code if code in LANGUAGES else None


def _locale_language() -> str | None:
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value and value not in ("C", "POSIX") and not value.startswith("C."):
            return value
    return None


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a message (what a translation must keep)."""
    return {field for _literal, field, _spec, _conversion in string.Formatter().parse(text)
            if field}
