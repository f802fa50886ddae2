"""The untrusted side: a warm process that runs submissions and answers calls with data.

Nothing here imports the trusted side of the package; the only shared module is
``grader.wire``.
"""
