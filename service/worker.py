"""The gunicorn worker class: gthread, with bounded client reads and FHIR errors of its own.

gunicorn's sync workers give each connection a whole process: five clients that send a few bytes
and stall hold every worker until they give up, and nothing is kept alive. This worker is
gunicorn's threaded worker (``gthread``: a thread pool per process, idle and kept-alive
connections wait in a selector without holding a thread) with three additions:

- **Bounded reads.** A client has ``NEUROROOT_CLIENT_TIMEOUT`` seconds in all to send the request
  line and headers (a slow-loris that sends a byte now and then is cut at that time too, not
  just one that goes silent), then ``NEUROROOT_BODY_TIMEOUT`` seconds in all for the body, and
  may never pause longer than ``NEUROROOT_CLIENT_TIMEOUT`` while sending the body or reading the
  answer. Late headers are answered 408 by the worker; a late body is a 408 from the app
  (:mod:`service.fhir.read.body`), which reads it.
- **FHIR errors.** What gunicorn answers itself, before the app sees a request (request line
  too long 414, headers too large or too many 431, malformed request 400, an unsupported
  transfer coding 501, late headers 408), is an OperationOutcome in FHIR JSON, not gunicorn's
  HTML page. The log line names the error class and the status, never the request line, which
  may hold patient references in its query.
- **No Server header.** gunicorn's ``Server: gunicorn`` is not sent.

Worker time-out under gthread: the arbiter replaces a worker whose main loop stops answering
(``NEUROROOT_REQUEST_TIMEOUT``); a request that merely runs long in a thread is not cut. When a
worker is replaced, its open connections are closed without an answer (there is nothing left
to write one); clients see a closed connection and may retry.

This module is coupled to gunicorn's gthread internals (``TConn``, the parser's socket
unreader), hence the gunicorn 27 pin in pyproject.toml; tests/test_serving.py drives it.
"""

from __future__ import annotations

import contextlib
import errno
import queue
import selectors
import socket
import threading
import time
import typing as t
import uuid

import orjson
from gunicorn import util
from gunicorn.http import errors as gerrors
from gunicorn.http import wsgi
from gunicorn.workers import gthread

from .config import DEFAULTS, from_environment

__all__ = ["ClientSocket", "HeadTimeout", "ThreadWorker", "error_response"]


class HeadTimeout(Exception):  # noqa: N818 (gunicorn's parse errors are named alike)
    """The client did not send the request line and headers in time (answered 408)."""


class ClientSocket:
    """The socket gunicorn's parser reads from, with the current request's read deadline.

    Only ``recv`` differs; everything else goes to the socket. Before the headers are in, a late
    read raises :class:`HeadTimeout` (not an OSError, so that gunicorn hands it to
    :meth:`ThreadWorker.handle_error`); in the body, a :class:`TimeoutError`, which the app
    turns into a 408.
    """

    __slots__ = ("_deadline", "_head", "_sock")

    def __init__(self, sock: t.Any) -> None:
        self._sock = sock
        self._deadline: float | None = None
        self._head = True

    def start(self, seconds: float, *, head: bool) -> None:
        """Start the head (or body) of a request: it must arrive within *seconds*."""
        self._deadline = time.monotonic() + seconds
        self._head = head

    def _expired(self) -> Exception:
        if self._head:
            return HeadTimeout("request line and headers not received in time")
        return TimeoutError("request body not received in time")

    def recv(self, size: int) -> bytes:
        if self._deadline is None:
            return t.cast(bytes, self._sock.recv(size))
        remaining = self._deadline - time.monotonic()
        if remaining <= 0:
            raise self._expired()
        prior = self._sock.gettimeout()
        try:
            if prior is None or remaining < prior:
                self._sock.settimeout(remaining)
                try:
                    return t.cast(bytes, self._sock.recv(size))
                finally:
                    self._sock.settimeout(prior)
            return t.cast(bytes, self._sock.recv(size))
        except TimeoutError:
            raise self._expired() from None

    def __getattr__(self, name: str) -> t.Any:
        return getattr(self._sock, name)


