"""Which pages the signed-in user may open, for the navigation, the catalogue and each page's layout. The rows
themselves are guarded by the query layer (query.scope): this only keeps out of sight what would show nothing.

A page registers what it needs: `capability=` (data quality: admins), or its spec's facts and `services` (the
repairs page shows the Housing repairs services' rows); a page with neither, or with `everyone=True` (home), is
open to every signed-in user."""

from __future__ import annotations

from access import Capability, current_scope, user_can
from dashboards.components.spec import PageSpec, spec_for_path

SERVICE_KPI_FACT = "fact_service_kpi_monthly"


def may_open_spec(spec: PageSpec) -> bool:
    scope = current_scope()
    if not any(scope.reads(fact) for fact in spec.facts):
        return False
    if scope.services is None:
        return True
    return bool(scope.services & set(spec.services)) if spec.services is not None else bool(scope.services)


def may_open_service(service_code: str) -> bool:
    scope = current_scope()
    return scope.reads(SERVICE_KPI_FACT) and (scope.services is None or service_code in scope.services)


def may_open(page: dict) -> bool:
    """For a Dash page registry entry."""
    if page.get("everyone"):
        return True
    if page.get("capability"):
        return user_can(Capability(page["capability"]))
    spec = spec_for_path(page.get("path_template") or page.get("path"))
    if spec is not None and spec.facts:
        return may_open_spec(spec)
    return True
