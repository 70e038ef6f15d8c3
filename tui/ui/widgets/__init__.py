"""Panels and reusable widgets of the app."""
