"""Screens: the main four-panel screen and the modal dialogs."""
