"""The course model, the bottom layer: ``course.toml`` and the folder layout, hints, the late
policy, results as data, and small file and time helpers. Imports nothing else of ours."""
