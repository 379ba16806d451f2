"""The service catalogue as the warehouse holds it (dim_directorate, dim_service, dim_service_kpi), read within the
user's scope: the services whose KPI returns the scope reads. Pure like query.compiler: a Query of text and bound
parameters, no database."""

from __future__ import annotations

from query.compiler import Query
from query.scope import OutOfScope, Scope

# Each service with its headline KPI: its first KPI in the catalogue (dim_service_kpi is keyed in service code, KPI
# code order, the catalogue's order of a service's KPIs)
CATALOGUE_SQL = """
with headline as (
    select * from dim_service_kpi
    where kpi_key > 0
    qualify row_number() over (partition by service_key order by kpi_key) = 1
)
select d.directorate_code, d.directorate_name, s.service_code, s.slug, s.service_name,
       (select count(*) from dim_service_kpi k where k.service_key = s.service_key) as kpis,
       h.service_code || ':' || h.kpi_code as headline_kpi, h.label as headline_label,
       h.format as headline_format, h.direction as headline_direction, h.target as headline_target
from dim_directorate d
join dim_service s on s.directorate_key = d.directorate_key
left join headline h on h.service_key = s.service_key
where s.service_key <> -1{services}
order by d.directorate_key = -1, d.directorate_name, s.service_name
"""


def service_catalogue_sql(scope: Scope, kpi_fact: str) -> Query:
    """Each service in the scope with its headline KPI, by directorate: every service for an unrestricted scope,
    the scope's own services (bound parameters) for a restricted one; refused (OutOfScope) for a scope that does
    not read `kpi_fact`, the KPI returns the catalogue's statuses are read from."""
    if not isinstance(scope, Scope) or not scope.reads(kpi_fact):
        raise OutOfScope()
    if scope.services is None:
        return Query(CATALOGUE_SQL.format(services=""), {})
    params = {f"s{i}": code for i, code in enumerate(sorted(scope.services))}
    wanted = ", ".join(f"${name}" for name in params) or "null"   # no service: no row
    return Query(CATALOGUE_SQL.format(services=f"\n  and s.service_code in ({wanted})"), params)
