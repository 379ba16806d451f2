-- Primary support reasons seen in the care events, grouped into the six Client Level Data headings.
-- Keys are assigned per build (ordered by group then reason); -1 is Unknown (no reason given).
with events as (

    select * from stg_care_event

),

reasons as (

    select distinct primary_support_reason
    from events
    where primary_support_reason is not null
        and lower(primary_support_reason) not in ('unknown', 'not known', 'not recorded')

),

grouped as (

    select
        primary_support_reason,
        case
            when regexp_matches(lower(primary_support_reason), 'physical|personal care|mobility')
                then 'Physical support'
            when regexp_matches(lower(primary_support_reason), 'sensory|visual|hearing|dual')
                then 'Sensory support'
            when regexp_matches(lower(primary_support_reason), 'memory|cognition|dementia')
                then 'Support with memory and cognition'
            when regexp_matches(lower(primary_support_reason), 'learning')
                then 'Learning disability support'
            when regexp_matches(lower(primary_support_reason), 'mental')
                then 'Mental health support'
            when regexp_matches(lower(primary_support_reason), 'social|substance|asylum|isolation')
                then 'Social support'
            else 'Other'
        end as support_reason_group

    from reasons

),

group_order(support_reason_group, group_sort) as (

    values
        ('Physical support', 1),
        ('Sensory support', 2),
        ('Support with memory and cognition', 3),
        ('Learning disability support', 4),
        ('Mental health support', 5),
        ('Social support', 6),
        ('Other', 7),
        ('Unknown', 99)

),

known as (

    select
        cast(row_number() over (order by group_order.group_sort, grouped.primary_support_reason) as integer)
            as support_reason_key,
        grouped.primary_support_reason,
        grouped.support_reason_group,
        group_order.group_sort

    from grouped
    inner join group_order using (support_reason_group)

),

final as (

    select * from known
    union all
    select -1, 'Unknown', 'Unknown', 99

)

select * from final
