"""Auto-graded PyTorch fundamentals course: grading engine and command lines."""

__version__ = "0.1.0"
