-- One row per parking bay suspension loaded, with the bays and days suspended.
with suspensions as (

    select * from stg_suspension

),

wards as (

    select * from dim_ward

),

calendar_range as (

    select min(full_date) as first_date, max(full_date) as last_date from dim_date

),

as_of as (

    select max(data_as_of) as data_as_of from build_info

),

ward_codes as (

    select ward_code, min(ward_key) as ward_key from wards where ward_key > 0 group by ward_code

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
        case
            when suspensions.applied_on is null then null
            when suspensions.applied_on between calendar_range.first_date and calendar_range.last_date
                then cast(strftime(suspensions.applied_on, '%Y%m%d') as integer)
            else -1
        end as applied_date_key,
        case
            when suspensions.start_date is null then null
            when suspensions.start_date between calendar_range.first_date and calendar_range.last_date
                then cast(strftime(suspensions.start_date, '%Y%m%d') as integer)
            else -1
        end as start_date_key,
        case
            when suspensions.end_date is null then null
            when suspensions.end_date between calendar_range.first_date and calendar_range.last_date
                then cast(strftime(suspensions.end_date, '%Y%m%d') as integer)
            else -1
        end as end_date_key,
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
