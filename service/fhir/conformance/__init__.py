"""Conformance: what the server declares about itself.

The CapabilityStatement and the OperationDefinition of ``$localize-root``
(:mod:`.capability`), and the terminology table published as CodeSystems and ConceptMaps with
``$translate`` over them (:mod:`.terminology`). No request handling: the views in
``service/api/`` serve these.
"""
