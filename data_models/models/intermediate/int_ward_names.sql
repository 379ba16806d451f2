-- A ward found by its name: normalised with or without a trailing " ward" ("Belsize Ward" and "belsize" both find
-- Belsize), as the staging models normalise the names they read (their ward_match_name).
with

wards as (

    select * from dim_ward

),

spellings as (

    select normalise_ward_name(ward_name) as match_name, ward_key from wards where ward_key > 0
    union all
    select match_name, ward_key from wards where ward_key > 0

),

final as (

    select match_name, min(ward_key) as ward_key from spellings where match_name is not null group by match_name

)

select * from final
