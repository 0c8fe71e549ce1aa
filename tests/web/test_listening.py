"""``chambers serve --web-workers N``: every web process listens on a socket of its own, so the
kernel spreads connections among them (with one shared socket, one process could take them all)."""
from __future__ import annotations

import os
import select
import socket
import subprocess
from multiprocessing.reduction import ForkingPickler

from chambers import listening

from ..conftest import OWN_EXAMPLES
from ..live_server import LiveServer


def test_the_placeholder_becomes_a_socket_of_each_process_own_and_never_takes_a_connection():
    placeholder = listening.placeholder("127.0.0.1", 0)
    port = placeholder.address[1]
    own = [ForkingPickler.loads(ForkingPickler.dumps(placeholder)) for _ in range(2)]   # as uvicorn hands them over
    try:
        for sock in own:
            assert type(sock) is socket.socket and sock.getsockname() == ("127.0.0.1", port)
            sock.listen(64)
        accepted = {id(sock): 0 for sock in own}
        clients = []
        for _ in range(32):
            clients.append(socket.create_connection(("127.0.0.1", port), timeout=2))
            ready, _, _ = select.select(own, [], [], 2)
            assert ready, "a connection waits on no process's socket"
            connection, _ = ready[0].accept()
            connection.close()
            accepted[id(ready[0])] += 1
        assert all(count > 0 for count in accepted.values()), accepted
    finally:
        for sock in [*own, placeholder, *clients]:
            sock.close()


def _web_processes(server_pid: int) -> list[int]:
    children = subprocess.run(["pgrep", "-P", str(server_pid)], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in children if "spawn_main" in open(f"/proc/{pid}/cmdline").read()]


def _tcp_sockets(pid: int) -> int:
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            inodes.add(target)
    return len(inodes)


def test_connections_are_spread_over_the_web_processes(tmp_path):
    server = LiveServer([OWN_EXAMPLES], tmp_path / "data", workers=1, web_workers=2, env={"CHAMBERS_CRON": "0"})
    try:
        processes = _web_processes(server.process.pid)
        assert len(processes) == 2
        before = {pid: _tcp_sockets(pid) for pid in processes}
        # All at once, as the clients of a busy server arrive: with one shared socket, the process
        # that wakes first would accept the lot.
        clients = [socket.create_connection(("127.0.0.1", server.port), timeout=10) for _ in range(16)]
        try:
            for client in clients:
                client.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            for client in clients:
                assert client.recv(12).startswith(b"HTTP/1.1 200")     # each keeps its connection open
            gained = {pid: _tcp_sockets(pid) - before[pid] for pid in processes}
        finally:
            for client in clients:
                client.close()
        assert sum(gained.values()) >= 16 and all(count > 0 for count in gained.values()), gained
    finally:
        server.stop()
