"""Omoide's memory engine: save, search and keep what a chat bot remembers, offline."""
