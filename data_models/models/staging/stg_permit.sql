with source as (

    select * from valid_permit

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        permit_number,
        permit_type,
        zone,
        upper(ward_code) as ward_code,
        channel as channel_as_given,
        case
            when channel is null then null
            when regexp_matches(lower(channel), 'online|web|internet|portal|app\b|e-?mail|digital') then 'Online'
            when regexp_matches(lower(channel), 'paper|post|form|letter') then 'Paper'
            when regexp_matches(lower(channel), 'phone|call|tel') then 'Phone'
            when regexp_matches(lower(channel), 'counter|person|face|office|desk') then 'In person'
            else channel
        end as channel,
        applied_at,
        issued_at,
        cast(applied_at as date) as applied_date,
        cast(issued_at as date) as issued_date,
        valid_from,
        valid_to,
        price as price_pounds,
        status

    from source

),

final as (

    select * from renamed

)

select * from final
