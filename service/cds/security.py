"""The CDS client's JWT (CDS Hooks 2.0, "Trusting CDS Clients").

``NEUROROOT_CDS_JWT_ISSUERS`` is a JSON object from each trusted issuer (the JWT's ``iss``) to
its JWK Set: an https URL (http only to a loopback host), fetched and cached with every cost
bounded by :class:`~service.auth.jwks.UrlKeys`, or a file path read at start. Unset: the CDS
Hooks routes need no token. Set: every call, discovery and feedback included, needs
``Authorization: Bearer <JWT>`` that passes all of these, else a bare 401 that never says which
check failed (the log gets the exception class, never the token):

- header ``alg`` one of :data:`ALGORITHMS` (asymmetric only: never ``none`` nor HMAC), a
  ``kid`` naming a key of the issuer's set whose type fits the algorithm (RSA of 2048 bits or
  more for RS/PS, the algorithm's curve for ES), ``typ`` absent or ``JWT``;
- ``iss`` a key of the map (and its set's key verifies the signature); a ``jku`` header is
  ignored: keys come only from the configured set, never from a URL the token names;
- ``aud`` the URL called, built from ``NEUROROOT_BASE_URL`` (or the trusted Host) and the path:
  ``https://cds.example.org/cds-services/neuroroot-patient-view`` (a list must contain it);
- ``exp`` in the future and ``iat`` not in the future, with :data:`LEEWAY_SECONDS` of leeway;
  ``exp`` at most :data:`MAX_LIFETIME_SECONDS` away (a JWT that authenticates one call needs
  minutes, not days, and the replay table keeps it until it expires);
- ``jti`` present and never seen before from this issuer within its lifetime: it is recorded in
  the store (table ``cds_jti``, so every replica refuses a replay) until ``exp`` + leeway, and
  expired records are purged as new ones arrive.
"""

from __future__ import annotations

import json
import logging
import time
import typing as t
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

import jwt
from cryptography.hazmat.primitives.asymmetric.ec import (
    SECP256R1,
    SECP384R1,
    SECP521R1,
    EllipticCurve,
    EllipticCurvePublicKey,
)
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey

from ..auth.jwks import UrlKeys
from ..config import ConfigError
from ..errors import Unauthorized

if t.TYPE_CHECKING:
    from ..store.cds import CdsRecords

__all__ = [
    "ALGORITHMS",
    "LEEWAY_SECONDS",
    "MAX_LIFETIME_SECONDS",
    "CdsVerifier",
    "load_cds_verifier",
]

logger = logging.getLogger(__name__)

SETTING = "NEUROROOT_CDS_JWT_ISSUERS"
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512")
LEEWAY_SECONDS = 60
MAX_LIFETIME_SECONDS = 3600
_CURVES: dict[str, type[EllipticCurve]] = {
    "ES256": SECP256R1,
    "ES384": SECP384R1,
    "ES512": SECP521R1,
}
INVALID = "invalid or missing CDS client JWT"


def _public_signing_key(key: jwt.PyJWK) -> bool:
    public = key.key
    strong = (isinstance(public, RSAPublicKey) and public.key_size >= 2048) or isinstance(
        public, EllipticCurvePublicKey
    )
    return bool(key.key_id) and key.public_key_use in (None, "sig") and strong


def _fits(key: jwt.PyJWK, alg: str) -> bool:
    """Whether *key* may verify *alg* (its declared ``alg``, if any, must be *alg*)."""
    declared = key._jwk_data.get("alg")  # noqa: SLF001 - PyJWK infers one when absent
    if declared is not None and declared != alg:
        return False
    if alg.startswith(("RS", "PS")):
        return isinstance(key.key, RSAPublicKey)
    curve = _CURVES.get(alg)
    return (
        curve is not None
        and isinstance(key.key, EllipticCurvePublicKey)
        and isinstance(key.key.curve, curve)
    )


class _FileKeys:
    """A JWK Set file, read once at start."""

    def __init__(self, path: str, issuer: str) -> None:
        where = f"{SETTING}: {issuer!r} -> {path}"
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read the JWK Set ({exc.strerror or exc})") from exc
        except ValueError as exc:
            raise ConfigError(f"{where}: the JWK Set is not JSON") from exc
        if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
            raise ConfigError(f"{where}: not a JWK Set (an object with a 'keys' array)")
        if any(isinstance(k, dict) and "d" in k for k in document["keys"]):
            raise ConfigError(f"{where}: the JWK Set holds a private key; give public keys only")
        try:
            keys = jwt.PyJWKSet.from_dict(document)
        except jwt.PyJWTError as exc:
            raise ConfigError(f"{where}: no usable public signing key with a kid") from exc
        self._keys = {k.key_id: k for k in keys if _public_signing_key(k)}
        if not self._keys:
            raise ConfigError(f"{where}: no usable public signing key with a kid")

    def key(self, kid: str) -> jwt.PyJWK | None:
        return self._keys.get(kid)


