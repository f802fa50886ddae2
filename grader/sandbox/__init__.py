"""Trusted side of the trust boundary: how the untrusted runner is launched (the layers this
machine allows), the host that talks to it, and the self-test that proves the layers hold."""
