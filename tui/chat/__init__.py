"""Chat as data (no widgets): conversations, what a request sends, history on disk."""
