"""FHIR resources (dicts, as the service renders them) to FHIR XML (``application/fhir+xml``).

Through fhir.resources R4B: the dict is validated into the model of its ``resourceType`` and
written by the model's ``model_dump_xml`` (lxml). Only the answers a client asks for in XML pay
for this; JSON answers never touch a model. No Flask.
"""

from __future__ import annotations

import typing as t

from fhir.resources.R4B import get_fhir_model_class

__all__ = ["to_xml"]


def to_xml(resource: t.Mapping[str, t.Any], *, pretty: bool = False) -> bytes:
    """*resource* as a FHIR XML document (UTF-8, with the XML declaration)."""
    model = get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    # typed str, but fhir.resources 8 returns the bytes lxml wrote: take either
    written: str | bytes = model.model_dump_xml(pretty_print=pretty)
    return written if isinstance(written, bytes) else written.encode("utf-8")
