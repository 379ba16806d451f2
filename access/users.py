"""Who may sign in and what each may see: the users file, validated at start-up, and the scope of each role.

Roles (docs/security.md):
- admin: every page and row, plus data quality and the audit log;
- finance: budget and spend for every service (and their downloads), no operational data;
- service_manager: every page of their services only (`services:` codes and/or whole `directorates:`);
- councillor and public: published views only (none yet: they arrive with the published pages).

The file (BOROUGH_INSIGHT_USERS; the demo's is access/demo_users.yaml) holds password hashes only, never a
password: make one with `python -m access hash-password`. A user without a hash signs in through the council's
identity provider (OIDC) only. Every problem is reported with its place in the file, as the catalogue's are.
"""

from __future__ import annotations

import re
from dataclasses import replace
from enum import StrEnum
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from werkzeug.security import check_password_hash, generate_password_hash

from data_models.service_catalogue import Catalogue, load_catalogue
from data_models.yaml_locations import dotted, line_of, problem_message
from query.scope import EVERYTHING, NOTHING, Scope

DEMO_USERS = Path(__file__).resolve().parent / "demo_users.yaml"
DEMO_PASSWORD = "demo"
FINANCE_FACTS = ("fact_budget_monthly", "fact_spend")
USERNAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@-]{0,99}$")
HASH_METHODS = ("scrypt:", "pbkdf2:")  # Werkzeug's formats; scrypt is what hash_password writes


class Role(StrEnum):
    ADMIN = "admin"
    FINANCE = "finance"
    SERVICE_MANAGER = "service_manager"
    COUNCILLOR = "councillor"
    PUBLIC = "public"


class Capability(StrEnum):
    DATA_QUALITY = "data_quality"   # the load runs, rejected rows and files (rows may hold personal data)
    AUDIT_LOG = "audit_log"


CAPABILITIES = {Role.ADMIN: frozenset(Capability)}


class UsersFileError(ValueError):
    """The users file is invalid; one line per problem, with its place in the file."""

    def __init__(self, path: Path | None, problems: list[str]):
        self.problems = problems
        super().__init__(f"{path or 'users file'} has {len(problems)} problem(s):\n"
                         + "\n".join(f"  {p}" for p in problems))


class User(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    username: str
    name: str = ""
    role: Role
    services: tuple[str, ...] = ()
    directorates: tuple[str, ...] = ()
    ward: str | None = None   # a councillor's ward, shown first
    password_hash: str | None = None
    email: str | None = None  # matched to the identity provider's `email` claim when OIDC is on

    @field_validator("username")
    @classmethod
    def _username(cls, value: str) -> str:
        if not USERNAME_PATTERN.match(value):
            raise ValueError(f"{value!r} is not a username: lower-case letters, digits, and . _ @ - (up to 100)")
        return value

    @field_validator("password_hash")
    @classmethod
    def _hashed(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(HASH_METHODS):
            raise ValueError("must be a password hash (python -m access hash-password), never a password")
        return value

    @model_validator(mode="after")
    def _scoped(self) -> User:
        if self.role is Role.SERVICE_MANAGER and not (self.services or self.directorates):
            raise ValueError("a service_manager needs services: [codes] or directorates: [codes]")
        if self.role is not Role.SERVICE_MANAGER and (self.services or self.directorates):
            raise ValueError(f"only a service_manager has services or directorates (this user is {self.role.value})")
        return self

    @property
    def display_name(self) -> str:
        return self.name or self.username

    def password_matches(self, password: str) -> bool:
        return self.password_hash is not None and check_password_hash(self.password_hash, password)

    def can(self, capability: Capability) -> bool:
        return capability in CAPABILITIES.get(self.role, frozenset())


class UsersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    users: list[User] = Field(min_length=1)


class Users:
    """The validated users, each with the scope of rows they may read (computed once, from the catalogue)."""

    def __init__(self, users: list[User], catalogue: Catalogue, path: Path | None = None):
        self.path = path
        self._by_name = {user.username: user for user in users}
        self._scopes = {user.username: scope_of(user, catalogue) for user in users}
        self._service_names = {service.code: service.name for service in catalogue.services}

    def __iter__(self):
        return iter(self._by_name.values())

    def get(self, username: str | None) -> User | None:
        return self._by_name.get(username) if isinstance(username, str) else None

    def by_email(self, email: str | None) -> User | None:
        wanted = (email or "").lower()
        return next((user for user in self if user.email and user.email.lower() == wanted), None) if wanted else None

    def scope(self, user: User | None) -> Scope:
        return self._scopes.get(user.username, NOTHING) if user else NOTHING

    def with_demo_password(self) -> list[str]:
        """Usernames whose password is the demo's: refused in production."""
        return [user.username for user in self if user.password_matches(DEMO_PASSWORD)]


def scope_of(user: User, catalogue: Catalogue) -> Scope:
    """The rows of the user's role, and the load records (query.load_records) with the data-quality capability."""
    return replace(_rows_of(user, catalogue), load_records=user.can(Capability.DATA_QUALITY))


def _rows_of(user: User, catalogue: Catalogue) -> Scope:
    if user.role is Role.ADMIN:
        return EVERYTHING
    if user.role is Role.FINANCE:
        return Scope.of(facts=FINANCE_FACTS)
    if user.role is Role.SERVICE_MANAGER:
        codes = set(user.services) | {s.code for s in catalogue.services if s.directorate in user.directorates}
        return Scope.of(services=codes)
    return NOTHING   # councillors and the public read published views, which hold no warehouse rows


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def load_users(path: Path | None = None, catalogue: Catalogue | None = None) -> Users:
    """Read and validate the users file (default: the demo's); raise UsersFileError listing every problem."""
    path = Path(path) if path is not None else DEMO_USERS
    catalogue = catalogue or load_catalogue()
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text)
    except OSError as error:
        raise UsersFileError(path, [f"cannot read the file: {error.strerror or error}"]) from error
    except yaml.YAMLError as error:
        raise UsersFileError(path, [f"not valid YAML: {error}"]) from error
    if not isinstance(data, dict):
        raise UsersFileError(path, ["the file must be a mapping with 'users:'"])
    try:
        users = UsersFile.model_validate(data).users
    except ValidationError as error:
        root = yaml.compose(text)
        raise UsersFileError(path, [_located(root, tuple(p["loc"]), problem_message(p))
                                    for p in error.errors(include_url=False)]) from None
    problems, seen = [], set()
    for index, user in enumerate(users):
        problems += _unknown_codes(index, user, catalogue)
        if user.username in seen:
            problems.append((("users", index, "username"), f"{user.username!r} is listed twice"))
        seen.add(user.username)
    if problems:
        root = yaml.compose(text)
        raise UsersFileError(path, [_located(root, loc, message) for loc, message in problems])
    return Users(users, catalogue, path)


def _unknown_codes(index: int, user: User, catalogue: Catalogue) -> list[tuple[tuple, str]]:
    services = {s.code for s in catalogue.services}
    directorates = {d.code for d in catalogue.directorates}
    problems = [(("users", index, "services", i), f"{code!r} is no service of the catalogue")
                for i, code in enumerate(user.services) if code not in services]
    problems += [(("users", index, "directorates", i), f"{code!r} is no directorate of the catalogue")
                 for i, code in enumerate(user.directorates) if code not in directorates]
    return problems


def _located(root, loc: tuple, message: str) -> str:
    line = line_of(root, loc)
    return f"{dotted(loc) or '(top level)'}{f' (line {line})' if line else ''}: {message}"
