"""Outputs, written from results only: standings, the CSV gradebook, Gradescope JSON, student
feedback, the class report and terminal text. Never imports the sandbox or the runner."""
