"""Conformance: what the server declares (CapabilityStatement, OperationDefinition, CodeSystems,
ConceptMaps)."""
