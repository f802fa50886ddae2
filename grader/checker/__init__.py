"""The trusted checker: the pytest plugin, the ``sub`` proxy and result capture."""
