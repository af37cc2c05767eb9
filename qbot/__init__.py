"""qbot: streaming back end for AI-assisted analysis of phone forensic data."""

__version__ = "0.1.0"
