-- Penalty Charge Notices as loaded, one row per loaded record.
-- Amounts are in pounds with payments positive: Manchester's parking-account export (layout pcn_manchester) records
-- money paid as a negative amount (-£35.00), so its amount_paid is negated here. Outstanding amounts are kept as
-- given (a negative outstanding amount is an overpayment or credit).
with source as (

    select * from valid_pcn

),

-- a ward name normalised for matching, worked out once per distinct name
ward_names as (

    select
        ward_name,
        normalise_ward_name(ward_name) as ward_match_name

    from (select distinct ward_name from source where ward_name is not null)

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        organisation,
        pcn_number,
        issued_at,
        cast(issued_at as date) as issued_date,
        hour(issued_at) as issued_hour,
        ticket_type,
        upper(replace(contravention_code, ' ', '')) as contravention_code,
        contravention_description,
        street,
        vehicle_category,
        status,
        upper(ward_code) as ward_code,
        source.ward_name,
        ward_names.ward_match_name,
        zone,
        band,
        on_street,
        issue_method,
        amount_charged as amount_charged_pounds,
        case when layout = 'pcn_manchester' then -amount_paid else amount_paid end as amount_paid_pounds,
        amount_outstanding as amount_outstanding_pounds,
        cancellation_reason,
        easting,
        northing,
        longitude,
        latitude

    from source
    left join ward_names on source.ward_name = ward_names.ward_name

),

final as (

    select * from renamed

)

select * from final
