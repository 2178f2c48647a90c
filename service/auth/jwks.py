"""A JWK Set fetched from a URL, with every cost bounded (no PyJWKClient: it bounds none of them).

A key host that is slow, huge, broken or down must not stall the service, fill its memory or
lock clients out. So:

- **https only**, except for a loopback host (``127.0.0.0/8``, ``::1``, ``localhost``): a key set
  fetched in clear over a network can be swapped by anyone on the path. Checked at start
  (:func:`check_url`), so a bad URL stops the service with one line naming the setting.
- **a total deadline** (``NEUROROOT_AUTH_JWKS_TIMEOUT`` seconds) on one fetch, connect, headers
  and body together, not a per-read time-out: a host dripping a byte every few seconds is cut
  at the deadline (a watchdog shuts the socket down).
- **a size cap** (``NEUROROOT_AUTH_JWKS_MAX_BYTES``): the body is read in chunks and the fetch
  fails as soon as it is larger (or announces a larger ``Content-Length``).
- **a cooldown** (``NEUROROOT_AUTH_JWKS_COOLDOWN`` seconds) after a failed fetch: no new attempt
  until it ends, so requests do not queue behind a dead host; and the same interval between
  refreshes triggered by a token with an unknown ``kid`` (such tokens are free to mint, so they
  must not each cost a fetch).
- **one fetch at a time** per process; a request that finds a fetch running uses the cached
  keys when there are any, else waits for that fetch (at most its deadline).
- **serve stale on error**: the keys are refreshed every :data:`CACHE_SECONDS`; when a refresh
  fails, the last good keys keep being used for up to :data:`MAX_STALE_SECONDS`, with a warning
  in the log. Without any good keys, the answer is 503 (``Retry-After``), never a 500.

A body that is not JSON, not a JWK Set or without any usable key counts as a failed fetch.
"""

from __future__ import annotations

import contextlib
import http.client
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
import typing as t
from urllib.parse import urlsplit

import jwt

from ..config import ConfigError
from ..errors import StoreUnavailable

__all__ = [
    "CACHE_SECONDS",
    "MAX_STALE_SECONDS",
    "FetchFailed",
    "KeysUnavailable",
    "UrlKeys",
    "bounded_get",
    "check_url",
    "is_loopback",
]

logger = logging.getLogger(__name__)

#: seconds the fetched keys are used before they are refreshed (when nothing forces it earlier).
CACHE_SECONDS = 300
#: how long the last good keys keep being used while every refresh fails (one day).
MAX_STALE_SECONDS = 24 * 3600
_CHUNK = 64 * 1024


class KeysUnavailable(StoreUnavailable):
    """No usable key set: tokens cannot be checked for now (503, Retry-After)."""


class FetchFailed(Exception):
    """One fetch of the key set failed; the message names why (never any key or token data)."""


def is_loopback(host: str | None) -> bool:
    """True for ``localhost`` and loopback addresses (127.0.0.0/8, ::1)."""
    if not host:
        return False
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(url: str, setting: str = "NEUROROOT_AUTH_JWKS") -> None:
    """Refuse a key-set URL that is not https (or http to a loopback host).

    :raise ConfigError: naming *setting*.
    """
    parts = urlsplit(url)
    if not parts.hostname:
        raise ConfigError(f"{setting}: {url!r} is not a URL with a host")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{setting}: {url!r} is plain http; the key set must be fetched over "
            "https (http is allowed only for a loopback host such as 127.0.0.1)"
        )


def _fetch(
    url: str,
    deadline: float,
    max_bytes: int,
    context: ssl.SSLContext | None,
    headers: t.Mapping[str, str] | None = None,
) -> bytes:
    """The body of ``GET url``, within *deadline* seconds in total and *max_bytes* at most.

    :param headers: request headers (default: ``Accept: application/json``). Also used by the
        CDS Hooks services to fetch from an EHR's FHIR server (:mod:`service.cds.fetch`).
    """
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    end = time.monotonic() + deadline
    connection: http.client.HTTPConnection
    if parts.scheme == "https":
        connection = http.client.HTTPSConnection(
            parts.hostname or "", parts.port, timeout=deadline, context=context
        )
    else:
        connection = http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=deadline)
    timer: threading.Timer | None = None
    try:
        connection.connect()
        sock = connection.sock

        def cut() -> None:  # the total deadline: wake up a read blocked on a dripping host
            with contextlib.suppress(OSError):
                socket.socket.shutdown(sock, socket.SHUT_RDWR)

        timer = threading.Timer(max(end - time.monotonic(), 0.0), cut)
        timer.daemon = True
        timer.start()
        connection.request("GET", path, headers=dict(headers or {"Accept": "application/json"}))
        response = connection.getresponse()
        if response.status != 200:
            raise FetchFailed(f"HTTP {response.status}")
        announced = response.getheader("Content-Length")
        if announced and announced.isdigit() and int(announced) > max_bytes:
            raise FetchFailed(f"Content-Length over {max_bytes} bytes")
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = response.read1(_CHUNK)
            if time.monotonic() > end:
                raise FetchFailed(f"no complete answer within {deadline:g} s")
            if not chunk:
                break
            size += len(chunk)
            if size > max_bytes:
                raise FetchFailed(f"larger than {max_bytes} bytes")
            chunks.append(chunk)
        if time.monotonic() > end:
            raise FetchFailed(f"no complete answer within {deadline:g} s")
        return b"".join(chunks)
    except FetchFailed:
        raise
    except (OSError, http.client.HTTPException, ValueError) as exc:
        if time.monotonic() >= end:
            raise FetchFailed(f"no complete answer within {deadline:g} s") from exc
        raise FetchFailed(type(exc).__name__) from exc
    finally:
        if timer is not None:
            timer.cancel()
        connection.close()


