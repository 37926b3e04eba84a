"""Interchange formats: JSON export (and, later, PATHSAMPLE files)."""
