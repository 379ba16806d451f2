"""Data tests declared in the model YAML, plus the build's own accounting checks.

Each *_sql() function returns a query that counts the rows breaking one rule; zero means it holds.
"""

from __future__ import annotations

from dataclasses import dataclass

from etl.db import scalar
from etl.models import Model


@dataclass(frozen=True)
class CheckResult:
    model: str
    check: str
    failures: int
    detail: str = ""

    @property
    def passed(self) -> bool:
        return self.failures == 0

    def message(self) -> str:
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.model}: {self.check}: {self.failures} row(s) fail{detail}"


def unique_sql(table: str, columns: list[str]) -> str:
    """Keys that occur more than once; as in SQL's UNIQUE, a key with a NULL in it is not compared."""
    cols = ", ".join(columns)
    complete = " and ".join(f"{c} is not null" for c in columns)
    return f"select count(*) from (select {cols} from {table} where {complete} group by {cols} having count(*) > 1)"


def not_null_sql(table: str, column: str) -> str:
    return f"select count(*) from {table} where {column} is null"


def relationship_sql(table: str, column: str, parent: str, parent_column: str) -> str:
    return (f"select count(*) from {table} c where c.{column} is not null and not exists "
            f"(select 1 from {parent} p where p.{parent_column} = c.{column})")


def accepted_values_sql(table: str, column: str) -> str:
    return (f"select count(*) from {table} where {column} is not null "
            f"and not list_contains($accepted::varchar[], cast({column} as varchar))")


def model_checks(model: Model) -> list[tuple[str, str, dict]]:
    """(check name, SQL, parameters) for every test the model's YAML declares."""
    tests, name, checks = model.tests, model.name, []
    unique = tests.get("unique") or []
    if unique:
        # a list of columns is one unique key each, a nested list a composite key
        for key in unique:
            cols = key if isinstance(key, list) else [key]
            checks.append((f"unique({', '.join(cols)})", unique_sql(name, cols), {}))
    for column in tests.get("not_null") or []:
        checks.append((f"not_null({column})", not_null_sql(name, column), {}))
    for column, ref in (tests.get("relationships") or {}).items():
        parent, parent_column = ref.split(".", 1)
        checks.append((f"relationship({column} -> {ref})", relationship_sql(name, column, parent, parent_column), {}))
    for column, values in (tests.get("accepted_values") or {}).items():
        checks.append((f"accepted_values({column})", accepted_values_sql(name, column),
                       {"accepted": [str(v) for v in values]}))
    return checks


def run_model_checks(con, models: dict[str, Model]) -> list[CheckResult]:
    results = []
    for model in models.values():
        for check, sql, params in model_checks(model):
            failures = scalar(con, sql, params)
            results.append(CheckResult(model.name, check, int(failures)))
    return results


def source_accounting(con, models: dict[str, Model], targets: list[str]) -> list[CheckResult]:
    """Facts naming a source together hold exactly the loaded rows of that source: nothing dropped, nothing doubled."""
    results = []
    for target in targets:
        facts = [m.name for m in models.values() if m.source == target and m.published]
        if not facts:
            continue
        loaded = scalar(con, f"select count(*) from valid_{target}")
        carried = sum(scalar(con, f"select count(*) from {f}") for f in facts)
        results.append(CheckResult(" + ".join(facts), f"carries every loaded {target} row",
                                   abs(carried - loaded), f"{carried} rows for {loaded} loaded"))
    return results


def shrink_checks(new_counts: dict[str, int], old_counts: dict[str, int], max_shrink: float) -> list[CheckResult]:
    """A published table that loses more than `max_shrink` of its rows against the serving warehouse fails."""
    results = []
    for table, old in sorted(old_counts.items()):
        new = new_counts.get(table, 0)
        if old and new < old * (1 - max_shrink):
            results.append(CheckResult(table, "row count does not collapse", old - new,
                                       f"{new:,} rows against {old:,} in the serving warehouse; --force to accept"))
    return results
