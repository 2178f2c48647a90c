"""The FHIR edge: the one place that knows FHIR JSON.

Three rooms and the HTTP edge: :mod:`.read` turns request bodies into domain findings,
:mod:`.write` turns results into FHIR resources, :mod:`.conformance` declares what the server
does; :mod:`.operation` runs ``$localize-root`` from document to resources. :mod:`.http`
(content negotiation, responses) and :mod:`.outcome` (errors to OperationOutcomes) are the only
modules here that import Flask.
"""
