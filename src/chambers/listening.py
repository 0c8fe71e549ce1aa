"""One listening socket per web process, so the kernel spreads connections evenly among them.

uvicorn's ``--workers`` binds one socket in its supervisor and every web process accepts on it.
Whichever process wakes first takes all the connections waiting, so a handful of keep-alive
connections (a page's check-ins, an API client's pool) often all land on one process while the
others idle: measured here, 8 check-in clients on 2 processes went 8:0 in about half the runs,
halving throughput.  With ``SO_REUSEPORT`` (Linux) each process listens on a socket of its own
and the kernel assigns each new connection to one of them by a hash of its addresses.

uvicorn hands each process it starts (spawned, also when it replaces one that died) a pickled
copy of the supervisor's sockets.  :class:`OwnListener` is the supervisor's placeholder: bound
with ``SO_REUSEPORT`` (so the address is checked, and kept, before any process starts) but never
listening, so no connection waits on it; unpickled in a web process it becomes that process's
own bound socket, which uvicorn then listens on.
"""
from __future__ import annotations

import socket
import sys


def balanced() -> bool:
    """Whether the kernel balances connections among ``SO_REUSEPORT`` listeners (Linux does)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def bind_reusable(host: str, port: int, *, kind: type[socket.socket] = socket.socket) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = kind(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


class OwnListener(socket.socket):
    """The supervisor's placeholder for "a socket of this process's own on host:port"."""

    address: tuple[str, int]

    def __reduce__(self):
        return bind_reusable, self.address


def placeholder(host: str, port: int) -> OwnListener:
    """Bound in the supervisor (never listening); each web process unpickles its own socket."""
    sock = bind_reusable(host, port, kind=OwnListener)
    sock.address = (host, sock.getsockname()[1])   # the port actually bound (port 0: any)
    return sock
