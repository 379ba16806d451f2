"""Which pages the signed-in user may open, for the navigation, the catalogue and each page's layout. The rows
themselves are guarded by the query layer (query.scope): this only keeps out of sight what would show nothing.

A page registers what it needs: `capability=` (data quality: admins), or its spec's facts and `services` (the
repairs page shows the Housing repairs services' rows); a page with neither, or with `everyone=True` (home), is
open to every signed-in user."""

from __future__ import annotations

from collections.abc import Callable

import dash

from access import Capability, current_scope, user_can
from dashboards.components.spec import PageSpec, spec_for_path

SERVICE_KPI_FACT = "fact_service_kpi_monthly"


def may_open_spec(spec: PageSpec) -> bool:
    """The page's own fact must be readable (finance reads the care page's budget chart's fact, not the page's)."""
    scope = current_scope()
    if not spec.fact or not scope.reads(spec.fact):
        return False
    if scope.services is None:
        return True
    return bool(scope.services & set(spec.services)) if spec.services is not None else bool(scope.services)


_PATH_CHECKS: dict[str, Callable[[str], bool]] = {}


def check_paths(template: str, may_open_path: Callable[[str], bool]) -> None:
    """A page of many paths (/services/<slug>) says which of them the user may open (the service page does)."""
    _PATH_CHECKS[template] = may_open_path


def may_view(spec: PageSpec, pathname: str | None = None) -> bool:
    """Whether a page's view (tiles, filter lists, cards, chips) is computed for this user: when they may open the
    page it belongs to and, for a page of many paths, the path they are on."""
    page = next((p for p in dash.page_registry.values() if (p.get("path_template") or p.get("path")) == spec.path),
                None)
    if not (may_open(page) if page is not None else may_open_spec(spec)):
        return False
    check = _PATH_CHECKS.get(spec.path)
    return check is None or (isinstance(pathname, str) and check(pathname))


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
