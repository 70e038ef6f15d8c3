"""The CLI's own failure: a command line that cannot be carried out as given (exit 2)."""


class UsageError(Exception):
    """A command line that cannot be carried out as given (exit 2)."""
