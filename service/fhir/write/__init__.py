"""Writing: domain results to FHIR resources as plain dicts (no Flask; see README.md)."""
