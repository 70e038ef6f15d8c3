"""tokendeck: a terminal app for LLM access bought through OpenAI-compatible gateways."""

__version__ = "0.1.0"