#: the public name of the bounded GET (total deadline, size cap), for other modules.
bounded_get = _fetch


def _parse(body: bytes, usable: t.Callable[[jwt.PyJWK], bool]) -> dict[str, jwt.PyJWK]:
    try:
        document = json.loads(body)
    except ValueError as exc:
        raise FetchFailed("not JSON") from exc
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise FetchFailed("not a JWK Set (an object with a 'keys' array)")
    if any(isinstance(k, dict) and "d" in k for k in document["keys"]):
        raise FetchFailed("the JWK Set holds a private key")
    try:
        found = jwt.PyJWKSet.from_dict(document)
    except jwt.PyJWTError as exc:
        raise FetchFailed("no usable key") from exc
    # t.cast: usable keys have a kid (tokens._usable), the name a token asks for
    keys = {t.cast(str, k.key_id): k for k in found if usable(k)}
    if not keys:
        raise FetchFailed("no usable key")
    return keys


class UrlKeys:
    """The key set at *url*, fetched on first use and kept under the rules of the module doc.

    :param usable: which keys of the set may verify tokens.
    :param timeout: the total deadline of one fetch, in seconds.
    :param max_bytes: the largest key-set body accepted.
    :param cooldown: seconds without a fetch after a failure, and between kid-driven refreshes.
    :param context: the TLS context for https (None: the system's default trust store).
    """

    def __init__(
        self,
        url: str,
        usable: t.Callable[[jwt.PyJWK], bool],
        *,
        timeout: float,
        max_bytes: int,
        cooldown: float,
        context: ssl.SSLContext | None = None,
        setting: str = "NEUROROOT_AUTH_JWKS",
    ) -> None:
        check_url(url, setting)
        self.url, self._usable = url, usable
        self.timeout, self.max_bytes, self.cooldown = timeout, max_bytes, cooldown
        self._context = context
        self._keys: dict[str, jwt.PyJWK] | None = None
        self._fetched_at = -float("inf")  # when the keys above were fetched (monotonic)
        self._attempted_at = -float("inf")  # when the last fetch started
        self._failed_at = -float("inf")  # when the last fetch failed
        self._fetching = threading.Lock()
        #: how many fetches were started (for tests and operators' curiosity).
        self.fetches = 0

    def _may_fetch(self, now: float, kid: str) -> bool:
        if now - self._failed_at < self.cooldown:
            return False
        if self._keys is None or now - self._fetched_at >= CACHE_SECONDS:
            return True
        # the keys are fresh: a kid they lack refreshes them, at most once per cooldown
        return kid not in self._keys and now - self._attempted_at >= self.cooldown

    def _cached(self, now: float, kid: str) -> jwt.PyJWK | None:
        """The cached key for *kid* (stale ones within MAX_STALE_SECONDS), or 503 without any."""
        if self._keys is None or now - self._fetched_at > MAX_STALE_SECONDS:
            raise KeysUnavailable(
                "the key set that signs bearer tokens cannot be fetched; retry later"
            )
        return self._keys.get(kid)

    def key(self, kid: str) -> jwt.PyJWK | None:
        """The key named *kid*, or None when the key set has none by that name.

        :raise KeysUnavailable: when no good key set has been fetched (or it is too old).
        """
        now = time.monotonic()
        if not self._may_fetch(now, kid):
            return self._cached(now, kid)
        got = (
            self._fetching.acquire(timeout=self.timeout + 1)
            if self._keys is None
            else self._fetching.acquire(blocking=False)
        )
        if not got:
            return self._cached(now, kid)  # another request is fetching: use what we have
        try:
            now = time.monotonic()
            if self._may_fetch(now, kid):  # the fetch we waited for may have done it
                self._refresh(now)
            return self._cached(time.monotonic(), kid)
        finally:
            self._fetching.release()

    def _refresh(self, now: float) -> None:
        self._attempted_at = now
        self.fetches += 1
        try:
            keys = _parse(
                _fetch(self.url, self.timeout, self.max_bytes, self._context), self._usable
            )
        except FetchFailed as exc:
            self._failed_at = time.monotonic()
            stale = "; using the keys fetched before" if self._keys is not None else ""
            logger.warning(
                "JWK Set fetch failed (%s)%s; next attempt in %g s", exc, stale, self.cooldown
            )
            return
        self._keys, self._fetched_at = keys, time.monotonic()
