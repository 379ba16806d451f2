-- Cost centres of budget monitoring, one row per cost centre code, described by its latest budget line (latest
-- financial year and period; a name missing there is taken from the latest line that has one). The service is
-- resolved to the catalogue by name or code (else -1 Unknown); the directorate is the catalogue service's, else
-- the budget's directorate matched by name or code, else -1.
with

lines as (

    select
        *,
        normalise_name(service_name) as service_match_name,
        normalise_name(directorate_name) as directorate_match_name

    from stg_budget_line

),

services as (

    select * from dim_service where service_key > 0

),

directorates as (

    select * from dim_directorate where directorate_key > 0

),

latest as (

    select
        cost_centre_code,
        arg_max(cost_centre_name, [coalesce(financial_year_start, 0), period, source_row])
            filter (where cost_centre_name is not null) as cost_centre_name,
        arg_max(service_name, [coalesce(financial_year_start, 0), period, source_row])
            filter (where service_name is not null) as service_name,
        arg_max(service_match_name, [coalesce(financial_year_start, 0), period, source_row])
            filter (where service_name is not null) as service_match_name,
        arg_max(directorate_name, [coalesce(financial_year_start, 0), period, source_row])
            filter (where directorate_name is not null) as directorate_name,
        arg_max(directorate_match_name, [coalesce(financial_year_start, 0), period, source_row])
            filter (where directorate_name is not null) as directorate_match_name

    from lines
    group by cost_centre_code

),

resolved as (

    select
        latest.cost_centre_code,
        latest.cost_centre_name,
        latest.service_name as budget_service_name,
        latest.directorate_name as budget_directorate_name,
        coalesce(by_service_name.service_key, by_service_code.service_key, -1) as service_key,
        coalesce(
            by_service_name.directorate_key,
            by_service_code.directorate_key,
            by_directorate_name.directorate_key,
            by_directorate_code.directorate_key,
            -1
        ) as directorate_key

    from latest
    left join services as by_service_name
        on by_service_name.match_name = latest.service_match_name
    left join services as by_service_code
        on by_service_code.service_code = upper(latest.service_name)
    left join directorates as by_directorate_name
        on by_directorate_name.match_name = latest.directorate_match_name
    left join directorates as by_directorate_code
        on by_directorate_code.directorate_code = upper(latest.directorate_name)

),

final as (

    select
        cast(row_number() over (order by resolved.cost_centre_code) as integer) as cost_centre_key,
        resolved.cost_centre_code,
        coalesce(resolved.cost_centre_name, resolved.cost_centre_code) as cost_centre_name,
        resolved.service_key,
        coalesce(services.service_name, 'Unknown') as service_name,
        resolved.budget_service_name,
        resolved.directorate_key,
        coalesce(directorates.directorate_name, 'Unknown') as directorate_name,
        resolved.budget_directorate_name

    from resolved
    left join services on services.service_key = resolved.service_key
    left join directorates on directorates.directorate_key = resolved.directorate_key

)

select * from final
