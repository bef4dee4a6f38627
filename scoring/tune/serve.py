"""Running the tuning server: the socket bound here (so a port in use is one clear line),
uvicorn on it, Ctrl-C a clean stop."""

from __future__ import annotations

import errno
import ipaddress
import socket
import threading
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from jixiao.scoring.errors import JixiaoError

LOOPBACK = "127.0.0.1"
INSTALL = "pip install 'jixiao[tune]'"


def missing() -> str | None:
    """None when Starlette and uvicorn import, else the one line to say."""
    try:
        import starlette  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as exc:
        return f"jixiao tune needs Starlette and uvicorn ({exc.name} is not installed): {INSTALL}"
    return None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (0: a free port), or a JixiaoError saying why not."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise JixiaoError(f"--host {host}: cannot resolve it ({exc.strerror})") from None
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise JixiaoError(
                f"port {port} on {host} is in use: choose another with --port N (or --port 0 "
                "for any free port)"
            ) from None
        raise JixiaoError(f"cannot listen on {host}:{port}: {exc.strerror}") from None
    sock.set_inheritable(True)
    return sock


@dataclass
class Running:
    """A server started in a thread (tests, the benchmark): its URL and how to stop it."""

    url: str
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def url_of(sock: socket.socket, host: str, token: str) -> str:
    port = sock.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?token={token}"


def _server(app: Any, sock: socket.socket) -> Any:
    import uvicorn

    config = uvicorn.Config(
        app,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=2,
        lifespan="off",
    )
    return uvicorn.Server(config), sock


def serve(
    app: Any,
    sock: socket.socket,
    *,
    on_started: Callable[[], None] | None = None,
    open_url: str | None = None,
) -> None:
    """Serve until Ctrl-C (uvicorn's own signal handling: a graceful stop, no
    traceback); open `open_url` in the browser once the server listens."""
    server, _ = _server(app, sock)

    def started() -> None:
        while not server.started and not server.should_exit:
            threading.Event().wait(0.05)
        if server.started:
            if on_started is not None:
                on_started()
            if open_url is not None:
                webbrowser.open(open_url)

    threading.Thread(target=started, daemon=True).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:
        pass
    finally:
        sock.close()


def start_in_thread(app: Any, host: str = LOOPBACK, port: int = 0, token: str = "") -> Running:
    """Start a server on a free port in a daemon thread (no signal handlers): for tests
    and the benchmark."""
    sock = bind(host, port)
    server, _ = _server(app, sock)
    server.install_signal_handlers = lambda: None  # not the main thread
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    for _ in range(200):
        if server.started:
            break
        threading.Event().wait(0.05)
    return Running(url_of(sock, host, token), server, thread)