class CdsVerifier:
    """Checks CDS client JWTs against the issuer map and the replay table."""

    def __init__(self, issuers: t.Mapping[str, _FileKeys | UrlKeys]) -> None:
        self.issuers = dict(issuers)

    def claims(
        self, header_value: str | None, audience: str, records: CdsRecords | None
    ) -> dict[str, t.Any]:
        """The verified claims of the bearer JWT in *header_value* for a call to *audience*.

        :raise Unauthorized: whatever failed (the same text every time).
        :raise KeysUnavailable: no key set could be fetched for the issuer (503).
        """
        try:
            token = _bearer(header_value)
            header = jwt.get_unverified_header(token)
            alg, kid, typ = header.get("alg"), header.get("kid"), header.get("typ")
            if alg not in ALGORITHMS or not isinstance(kid, str):
                raise jwt.InvalidAlgorithmError("alg not allowed or kid missing")
            if typ is not None and (not isinstance(typ, str) or typ.upper() != "JWT"):
                raise jwt.InvalidTokenError("typ is not JWT")
            issuer = jwt.decode(token, options={"verify_signature": False}).get("iss")
            if not isinstance(issuer, str) or issuer not in self.issuers:
                raise jwt.InvalidIssuerError("issuer not trusted")
            keys = self.issuers[issuer]
            key = keys.key(kid)
            if key is None or not _fits(key, alg):
                raise jwt.InvalidKeyError("no key for this kid and alg")
            claims: dict[str, t.Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=audience,
                issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={
                    "require": ["exp", "iat", "iss", "aud", "jti"],
                    "enforce_minimum_key_length": True,
                },
            )
            exp, jti = claims["exp"], claims["jti"]
            if exp - time.time() > MAX_LIFETIME_SECONDS + LEEWAY_SECONDS:
                raise jwt.InvalidTokenError("exp too far in the future")
            if not isinstance(jti, str) or not jti or len(jti) > 512:
                raise jwt.InvalidTokenError("jti is not a string")
            if records is not None:
                until = datetime.fromtimestamp(exp + LEEWAY_SECONDS, UTC)
                if not records.first_use_of_jti(issuer, jti, until):
                    raise jwt.InvalidTokenError("jti replayed")
            return claims
        except jwt.PyJWTError as exc:
            logger.info("CDS client JWT rejected: %s", type(exc).__name__)
            raise Unauthorized(INVALID) from exc


def _bearer(value: str | None) -> str:
    if value is None:
        raise jwt.InvalidTokenError("no Authorization header")
    scheme, _, token = value.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or " " in token:
        raise jwt.InvalidTokenError("not a bearer token")
    return token


def load_cds_verifier(config: t.Mapping[str, t.Any]) -> CdsVerifier | None:
    """The verifier ``CDS_JWT_ISSUERS`` asks for, or None when it is unset.

    :raise ConfigError: naming the setting, when it is not a JSON object of issuer -> JWK Set
        URL or readable file with a usable key.
    """
    raw = str(config.get("CDS_JWT_ISSUERS") or "").strip()
    if not raw:
        return None
    try:
        mapping = json.loads(raw)
    except ValueError as exc:
        raise ConfigError(f"{SETTING}: not JSON (a JSON object from issuer to JWK Set)") from exc
    if (
        not isinstance(mapping, dict)
        or not mapping
        or not all(
            isinstance(k, str) and k and isinstance(v, str) and v.strip()
            for k, v in mapping.items()
        )
    ):
        raise ConfigError(
            f"{SETTING}: must be a non-empty JSON object from each issuer to its "
            "JWK Set (a URL or a file path)"
        )
    issuers: dict[str, _FileKeys | UrlKeys] = {}
    for issuer, source in mapping.items():
        source = source.strip()
        if urlsplit(source).scheme.lower() in {"http", "https"}:
            issuers[issuer] = UrlKeys(
                source,
                _public_signing_key,
                timeout=float(config.get("AUTH_JWKS_TIMEOUT") or 5),
                max_bytes=int(config.get("AUTH_JWKS_MAX_BYTES") or 1024 * 1024),
                cooldown=float(config.get("AUTH_JWKS_COOLDOWN") or 0),
                setting=SETTING,
            )
        else:
            issuers[issuer] = _FileKeys(source, issuer)
    return CdsVerifier(issuers)
