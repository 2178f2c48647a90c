"""FHIR resources (dicts, as the service renders them) to FHIR XML (``application/fhir+xml``).

Through fhir.resources R4B: the dict is validated into the model of its ``resourceType`` and
written by the model's ``model_dump_xml`` (lxml). Only the answers a client asks for in XML pay
for this; JSON answers never touch a model. No Flask.

XML 1.0 cannot carry every character a JSON string can: the control characters (other than tab,
newline, carriage return), lone surrogates and U+FFFE/U+FFFF. Such a character (an error echoing
a query parameter's name, say) is written as U+FFFD, the replacement character, so the answer is
still the XML of the same resource instead of a failure.
"""

from __future__ import annotations

import re
import typing as t

from fhir.resources.R4B import get_fhir_model_class

__all__ = ["to_xml"]


#: what XML 1.0 cannot hold (its Char production, negated)
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(value: t.Any) -> t.Any:
    if isinstance(value, str):
        return _NOT_XML.sub("\ufffd", value) if _NOT_XML.search(value) else value
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_xml_safe(item) for item in value]
    return value


def to_xml(resource: t.Mapping[str, t.Any], *, pretty: bool = False) -> bytes:
    """*resource* as a FHIR XML document (UTF-8, with the XML declaration)."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(_xml_safe(resource))
    # typed str, but fhir.resources 8 returns the bytes lxml wrote: take either
    written: str | bytes = model.model_dump_xml(pretty_print=pretty)
    return written if isinstance(written, bytes) else written.encode("utf-8")
