-- One row per parking bay suspension loaded, with the bays and days suspended.
with suspensions as (

    select * from stg_suspension

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
        cast(row_number() over (order by suspensions.source_file, suspensions.source_row) as bigint)
            as suspension_key,
        suspensions.suspension_ref,
        suspensions.street,
        suspensions.zone,
        coalesce(ward_codes.ward_key, -1) as ward_key,
        suspensions.reason,
        suspensions.status,
        suspensions.applied_on,
        suspensions.start_date,
        suspensions.end_date,
        date_key(suspensions.applied_on, calendar_range.first_date, calendar_range.last_date) as applied_date_key,
        date_key(suspensions.start_date, calendar_range.first_date, calendar_range.last_date) as start_date_key,
        date_key(suspensions.end_date, calendar_range.first_date, calendar_range.last_date) as end_date_key,
        suspensions.bays_suspended,
        case
            when suspensions.end_date >= suspensions.start_date
                then date_diff('day', suspensions.start_date, suspensions.end_date) + 1
        end as days_suspended,
        case
            when suspensions.end_date >= suspensions.start_date
                then suspensions.bays_suspended * (date_diff('day', suspensions.start_date, suspensions.end_date) + 1)
        end as bay_days_suspended,
        case
            when suspensions.applied_on <= suspensions.start_date
                then date_diff('day', suspensions.applied_on, suspensions.start_date)
        end as notice_days,
        suspensions.start_date <= as_of.data_as_of
            and (suspensions.end_date is null or suspensions.end_date >= as_of.data_as_of) as is_active_at_as_of,
        suspensions.fee_pounds,
        suspensions.source_file,
        suspensions.source_row,
        suspensions.layout

    from suspensions
    cross join as_of
    cross join calendar_range
    left join ward_codes on suspensions.ward_code = ward_codes.ward_code

)

select * from final
