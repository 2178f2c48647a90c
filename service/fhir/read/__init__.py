"""Reading: request bodies to domain findings, stage by stage (no Flask; see README.md)."""
