"""Literature: identifiers, parsers for PubMed XML / Europe PMC JSON / record snapshots, and clients."""
