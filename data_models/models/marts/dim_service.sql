-- Services of the catalogue (seed_services) with their directorate, keyed 1..n in service code order, plus
-- Unknown (-1) for spend, budget and returns whose service is not in the catalogue.
with

services as (

    select * from seed_services

),

directorates as (

    select * from dim_directorate

),

numbered as (

    select
        cast(row_number() over (order by services.service_code) as integer) as service_key,
        services.service_code,
        services.slug,
        services.service_name,
        normalise_name(services.service_name) as match_name,
        services.owner,
        services.description,
        coalesce(directorates.directorate_key, -1) as directorate_key,
        directorates.directorate_code,
        coalesce(directorates.directorate_name, 'Unknown') as directorate_name

    from services
    left join directorates on directorates.directorate_code = services.directorate_code

),

unknown as (

    select
        -1 as service_key,
        cast(null as varchar) as service_code,
        cast(null as varchar) as slug,
        'Unknown' as service_name,
        'unknown' as match_name,
        cast(null as varchar) as owner,
        'Not a service of the catalogue, or not given.' as description,
        -1 as directorate_key,
        cast(null as varchar) as directorate_code,
        'Unknown' as directorate_name

),

final as (

    select * from numbered
    union all
    select * from unknown

)

select * from final
