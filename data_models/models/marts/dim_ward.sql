-- The borough's wards from seed_wards, keyed 1..n in ward code order, plus Unknown (-1: not given or not
-- recognised) and Outside the borough (-2). match_name is the ward name normalised for joins by name: lower-case,
-- '&' -> 'and', apostrophes and other punctuation removed, spaces collapsed ("King's Cross" -> "kings cross",
-- "St Pancras & Somers Town" -> "st pancras and somers town").
with

wards as (

    select * from seed_wards

),

numbered as (

    select
        cast(row_number() over (order by ward_code) as integer) as ward_key,
        ward_code,
        regexp_replace(ward_name, '\s+', ' ', 'g') as ward_name,
        normalise_name(ward_name) as match_name,
        cast(population as bigint) as population,
        cast(council_homes as bigint) as council_homes,
        true as is_in_borough,
        cast(row_number() over (order by ward_code) as integer) as sort_order

    from wards

),

special_members as (

    select * from (values
        (-1, cast(null as varchar), 'Unknown', 'unknown', cast(null as bigint), cast(null as bigint),
            cast(null as boolean), 998),
        (-2, cast(null as varchar), 'Outside the borough', 'outside the borough', cast(null as bigint),
            cast(null as bigint), false, 999)
    ) as t(ward_key, ward_code, ward_name, match_name, population, council_homes, is_in_borough, sort_order)

),

final as (

    select * from numbered
    union all
    select * from special_members

)

select * from final
