with source as (

    select * from valid_suspension

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        suspension_ref,
        street,
        zone,
        upper(ward_code) as ward_code,
        reason,
        bays_suspended,
        applied_on,
        start_date,
        end_date,
        status,
        fee as fee_pounds

    from source

),

final as (

    select * from renamed

)

select * from final
