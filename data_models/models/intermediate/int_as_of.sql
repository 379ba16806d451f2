-- The day the build measures open and overdue work to (the build's --as-of, else the day it ran).
with

builds as (

    select * from build_info

),

final as (

    select max(data_as_of) as data_as_of from builds

)

select * from final
