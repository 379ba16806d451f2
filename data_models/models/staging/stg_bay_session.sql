with source as (

    select * from valid_bay_session

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        event_id,
        bay_id,
        street,
        zone,
        upper(ward_code) as ward_code,
        bay_type,
        arrival_at,
        departure_at,
        max_stay_minutes

    from source

),

final as (

    select * from renamed

)

select * from final
