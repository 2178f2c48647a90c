"""The one place the service's version is written.

pyproject.toml reads it from here (``[tool.setuptools.dynamic]``), the CapabilityStatement, the
Provenance device, the protocol URL and the audit observer import it from here, and a test checks
that openapi.yaml's ``info.version`` and the installed distribution say the same. A plain
module with no imports, so any room (``fhir/write``, ``audit``) can read it without importing
the Flask application package above it.
"""

__version__ = "0.1.0"
