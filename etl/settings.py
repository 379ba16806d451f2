"""Build settings from the environment, validated, with errors that say what to set."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, Field

PSEUDONYM_KEY_ENV = "BOROUGH_INSIGHT_PSEUDONYM_KEY"
PSEUDONYM_KEY_FILE_ENV = "BOROUGH_INSIGHT_PSEUDONYM_KEY_FILE"
MEMORY_LIMIT_ENV = "BOROUGH_INSIGHT_MEMORY_LIMIT"
MIN_KEY_LENGTH = 16


class SettingsError(Exception):
    """A setting is missing or invalid; the message says which and how to set it."""


class BuildSettings(BaseModel):
    pseudonym_key: bytes = Field(repr=False)
    memory_limit: str = "3GB"
    threads: int | None = None
    max_shrink: float = 0.10  # a published table losing more than this share of its rows fails the build


def pseudonym_key_from_environment() -> bytes:
    """The keyed-hash key for personal identifiers: from the environment or a key file, never from the repo."""
    value = os.environ.get(PSEUDONYM_KEY_ENV)
    if not value and os.environ.get(PSEUDONYM_KEY_FILE_ENV):
        key_file = Path(os.environ[PSEUDONYM_KEY_FILE_ENV])
        if not key_file.is_file():
            raise SettingsError(f"{PSEUDONYM_KEY_FILE_ENV} names {key_file}, which does not exist")
        value = key_file.read_text(encoding="utf-8").strip()
    if not value:
        raise SettingsError(
            f"no pseudonymisation key: set {PSEUDONYM_KEY_ENV} or {PSEUDONYM_KEY_FILE_ENV} "
            "(make run creates instance/pseudonym.key for the demo)")
    if len(value) < MIN_KEY_LENGTH:
        raise SettingsError(f"the pseudonymisation key is too short: use at least {MIN_KEY_LENGTH} characters")
    return value.encode("utf-8")


def build_settings(**overrides) -> BuildSettings:
    overrides.setdefault("pseudonym_key", pseudonym_key_from_environment())
    if os.environ.get(MEMORY_LIMIT_ENV):
        overrides.setdefault("memory_limit", os.environ[MEMORY_LIMIT_ENV])
    return BuildSettings(**overrides)
