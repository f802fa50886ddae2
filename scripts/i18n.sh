#!/usr/bin/env bash
# The catalogs, managed with Babel: extract every student-facing message, update the Chinese
# catalogs (keeping their translations), and compile them. Run it after changing a message,
# then translate what it reports as missing (tests/test_i18n.py fails until every message
# has its translation with the same placeholders).
#
#   bash scripts/i18n.sh               # every catalog: extract, update, compile, report
#   bash scripts/i18n.sh lesson2       # only these domains (grader, click, course, or lesson ids)
set -euo pipefail
cd "$(dirname "$0")/.."
PYBABEL=${PYBABEL:-.venv/bin/pybabel}
LANGS=(zh)
export PYTHONPATH=$PWD

update() {  # pot, folder, domain
    for lang in "${LANGS[@]}"; do
        if [ -f "$2/$lang/LC_MESSAGES/$3.po" ]; then
            $PYBABEL -q update -i "$1" -d "$2" -D "$3" -l "$lang" --no-wrap --ignore-obsolete --no-fuzzy-matching
        else
            $PYBABEL -q init -i "$1" -d "$2" -D "$3" -l "$lang" --no-wrap
        fi
        $PYBABEL -q compile -d "$2" -D "$3" -l "$lang"
    done
}

ONLY=("$@")
chosen() { [ ${#ONLY[@]} -eq 0 ] || [[ " ${ONLY[*]} " == *" $1 "* ]]; }

# the package's own words: the course command line, the checks' diagnoses, the reports
if chosen grader; then
$PYBABEL -q extract -F scripts/babel/grader.cfg -k t -k N_ -k _ --no-wrap --sort-by-file \
    --project torch-grader-course -o grader/locale/grader.pot grader
update grader/locale/grader.pot grader/locale grader
fi

# click's own words (usage errors, --help headings), which it asks gettext's global domain for
if chosen click; then
CLICK=$(.venv/bin/python -c "import click, os; print(os.path.dirname(click.__file__))")
$PYBABEL -q extract -k _ -k ngettext:1,2 --no-wrap --no-location --sort-output \
    --project click -o grader/locale/click.pot "$CLICK"
update grader/locale/click.pot grader/locale click
fi

# the course's name and titles, then each lesson: its suites' words and its hints
mkdir -p locale
if chosen course; then
$PYBABEL -q extract -F scripts/babel/course.cfg --no-wrap --project course -o locale/course.pot course.toml
update locale/course.pot locale course
fi
for lesson in $(.venv/bin/python -c "from grader.course.config import load_course; print(' '.join(l.id for l in load_course().lessons))"); do
    chosen "$lesson" || continue
    config=$(mktemp)
    cat > "$config" <<CFG
[extractors]
suite = grader.course.i18n_extract:extract_suite
hints = grader.course.i18n_extract:extract_hints

[suite: test_*.py]
[suite: **/test_*.py]
[hints: hints.toml]
lesson = $lesson
CFG
    $PYBABEL -q extract -F "$config" --no-wrap --sort-by-file --project "$lesson" \
        -o "locale/$lesson.pot" "exercises/$lesson" "tests/hidden/$lesson" hints.toml
    rm -f "$config"
    update "locale/$lesson.pot" locale "$lesson"
done
.venv/bin/python -m grader.course.i18n_check
