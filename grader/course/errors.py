"""The one base class for problems a user can fix, each explained in one line.

The command lines turn any ``UserError`` into that line and its ``exit_code`` (1 unless a
subclass says otherwise), so no command repeats ``except SomeError: raise ClickException``.
"""


class UserError(Exception):
    """Something the instructor or student can fix; ``str()`` says what and how."""

    exit_code = 1
