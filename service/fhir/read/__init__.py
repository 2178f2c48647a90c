"""Reading: request bodies to domain findings (no Flask). See README.md in this folder."""
