"""The FHIR edge: the one place that knows FHIR JSON.

Parses requests into domain findings (:mod:`.parse`), renders results as FHIR
(:mod:`.render`), and answers every error with an OperationOutcome (:mod:`.outcome`).
"""
