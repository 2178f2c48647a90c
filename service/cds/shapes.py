"""The CDS Hooks 2.0 request shapes (non-FHIR JSON, so marshmallow): a hook call and feedback.

Each bad element becomes one issue of a 400 OperationOutcome whose ``expression`` names it
(``hookInstance``, ``context.patientId``, ``feedback[0].outcome``...). Unknown top-level
elements are ignored, as the specification lets clients and hooks add to the request; the
FHIR content (``prefetch.exams``, ``context.exam``) is read by :mod:`service.fhir`.
"""

from __future__ import annotations

import typing as t
from datetime import UTC

from marshmallow import INCLUDE, Schema, ValidationError, fields, validate, validates_schema

from ..errors import InvalidRequest, Issue
from ..store.cds import NewFeedback

__all__ = ["HookCall", "read_feedback", "read_hook_call"]

_TEXT = validate.Length(min=1, max=4096)
_ID = validate.Length(min=1, max=256)


class _Authorization(Schema):
    class Meta:
        unknown = INCLUDE

    access_token = fields.String(required=True, validate=validate.Length(min=1, max=16384))
    token_type = fields.String(required=True, validate=validate.OneOf(["Bearer"]))
    expires_in = fields.Integer(required=True, strict=True)
    scope = fields.String(required=True, validate=_TEXT)
    subject = fields.String(required=True, validate=_TEXT)
    patient = fields.String(validate=_ID)


class _PatientViewContext(Schema):
    class Meta:
        unknown = INCLUDE

    userId = fields.String(required=True, validate=_ID)  # noqa: N815 - the spec's names
    patientId = fields.String(required=True, validate=_ID)  # noqa: N815
    encounterId = fields.String(validate=_ID)  # noqa: N815


class _ExamSignContext(_PatientViewContext):
    exam = fields.Dict(required=True)


class _Call(Schema):
    class Meta:
        unknown = INCLUDE

    hook = fields.String(required=True, validate=_TEXT)
    hookInstance = fields.String(required=True, validate=validate.Length(min=1, max=128))  # noqa: N815
    fhirServer = fields.Url(schemes={"http", "https"}, require_tld=False)  # noqa: N815
    fhirAuthorization = fields.Nested(_Authorization)  # noqa: N815
    context = fields.Dict(required=True)
    prefetch = fields.Dict()

    @validates_schema
    def _server_with_token(self, data: dict[str, t.Any], **_: t.Any) -> None:
        if "fhirAuthorization" in data and "fhirServer" not in data:
            raise ValidationError("required when fhirAuthorization is sent", "fhirServer")


class HookCall(t.NamedTuple):
    """A checked hook call."""

    hook: str
    hook_instance: str
    context: dict[str, t.Any]
    prefetch: dict[str, t.Any] | None
    fhir_server: str | None
    access_token: str | None


def _issues(messages: t.Any, prefix: str = "") -> list[Issue]:
    found: list[Issue] = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = (
                prefix
                if key == "_schema"
                else (
                    f"{prefix}[{key}]"
                    if isinstance(key, int)
                    else f"{prefix}.{key}"
                    if prefix
                    else str(key)
                )
            )
            found += _issues(value, path)
    elif isinstance(messages, list) and messages and all(isinstance(m, str) for m in messages):
        text = "; ".join(messages)
        found.append(Issue(f"{prefix or 'body'}: {text}", (prefix,) if prefix else ()))
    elif isinstance(messages, list):
        for value in messages:
            found += _issues(value, prefix)
    else:
        found.append(Issue(f"{prefix or 'body'}: {messages}", (prefix,) if prefix else ()))
    return found


def _load(schema: Schema, document: t.Any, prefix: str = "") -> dict[str, t.Any]:
    if not isinstance(document, dict):
        raise InvalidRequest(f"{prefix or 'the body'} must be a JSON object", prefix or None)
    try:
        return t.cast(dict[str, t.Any], schema.load(document))
    except ValidationError as exc:
        raise InvalidRequest.many(_issues(exc.messages, prefix)) from exc


def read_hook_call(document: t.Any, hook: str) -> HookCall:
    """Check a hook call for the service of *hook*.

    :raise InvalidRequest: a missing or malformed element, or another hook (400).
    """
    data = _load(_Call(), document)
    if data["hook"] != hook:
        raise InvalidRequest(
            f"this service answers the hook {hook!r}, not {data['hook']!r}", "hook"
        )
    context_schema = _ExamSignContext() if hook != "patient-view" else _PatientViewContext()
    context = _load(context_schema, data["context"], "context")
    authorization = data.get("fhirAuthorization") or {}
    return HookCall(
        hook,
        data["hookInstance"],
        context,
        data.get("prefetch"),
        data.get("fhirServer"),
        authorization.get("access_token"),
    )


class _Coding(Schema):
    class Meta:
        unknown = INCLUDE

    system = fields.String(validate=_TEXT)
    code = fields.String(validate=_TEXT)
    display = fields.String(validate=_TEXT)


class _OverrideReason(Schema):
    reason = fields.Nested(_Coding)
    userComment = fields.String(validate=validate.Length(min=1, max=10000))  # noqa: N815

    @validates_schema
    def _not_empty(self, data: dict[str, t.Any], **_: t.Any) -> None:
        if not data:
            raise ValidationError("an overrideReason needs a reason or a userComment")


class _Accepted(Schema):
    id = fields.String(required=True, validate=_ID)


class _Feedback(Schema):
    card = fields.String(required=True, validate=_ID)
    outcome = fields.String(required=True, validate=validate.OneOf(["accepted", "overridden"]))
    acceptedSuggestions = fields.List(fields.Nested(_Accepted), validate=validate.Length(min=1))  # noqa: N815
    overrideReason = fields.Nested(_OverrideReason)  # noqa: N815
    outcomeTimestamp = fields.AwareDateTime(required=True)  # noqa: N815

    @validates_schema
    def _by_outcome(self, data: dict[str, t.Any], **_: t.Any) -> None:
        if data.get("outcome") == "accepted" and not data.get("acceptedSuggestions"):
            raise ValidationError("required for an accepted outcome", "acceptedSuggestions")
        if data.get("outcome") == "accepted" and "overrideReason" in data:
            raise ValidationError("only for an overridden outcome", "overrideReason")
        if data.get("outcome") == "overridden" and "acceptedSuggestions" in data:
            raise ValidationError("only for an accepted outcome", "acceptedSuggestions")


class _FeedbackRequest(Schema):
    feedback = fields.List(
        fields.Nested(_Feedback), required=True, validate=validate.Length(min=1, max=100)
    )


def read_feedback(document: t.Any) -> list[NewFeedback]:
    """Check a feedback request (CDS Hooks 2.0, "Feedback").

    :raise InvalidRequest: not the specification's shape (400), each problem named.
    """
    data = _load(_FeedbackRequest(), document)
    return [
        NewFeedback(
            card=item["card"],
            outcome=item["outcome"],
            outcome_timestamp=item["outcomeTimestamp"].astimezone(UTC),
            accepted_suggestions=tuple(a["id"] for a in item.get("acceptedSuggestions", ())),
            override_reason=_reason(item.get("overrideReason")),
        )
        for item in data["feedback"]
    ]


def _reason(value: dict[str, t.Any] | None) -> dict[str, t.Any] | None:
    if not value:
        return None
    reason = dict(value)
    if "reason" in reason:
        reason["reason"] = dict(reason["reason"])
    return reason
