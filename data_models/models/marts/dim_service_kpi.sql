-- KPIs of the catalogue's services (seed_service_kpis), keyed 1..n in service code, KPI code order, plus Unknown
-- (-1) for returned KPIs the catalogue does not list.
with

kpis as (

    select * from seed_service_kpis

),

services as (

    select * from dim_service

),

numbered as (

    select
        cast(row_number() over (order by kpis.service_code, kpis.kpi_code) as integer) as kpi_key,
        coalesce(services.service_key, -1) as service_key,
        kpis.service_code,
        kpis.kpi_code,
        kpis.label,
        kpis.format,
        kpis.direction,
        cast(kpis.target as double) as target,
        cast(kpis.by_ward as boolean) as by_ward,
        kpis.description

    from kpis
    left join services on services.service_code = kpis.service_code

),

unknown as (

    select
        -1 as kpi_key,
        -1 as service_key,
        cast(null as varchar) as service_code,
        cast(null as varchar) as kpi_code,
        'Unknown' as label,
        cast(null as varchar) as format,
        cast(null as varchar) as direction,
        cast(null as double) as target,
        cast(null as boolean) as by_ward,
        'A KPI returned that the catalogue does not list.' as description

),

final as (

    select * from numbered
    union all
    select * from unknown

)

select * from final
