"""The one error a report raises for anything its user can fix: a malformed or empty period, a bad configuration
file. str() is a sentence fit for the command line or a page, never a traceback."""

from __future__ import annotations


class ReportError(ValueError):
    """A report cannot be produced as asked; the message says why and what to do instead."""
