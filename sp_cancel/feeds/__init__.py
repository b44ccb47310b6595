"""Pure builders and parsers of Amazon feed documents and processing reports."""
