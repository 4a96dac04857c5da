"""Structured-summary service for newsrooms: article in, grounded structured summary out."""

__version__ = "0.1.0"
