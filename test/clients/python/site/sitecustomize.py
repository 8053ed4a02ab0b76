"""Loaded by every Python process started with this directory on PYTHONPATH (the AWS CLI in
test_cli.py): resolves `localhost` and every `*.localhost` name to 127.0.0.1, so
virtual-hosted bucket names work without /etc/hosts or a resolver that knows them."""
import socket

_getaddrinfo = socket.getaddrinfo


def _loopback_getaddrinfo(host, *args, **kwargs):
    if isinstance(host, bytes):
        host = host.decode()
    if isinstance(host, str) and (host == "localhost" or host.endswith(".localhost")):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_getaddrinfo
