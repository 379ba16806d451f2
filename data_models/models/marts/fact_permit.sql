-- One row per parking permit application loaded, with its processing time from application to issue.
with permits as (

    select * from stg_permit

),

calendar as (

    select full_date, working_day_number from dim_date

),

calendar_range as (

    select * from int_calendar_range

),

as_of as (

    select * from int_as_of

),

ward_codes as (

    select * from int_ward_codes

),

final as (

    select
        cast(row_number() over (order by permits.source_file, permits.source_row) as bigint) as permit_key,
        permits.permit_number,
        permits.permit_type,
        permits.zone,
        coalesce(ward_codes.ward_key, -1) as ward_key,
        permits.channel,
        permits.channel_as_given,
        permits.status,
        permits.applied_at,
        permits.issued_at,
        date_key(permits.applied_date, calendar_range.first_date, calendar_range.last_date) as applied_date_key,
        date_key(permits.issued_date, calendar_range.first_date, calendar_range.last_date) as issued_date_key,
        permits.issued_at is not null as is_issued,
        case
            when permits.issued_at >= permits.applied_at
                then round(date_diff('second', permits.applied_at, permits.issued_at) / 60.0, 1)
        end as processing_minutes,
        case
            when permits.issued_at >= permits.applied_at
                then round(date_diff('second', permits.applied_at, permits.issued_at) / 86400.0, 2)
        end as processing_days,
        case
            when permits.issued_at >= permits.applied_at
                then issued_day.working_day_number - applied_day.working_day_number
        end as processing_working_days,
        case
            when permits.issued_at is null and permits.applied_date <= as_of.data_as_of
                then date_diff('day', permits.applied_date, as_of.data_as_of)
        end as days_awaiting_issue,
        permits.valid_from,
        permits.valid_to,
        date_key(permits.valid_from, calendar_range.first_date, calendar_range.last_date) as valid_from_date_key,
        date_key(permits.valid_to, calendar_range.first_date, calendar_range.last_date) as valid_to_date_key,
        case
            when permits.valid_from is not null
                then permits.valid_from <= as_of.data_as_of
                    and (permits.valid_to is null or permits.valid_to >= as_of.data_as_of)
        end as is_valid_at_as_of,
        permits.price_pounds,
        permits.source_file,
        permits.source_row,
        permits.layout

    from permits
    cross join as_of
    cross join calendar_range
    left join ward_codes on permits.ward_code = ward_codes.ward_code
    left join calendar as applied_day on permits.applied_date = applied_day.full_date
    left join calendar as issued_day on permits.issued_date = issued_day.full_date

)

select * from final
