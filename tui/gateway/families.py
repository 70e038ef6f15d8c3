"""The names of the gateway families (balance dialects) tokendeck knows; kept in a module of its
own so that checking a config never loads the adapters themselves."""

KNOWN = (
    "opencodex", "oneapi", "newapi-token", "openrouter", "deepseek", "moonshot", "siliconflow",
    "openai-hk",
)  # fmt: skip
CUSTOM = "custom"  # a family described in the profile's [adapter] table
