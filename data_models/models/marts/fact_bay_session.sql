-- One row per bay sensor stay loaded (arrival to departure in one bay), with its length and any overstay.
with stays as (

    select * from stg_bay_session

),

calendar_range as (

    select * from int_calendar_range

),

ward_codes as (

    select * from int_ward_codes

),

-- a deterministic surrogate key without sorting every stay: the file's number (in name order) x 10^9 + its row
file_numbers as (

    select source_file, row_number() over (order by source_file) as file_number
    from (select distinct source_file from stays)

),

measured as (

    select
        stays.*,
        case
            when stays.departure_at >= stays.arrival_at
                then round(date_diff('second', stays.arrival_at, stays.departure_at) / 60.0, 2)
        end as minutes_stayed,
        cast(stays.arrival_at as date) as arrival_date,
        cast(stays.departure_at as date) as departure_date

    from stays

),

final as (

    select
        cast(file_numbers.file_number * 1000000000 + measured.source_row as bigint) as bay_session_key,
        measured.event_id,
        measured.bay_id,
        measured.street,
        measured.zone,
        coalesce(ward_codes.ward_key, -1) as ward_key,
        measured.bay_type,
        measured.arrival_at,
        measured.departure_at,
        date_key(measured.arrival_date, calendar_range.first_date, calendar_range.last_date) as arrival_date_key,
        hour(measured.arrival_at) as arrival_hour,
        isodow(measured.arrival_at) as arrival_weekday,
        dayname(measured.arrival_at) as arrival_weekday_name,
        date_key(measured.departure_date, calendar_range.first_date, calendar_range.last_date) as departure_date_key,
        measured.departure_at is null as is_ongoing,
        measured.departure_at < measured.arrival_at as is_departure_before_arrival,
        measured.minutes_stayed,
        measured.max_stay_minutes,
        case
            when measured.minutes_stayed is not null and measured.max_stay_minutes is not null
                then measured.minutes_stayed > measured.max_stay_minutes
        end as is_overstay,
        case
            when measured.minutes_stayed is not null and measured.max_stay_minutes is not null
                then greatest(measured.minutes_stayed - measured.max_stay_minutes, 0)
        end as overstay_minutes,
        measured.source_file,
        measured.source_row,
        measured.layout

    from measured
    inner join file_numbers on measured.source_file = file_numbers.source_file
    cross join calendar_range
    left join ward_codes on measured.ward_code = ward_codes.ward_code

)

select * from final
