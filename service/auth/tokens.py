"""Bearer JWTs: the JWK Set (a file or a URL), and the checks every token must pass.

Only RS256 and ES256 are accepted (never ``none`` or an HMAC algorithm: RFC 8725 2.1), with the
key named by the token's ``kid`` in a JWK Set of public keys (RSA keys of 2048 bits or more). A
file is read and checked when the app starts, so a bad one stops it; a URL (https, or http to a
loopback host) is fetched on first use by :class:`~service.auth.jwks.UrlKeys`, which bounds the
fetch's total time and size, cools down after a failure, rate-limits refreshes for unknown
``kid`` values and keeps serving the last good keys when a refresh fails.

Claims: ``exp`` is required, ``iss`` and ``aud`` must match the settings, and clocks may differ
by :data:`LEEWAY_SECONDS`. A token may live at most ``NEUROROOT_AUTH_MAX_TOKEN_LIFETIME``
seconds: ``exp - iat`` (when ``iat`` is present) and ``exp - now`` must both be within it, so a
stolen long-lived token is refused rather than honoured for days. The JOSE ``typ`` header, when
present, must be ``JWT`` or ``at+jwt`` (RFC 9068 access tokens; ``application/`` prefix and case
ignored): a token typed for something else (``dpop+jwt``, ``logout+jwt``, ``secevent+jwt``...)
is not an access token and is refused (RFC 8725 3.11). A token without ``typ`` is accepted, as
most issuers of SMART backend-services tokens omit it.

Every failure becomes the same :class:`~service.errors.Unauthorized`; only the exception's class
name is logged, never the token.
"""

from __future__ import annotations

import json
import logging
import time
import typing as t
from pathlib import Path
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ..config import ConfigError
from ..errors import Unauthorized
from .jwks import KeysUnavailable, UrlKeys

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
#: accepted values of the JOSE ``typ`` header (lower case, without ``application/``).
TOKEN_TYPES = frozenset({"jwt", "at+jwt"})
INVALID = "invalid or expired bearer token"


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


class Verifier:
    """Checks bearer tokens against one key set, issuer and audience."""

    def __init__(
        self, keys: _FileKeys | UrlKeys, issuer: str, audience: str, max_lifetime: int = 3600
    ):
        self.keys, self.issuer, self.audience = keys, issuer, audience
        self.max_lifetime = max_lifetime

    def claims(self, token: str) -> dict[str, t.Any]:
        """The verified claims of *token*.

        :raise Unauthorized: with a generic message, whatever the reason (logged by class name).
        """
        try:
            header = jwt.get_unverified_header(token)
            alg, kid = header.get("alg"), header.get("kid")
            if alg not in ALGORITHMS or not isinstance(kid, str):
                raise jwt.InvalidAlgorithmError("alg not allowed or kid missing")
            typ = header.get("typ")
            if typ is not None and (
                not isinstance(typ, str)
                or typ.lower().removeprefix("application/") not in TOKEN_TYPES
            ):
                raise jwt.InvalidTokenError("typ is not JWT or at+jwt")
            key = self.keys.key(kid)
            if key is None or key.algorithm_name != alg:
                raise jwt.InvalidKeyError("no key for this kid and alg")
            claims: dict[str, t.Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iss", "aud"], "enforce_minimum_key_length": True},
            )
            self._check_lifetime(claims)
            return claims
        except jwt.PyJWTError as exc:
            logger.info("bearer token rejected: %s", type(exc).__name__)
            raise Unauthorized(INVALID) from exc

    def _check_lifetime(self, claims: t.Mapping[str, t.Any]) -> None:
        """Refuse a token that lives longer than ``max_lifetime`` (exp - iat, or exp - now)."""
        exp, iat = claims["exp"], claims.get("iat")
        if exp - time.time() > self.max_lifetime + LEEWAY_SECONDS:
            raise jwt.InvalidTokenError("exp too far in the future")
        if isinstance(iat, (int, float)) and exp - iat > self.max_lifetime:
            raise jwt.InvalidTokenError("lifetime longer than allowed")


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
    if urlsplit(source).scheme.lower() in {"http", "https"}:
        keys: _FileKeys | UrlKeys = UrlKeys(
            source,
            _usable,
            timeout=float(config.get("AUTH_JWKS_TIMEOUT") or 5),
            max_bytes=int(config.get("AUTH_JWKS_MAX_BYTES") or 1024 * 1024),
            cooldown=float(config.get("AUTH_JWKS_COOLDOWN") or 0),
        )
    else:
        keys = _FileKeys(source)
    return Verifier(
        keys,
        str(config["AUTH_ISSUER"]).strip(),
        str(config["AUTH_AUDIENCE"]).strip(),
        int(config.get("AUTH_MAX_TOKEN_LIFETIME") or 3600),
    )
