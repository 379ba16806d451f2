-- The first and last day dim_date covers: a fact's day outside them gets date key -1 (see the date_key macro).
with

dates as (

    select * from dim_date

),

final as (

    select min(full_date) as first_date, max(full_date) as last_date from dates

)

select * from final
