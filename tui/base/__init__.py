"""The base layer: translation, text and number formatting, clocks, paths.

Imports nothing else of tokendeck."""
