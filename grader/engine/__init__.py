"""The grading engine: grade submissions in one pytest session, warm workers, class batches
(locally or on Dask), the SQLite gradebook, and ``validate``, which proves the suites."""
