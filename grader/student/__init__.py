"""The student's side: the workspace (fetch, progress, submit), file watching, plots of the
student's functions, and building the student release."""
