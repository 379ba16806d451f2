-- Directorates of the service catalogue (seed_directorates), keyed 1..n in code order, plus Unknown (-1).
with

directorates as (

    select * from seed_directorates

),

numbered as (

    select
        cast(row_number() over (order by directorate_code) as integer) as directorate_key,
        directorate_code,
        directorate_name,
        normalise_name(directorate_name) as match_name

    from directorates

),

unknown as (

    select
        -1 as directorate_key,
        cast(null as varchar) as directorate_code,
        'Unknown' as directorate_name,
        'unknown' as match_name

),

final as (

    select * from numbered
    union all
    select * from unknown

)

select * from final
