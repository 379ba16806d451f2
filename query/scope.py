"""What rows one user may read: the scope every query of the query layer carries.

A Scope names the facts a user may read and, of those, the services whose rows they may read. The compiler
(query.compiler) turns it into one more condition on the fact's `service` dimension, bound as parameters like any
selected value, so no page, callback, download or URL reaches a row outside it. A fact the scope does not name, or
a restricted scope over a fact with no `service` dimension, is refused (OutOfScope): the layer fails closed.

The scope comes from the server-side session (the web layer builds it from the signed-in user's role), never from
anything the browser sends.

The load records (etl_runs, etl_files, etl_rejects: file names, row counts, rejected rows that may hold personal
data) are no fact and have no service: a scope reads them only when it says `load_records` (the data team's, from
the data-quality capability), and query.load_records refuses every other scope.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

SERVICE_DIMENSION = "service"
OUT_OF_SCOPE = "This is outside your access. Ask the data team if you need it."


class OutOfScope(PermissionError):
    """A query for rows the user's scope does not cover; str(exc) is fit for the page."""

    def __init__(self, message: str = OUT_OF_SCOPE):
        super().__init__(message)


@dataclass(frozen=True)
class Scope:
    facts: frozenset[str] | None = None     # None: every fact
    services: frozenset[str] | None = None  # None: every service's rows; else only these service codes' rows
    load_records: bool = False              # the ETL's load records (query.load_records): the data team's only

    @classmethod
    def of(cls, facts: Iterable[str] | None = None, services: Iterable[str] | None = None,
           load_records: bool = False) -> Scope:
        return cls(None if facts is None else frozenset(facts), None if services is None else frozenset(services),
                   load_records)

    def reads(self, fact: str) -> bool:
        """Whether any row of `fact` may be read (a restricted scope also needs the fact's service dimension,
        which the compiler checks)."""
        return self.facts is None or fact in self.facts

    def narrowed_to(self, other: Scope) -> Scope:
        """What both scopes allow (a burst pack: the run's scope and the manager's)."""
        def both(mine, theirs):
            if mine is None or theirs is None:
                return theirs if mine is None else mine
            return mine & theirs
        return Scope(both(self.facts, other.facts), both(self.services, other.services),
                     self.load_records and other.load_records)

    def key(self) -> str:
        """A stable text for cache keys: two users with the same scope share cached answers, others never do."""
        facts = "*" if self.facts is None else ",".join(sorted(self.facts))
        services = "*" if self.services is None else ",".join(sorted(self.services))
        return f"facts={facts};services={services};load_records={self.load_records}"


EVERYTHING = Scope(load_records=True)
NOTHING = Scope(facts=frozenset(), services=frozenset())
