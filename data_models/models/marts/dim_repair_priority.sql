-- Repair priorities from the seed (configuration), with an Unknown member (-1) for jobs whose priority is not in it.
with priorities as (

    select * from seed_repair_priorities

),

known as (

    select
        cast(row_number() over (order by sort, code) as integer) as priority_key,
        code as priority_code,
        name as priority_name,
        cast(target_hours as double) as target_hours,
        cast(target_working_days as integer) as target_working_days,
        case
            when target_hours is not null then cast(target_hours as varchar) || ' hours'
            when target_working_days is not null then cast(target_working_days as varchar) || ' working days'
        end as target_label,
        rp02_group,
        cast(sort as integer) as sort_order

    from priorities

),

unknown as (

    select
        -1 as priority_key,
        'UNKNOWN' as priority_code,
        'Unknown' as priority_name,
        cast(null as double) as target_hours,
        cast(null as integer) as target_working_days,
        cast(null as varchar) as target_label,
        'unknown' as rp02_group,
        999 as sort_order

),

final as (

    select * from known
    union all by name
    select * from unknown

)

select * from final
