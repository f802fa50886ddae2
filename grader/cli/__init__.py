"""The command lines, the top layer: thin click commands over the library. ``grader`` is the
instructor's (``instructor.py``), ``course`` the student's (``student.py``)."""