class LingeringCloser:
    """Closes connections the way RFC 9112 section 9.6 asks, without blocking anyone.

    gthread closes a finished connection on the worker's main thread, and a graceful close
    lingers there for up to 2 s per connection, reading until the client closes its side: a
    few stalled clients cut by a time-out froze the main loop (no new connections accepted, no
    heartbeat) for 2 s each. Here the write side is shut at once (the client sees the end of
    the answer) and one thread per worker drains and closes the sockets, all at once.
    """

    def __init__(self, linger: float = 2.0, max_drain: int = 65536) -> None:
        self.linger = linger
        self.max_drain = max_drain
        self._incoming: queue.SimpleQueue[socket.socket] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="neuroroot-closer", daemon=True)
        self._thread.start()

    def close(self, sock: socket.socket) -> None:
        """Shut the write side of *sock* now; read what the client still sends, then close."""
        try:
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            sock.close()
            return
        self._incoming.put(sock)

    def _run(self) -> None:
        selector = selectors.DefaultSelector()
        open_: dict[socket.socket, list[float]] = {}  # socket -> [deadline, bytes drained]

        def finish(sock: socket.socket) -> None:
            selector.unregister(sock)
            del open_[sock]
            with contextlib.suppress(OSError):
                sock.close()

        while True:
            try:
                while True:
                    # wait for work when idle; otherwise take what is queued
                    sock = self._incoming.get_nowait() if open_ else self._incoming.get()
                    sock.setblocking(False)
                    selector.register(sock, selectors.EVENT_READ)
                    open_[sock] = [time.monotonic() + self.linger, 0.0]
            except queue.Empty:
                pass
            for key, _ in selector.select(0.05):
                sock = t.cast(socket.socket, key.fileobj)
                try:
                    data = sock.recv(65536)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                open_[sock][1] += len(data)
                if not data or open_[sock][1] >= self.max_drain:
                    finish(sock)
            now = time.monotonic()
            for sock in [s for s, (deadline, _) in open_.items() if deadline <= now]:
                finish(sock)


class _Conn(gthread.TConn):  # type: ignore[misc]
    """A gthread connection whose parser reads through a :class:`ClientSocket` and whose
    graceful close goes to the :class:`LingeringCloser`."""

    head_seconds = 10.0
    closer: LingeringCloser | None = None

    def close(self, graceful: bool = False) -> None:
        if graceful and self.closer is not None:
            self.closer.close(self.sock)
        else:
            super().close(graceful=graceful)

    def init(self) -> None:
        super().init()  # once per connection; this method runs before every request
        unreader = getattr(self.parser, "unreader", None)
        if unreader is None or not hasattr(unreader, "sock"):
            return  # HTTP/2 (not enabled here)
        if not isinstance(unreader.sock, ClientSocket):
            unreader.sock = ClientSocket(unreader.sock)
        unreader.sock.start(self.head_seconds, head=True)


#: gunicorn's own errors -> (status, reason, diagnostics, FHIR issue type, expression).
_ERRORS: tuple[
    tuple[type[BaseException] | tuple[type[BaseException], ...], int, str, str, str, str | None],
    ...,
] = (
    (
        HeadTimeout,
        408,
        "Request Timeout",
        "the request line and headers did not arrive in time (NEUROROOT_CLIENT_TIMEOUT)",
        "timeout",
        None,
    ),
    (
        gerrors.LimitRequestLine,
        414,
        "URI Too Long",
        "the request line (method, path and query) is longer than this server accepts "
        "({limit_request_line} bytes)",
        "too-costly",
        "http.url",
    ),
    (
        gerrors.LimitRequestHeaders,
        431,
        "Request Header Fields Too Large",
        "too many request headers, or one is too large (at most {limit_request_fields} headers of "
        "{limit_request_field_size} bytes)",
        "too-costly",
        "http.headers",
    ),
    (
        gerrors.UnsupportedTransferCoding,
        501,
        "Not Implemented",
        "the Transfer-Encoding is not supported (chunked only)",
        "not-supported",
        "http.Transfer-Encoding",
    ),
    (
        gerrors.ExpectationFailed,
        417,
        "Expectation Failed",
        "the Expect header is not supported (100-continue only)",
        "not-supported",
        "http.Expect",
    ),
    (
        (gerrors.InvalidChunkSize, gerrors.ChunkMissingTerminator, gerrors.InvalidChunkExtension),
        400,
        "Bad Request",
        "the chunked request body is malformed",
        "structure",
        "http.body",
    ),
    (
        (gerrors.InvalidHeader, gerrors.InvalidHeaderName, gerrors.ObsoleteFolding),
        400,
        "Bad Request",
        "a request header is malformed",
        "structure",
        "http.headers",
    ),
    (gerrors.ForbiddenProxyRequest, 403, "Forbidden", "request forbidden", "forbidden", None),
    (
        gerrors.ParseException,
        400,
        "Bad Request",
        "the request is not valid HTTP/1.1 (request line, method or version)",
        "structure",
        None,
    ),
)


