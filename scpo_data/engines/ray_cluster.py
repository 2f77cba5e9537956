"""Joining (or starting) the Ray cluster of a run, with one-line errors for what goes wrong.

Ray is imported here, only when ``--engine ray`` is used. An address is probed with a
plain TCP connection first, and Ray's own retries to join are cut to
:data:`JOIN_TIMEOUT` seconds (``RAY_gcs_server_port_wait_time_s`` overrides it), so an
unreachable cluster fails in seconds, in one line (Ray's C++ retry warnings are muted
while it joins); unhandled errors of units left running when a run stops are not
printed. And the replicas' CPU and GPU requests are checked against the
cluster's nodes before any actor is made, because Ray would otherwise wait forever for
resources that never come.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
import socket
from types import ModuleType

from scpo_data.errors import ScpoError

#: Seconds to wait for a TCP connection to the cluster's address.
CONNECT_TIMEOUT = 3.0
#: Ray Client's default port (``ray://HOST`` without a port).
CLIENT_PORT = 10001
#: The GCS default port (``HOST`` without a port).
GCS_PORT = 6379
#: Seconds Ray keeps trying to join a cluster whose port answers (Ray's default: about 20).
JOIN_TIMEOUT = 5


def import_ray() -> ModuleType:
    """The ``ray`` module.

    Raises:
        ScpoError: When Ray is not installed.
    """
    try:
        import ray
    except ImportError:
        raise ScpoError('--engine ray needs Ray: pip install "scpo-data[ray]"') from None
    return ray


def connect(address: str | None) -> bool:
    """Join the cluster at ``address`` (``auto``, ``HOST:PORT``, ``ray://HOST:PORT``), or
    start a local one when it is None; a process already connected stays on its cluster.

    Returns:
        Whether this call connected (so the caller disconnects when done).

    Raises:
        ScpoError: When Ray is missing or the cluster cannot be reached.
    """
    ray = import_ray()
    if ray.is_initialized():
        return False
    os.environ.setdefault("RAY_IGNORE_UNHANDLED_ERRORS", "1")
    if address is not None:
        os.environ.setdefault("RAY_gcs_server_port_wait_time_s", str(JOIN_TIMEOUT))
    if address not in (None, "auto"):
        probe(address)
    try:
        with stderr_muted(), _sigterm_kept():
            ray.init(address=address, logging_level=logging.ERROR, log_to_driver=False,
                     include_dashboard=False if address is None else None)
    except (ConnectionError, RuntimeError, TimeoutError, ValueError) as exc:
        where = "a local Ray cluster" if address is None else f"the Ray cluster at {address}"
        if "InvalidAuthToken" in _chain_text(exc):
            raise ScpoError(f"{where} wants its auth token: export RAY_AUTH_MODE=token (the token is read "
                            "from RAY_AUTH_TOKEN or ~/.ray/auth_token)") from None
        raise ScpoError(f"cannot reach {where}: {first_line(exc)}") from None
    return True


@contextmanager
def stderr_muted() -> Iterator[None]:
    """Send file descriptor 2 to /dev/null: Ray's C++ core logs its connection retries and,
    when replicas are stopped mid-unit, the errors it cannot deliver there; the run
    reports a failure in one line of its own."""
    saved = os.dup(2)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


@contextmanager
def _sigterm_kept() -> Iterator[None]:
    """Put the SIGTERM handler back after ``ray.init`` replaced it (Ray's exits at once), so
    a terminated run still unwinds, exits 143 and says how to resume; Ray's exit hooks
    still stop a local cluster it started."""
    handler = signal.getsignal(signal.SIGTERM)
    try:
        yield
    finally:
        if handler is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, handler)


def probe(address: str) -> None:
    """Open (and close) a TCP connection to the cluster's address.

    Raises:
        ScpoError: When nothing answers within :data:`CONNECT_TIMEOUT` seconds.
    """
    rest = address.removeprefix("ray://")
    host, colon, port = rest.rpartition(":")
    if not colon:
        host, port = rest, ""
    try:
        number = int(port) if port else (CLIENT_PORT if address.startswith("ray://") else GCS_PORT)
    except ValueError:
        raise ScpoError(f"--ray-address {address}: the port is not a number") from None
    try:
        socket.create_connection((host, number), timeout=CONNECT_TIMEOUT).close()
    except OSError as exc:
        raise ScpoError(f"cannot reach the Ray cluster at {address}: {exc.strerror or exc} "
                        f"(no answer from {host}:{number})") from None


def check_resources(replicas: int, cpus: float, gpus: float) -> None:
    """Check that the live nodes can hold ``replicas`` actors of ``cpus`` CPUs and ``gpus`` GPUs.

    Raises:
        ScpoError: When no node has room for one replica, or all nodes together not for all.
    """
    ray = import_ray()
    nodes = [node["Resources"] for node in ray.nodes() if node.get("Alive")]
    for name, want in (("GPU", gpus), ("CPU", cpus)):
        if want <= 0:
            continue
        largest = max((node.get(name, 0.0) for node in nodes), default=0.0)
        total = sum(node.get(name, 0.0) for node in nodes)
        option = f"--{name.lower()}s-per-replica {want:g}"
        if largest < want:
            raise ScpoError(f"{option}: no node of the Ray cluster has {want:g} {name}s "
                            f"(largest: {largest:g}, cluster: {total:g})")
        fits = sum(int(node.get(name, 0.0) // want) for node in nodes)
        if fits < replicas:
            raise ScpoError(f"--replicas {replicas} x {option}: the Ray cluster holds only {fits} "
                            f"such replicas ({total:g} {name}s)")


def disconnect() -> None:
    """Leave the cluster (a local cluster started by :func:`connect` stops)."""
    import_ray().shutdown()


def _chain_text(exc: BaseException | None) -> str:
    """The messages of an exception and of all its causes."""
    text = ""
    while exc is not None:
        text += str(exc) + "\n"
        exc = exc.__cause__ or exc.__context__
    return text


def first_line(exc: BaseException) -> str:
    """An exception's message, first line only (its type name when it has none)."""
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]
