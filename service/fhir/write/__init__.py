"""Writing: domain results to FHIR resources (no Flask). See README.md in this folder."""
