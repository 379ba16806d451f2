-- A ward found by its ONS code (E05...), exactly as written; the special members (-1, -2) are never matched.
with

wards as (

    select * from dim_ward

),

final as (

    select ward_code, min(ward_key) as ward_key from wards where ward_key > 0 group by ward_code

)

select * from final