def error_response(exc: BaseException, cfg: t.Any) -> tuple[int, bytes]:
    """The status and the whole HTTP response (head and OperationOutcome) for *exc*.

    Exceptions that are not a client's fault (gunicorn's own, a bug) are a 500 that says nothing
    about internals.
    """
    status, reason, message, code, expression = (
        500,
        "Internal Server Error",
        "internal error; the request was not processed (see the server log)",
        "exception",
        None,
    )
    client_fault = not isinstance(
        exc, (gerrors.InvalidResponseHeader, gerrors.InvalidResponseHeaderName)
    )
    for kinds, *row in _ERRORS:
        if client_fault and isinstance(exc, kinds):
            status, reason, message, code, expression = row  # type: ignore[assignment]
            break
    message = message.format(
        limit_request_line=getattr(cfg, "limit_request_line", "?"),
        limit_request_fields=getattr(cfg, "limit_request_fields", "?"),
        limit_request_field_size=getattr(cfg, "limit_request_field_size", "?"),
    )
    issue: dict[str, t.Any] = {
        "severity": "error" if status < 500 else "fatal",
        "code": code,
        "diagnostics": message,
    }
    if expression:
        issue["expression"] = [expression]
    body = orjson.dumps({"resourceType": "OperationOutcome", "issue": [issue]})
    head = (
        f"HTTP/1.1 {status} {reason}\r\n"
        "Connection: close\r\n"
        "Content-Type: application/fhir+json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "X-Content-Type-Options: nosniff\r\n"
        "Cache-Control: no-store\r\n"
        f"X-Request-ID: {uuid.uuid4()}\r\n"
        f"Date: {util.http_date()}\r\n"
        "\r\n"
    )
    return status, head.encode("latin-1") + body


def _without_server(headers: list[str]) -> list[str]:
    return [line for line in headers if not line.startswith("Server:")]


_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self: wsgi.Response) -> list[str]:
    return _without_server(_default_headers(self))


class ThreadWorker(gthread.ThreadWorker):  # type: ignore[misc]
    """gunicorn's gthread worker with bounded client reads and OperationOutcome errors."""

    def init_process(self) -> None:
        config = {**DEFAULTS, **from_environment()}
        self.client_seconds = float(config["CLIENT_TIMEOUT"])
        self.body_seconds = float(config["BODY_TIMEOUT"])
        # gunicorn writes "Server: gunicorn" on every answer; this process sends none.
        wsgi.Response.default_headers = _default_headers_without_server
        _Conn.closer = LingeringCloser()
        super().init_process()

    # -- a worker whose threads are all busy leaves new connections to the other workers --------
    # gthread accepts up to worker_connections (1,000) connections and queues their requests
    # behind busy threads: a worker whose threads are held by slow clients would still take
    # new connections and keep them waiting. Here a worker stops listening while every thread
    # is busy and listens again when one is free; the kernel hands new connections to the
    # others meanwhile. (All of this runs on the worker's main thread.)

    busy = 0

    def enqueue_req(self, conn: t.Any) -> None:
        self.busy += 1
        super().enqueue_req(conn)
        if self.busy >= self.cfg.threads and self._accepting:
            super().set_accept_enabled(False)

    def finish_request(self, conn: t.Any, fs: t.Any) -> None:
        self.busy -= 1
        super().finish_request(conn, fs)

    def set_accept_enabled(self, enabled: bool) -> None:
        super().set_accept_enabled(enabled and self.busy < self.cfg.threads)

    def accept(self, listener: t.Any) -> None:
        """gthread's accept, making a :class:`_Conn`."""
        try:
            client_sock, client_addr = listener.accept()
        except OSError as error:
            if error.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        client_sock.setblocking(True)
        conn = _Conn(self.cfg, client_sock, client_addr, listener.getsockname())
        conn.head_seconds = self.client_seconds
        self.enqueue_req(conn)

    def handle_request(self, req: t.Any, conn: t.Any) -> bool:
        """The headers are in: the body gets its own deadline, and no pause is longer than
        the client time-out (sending the answer included)."""
        sock = getattr(getattr(conn.parser, "unreader", None), "sock", None)
        if isinstance(sock, ClientSocket):
            sock.start(self.body_seconds, head=False)
            conn.sock.settimeout(self.client_seconds)
        return bool(super().handle_request(req, conn))

    def handle_error(self, req: t.Any, client: t.Any, addr: t.Any, exc: BaseException) -> None:
        """gunicorn's own answers (bad request line, headers, time-outs) as OperationOutcomes."""
        status, response = error_response(exc, self.cfg)
        ip = (addr or ("",))[0] if isinstance(addr, tuple) else ""
        if status >= 500:
            from .logs import safe_traceback

            self.log.error(
                "error handling a request: %s (%d)\n%s",
                type(exc).__name__,
                status,
                safe_traceback(exc),
            )
        else:
            # the class and the status only: the request line may hold patient references
            self.log.warning("invalid request from ip=%s: %s (%d)", ip, type(exc).__name__, status)
        try:
            util.write_nonblock(client, response)
        except Exception:  # noqa: BLE001 (the client is gone: nothing to answer)
            self.log.debug("failed to send the error answer")
