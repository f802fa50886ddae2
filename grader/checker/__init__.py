"""Trusted side: the pytest plugin, the ``sub`` proxy, feedback exceptions and diagnosis.
Verdicts are decided here; student code never runs in this process."""
