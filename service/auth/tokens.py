"""Bearer JWTs: the JWK Set (a file or a URL), and the checks every token must pass.

Only RS256 and ES256 are accepted (never ``none`` or an HMAC algorithm: RFC 8725 2.1), with the
key named by the token's ``kid`` in a JWK Set of public keys (RSA keys of 2048 bits or more). A
file is read and checked when the app starts, so a bad one stops it; a URL is fetched on first
use by PyJWT's ``PyJWKClient``, which caches the set and refetches it for an unknown ``kid``.
``exp`` is required, ``iss`` and ``aud`` must match the settings, and clocks may differ by
:data:`LEEWAY_SECONDS`. Every failure becomes the same :class:`~service.errors.Unauthorized`;
only the exception's class name is logged, never the token.
"""

from __future__ import annotations

import json
import logging
import typing as t
from pathlib import Path
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ..config import ConfigError
from ..errors import StoreUnavailable, Unauthorized

__all__ = [
    "ALGORITHMS",
    "INVALID",
    "LEEWAY_SECONDS",
    "KeysUnavailable",
    "Verifier",
    "load_verifier",
]

logger = logging.getLogger(__name__)

ALGORITHMS: tuple[str, ...] = ("RS256", "ES256")
LEEWAY_SECONDS = 30
JWKS_CACHE_SECONDS = 300
JWKS_TIMEOUT_SECONDS = 5
INVALID = "invalid or expired bearer token"


class KeysUnavailable(StoreUnavailable):
    """The JWK Set URL does not answer: tokens cannot be checked for now (503, Retry-After)."""


def _usable(key: jwt.PyJWK) -> bool:
    """A public signing key with a ``kid`` for one of :data:`ALGORITHMS` (RSA: 2048+ bits)."""
    public = key.key
    strong = (isinstance(public, RSAPublicKey) and public.key_size >= 2048) or isinstance(
        public, EllipticCurvePublicKey
    )
    return (
        bool(key.key_id)
        and key.algorithm_name in ALGORITHMS
        and key.public_key_use in (None, "sig")
        and strong
    )


class _FileKeys:
    """The JWK Set in a file, read and checked once at start (rotate keys by restarting)."""

    def __init__(self, path: str):
        where = f"NEUROROOT_AUTH_JWKS: {path}"
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read the JWK Set ({exc.strerror or exc})") from exc
        except ValueError as exc:
            raise ConfigError(f"{where}: the JWK Set is not JSON") from exc
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ConfigError(f"{where}: not a JWK Set (an object with a 'keys' array)")
        if any(isinstance(k, dict) and "d" in k for k in document["keys"]):
            raise ConfigError(f"{where}: the JWK Set holds a private key; publish public keys only")
        unusable = f"{where}: no usable public signing key with a kid for {' or '.join(ALGORITHMS)}"
        try:
            keys = jwt.PyJWKSet.from_dict(document)  # skips the keys it cannot build
        except jwt.PyJWTError as exc:
            raise ConfigError(unusable) from exc
        self._keys = {k.key_id: k for k in keys if _usable(k)}
        if not self._keys:
            raise ConfigError(unusable)

    def key(self, kid: str) -> jwt.PyJWK | None:
        return self._keys.get(kid)


class _UrlKeys:
    """A JWK Set URL, fetched on first use and cached by PyJWKClient (refreshed on a new kid)."""

    def __init__(self, url: str):
        self._client = jwt.PyJWKClient(
            url, cache_jwk_set=True, lifespan=JWKS_CACHE_SECONDS, timeout=JWKS_TIMEOUT_SECONDS
        )

    def key(self, kid: str) -> jwt.PyJWK | None:
        try:
            key = self._client.get_signing_key(kid)
        except (jwt.PyJWKClientConnectionError, jwt.PyJWKSetError) as exc:
            logger.warning("JWK Set unavailable: %s", type(exc).__name__)
            raise KeysUnavailable(
                "the key set that signs bearer tokens cannot be fetched; retry later"
            ) from exc
        except jwt.PyJWKClientError:
            return None
        return key if _usable(key) else None


class Verifier:
    """Checks bearer tokens against one key set, issuer and audience."""

    def __init__(self, keys: _FileKeys | _UrlKeys, issuer: str, audience: str):
        self.keys, self.issuer, self.audience = keys, issuer, audience

    def claims(self, token: str) -> dict[str, t.Any]:
        """The verified claims of *token*.

        :raise Unauthorized: with a generic message, whatever the reason (logged by class name).
        """
        try:
            header = jwt.get_unverified_header(token)
            alg, kid = header.get("alg"), header.get("kid")
            if alg not in ALGORITHMS or not isinstance(kid, str):
                raise jwt.InvalidAlgorithmError("alg not allowed or kid missing")
            key = self.keys.key(kid)
            if key is None or key.algorithm_name != alg:
                raise jwt.InvalidKeyError("no key for this kid and alg")
            return jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"], "enforce_minimum_key_length": True},
            )
        except jwt.PyJWTError as exc:
            logger.info("bearer token rejected: %s", type(exc).__name__)
            raise Unauthorized(INVALID) from exc


def load_verifier(config: t.Mapping[str, t.Any]) -> Verifier | None:
    """The verifier *config* asks for, or None when AUTH_ENABLED is false.

    :raise ConfigError: when auth is on but the JWK Set, issuer or audience is missing, or the
        JWK Set file is unreadable or holds no usable key.
    """
    if not config.get("AUTH_ENABLED"):
        return None
    names = {
        "AUTH_JWKS": "NEUROROOT_AUTH_JWKS",
        "AUTH_ISSUER": "NEUROROOT_AUTH_ISSUER",
        "AUTH_AUDIENCE": "NEUROROOT_AUTH_AUDIENCE",
    }
    missing = [env for key, env in names.items() if not str(config.get(key) or "").strip()]
    if missing:
        raise ConfigError(f"{', '.join(missing)}: required when NEUROROOT_AUTH_ENABLED is true")
    source = str(config["AUTH_JWKS"]).strip()
    parts = urlsplit(source)
    if parts.scheme in {"http", "https"}:
        if not parts.hostname:
            raise ConfigError(f"NEUROROOT_AUTH_JWKS: {source!r} is not a URL with a host")
        keys: _FileKeys | _UrlKeys = _UrlKeys(source)
    else:
        keys = _FileKeys(source)
    return Verifier(keys, str(config["AUTH_ISSUER"]).strip(), str(config["AUTH_AUDIENCE"]).strip())
