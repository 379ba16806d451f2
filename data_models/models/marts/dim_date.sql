-- One row per day of financial years 2013-14 to 2027-28 (1 Apr 2013 to 31 Mar 2028), plus an Unknown member (-1)
-- for a date that was given but falls outside that range. A date that has not happened yet (a job not completed)
-- is a NULL key in the facts, not -1.
-- working_day_number counts working days (not Saturday, Sunday or an England & Wales bank holiday) from the start
-- of the calendar up to and including the day, so the working days after date a up to and including date b are
-- b.working_day_number - a.working_day_number.
with

days as (

    select cast(generate_series as date) as full_date
    from generate_series(date '2013-04-01', date '2028-03-31', interval 1 day)

),

bank_holidays as (

    select
        holiday_date,
        string_agg(distinct holiday_name, '; ' order by holiday_name) as bank_holiday_name
    from seed_bank_holidays
    group by holiday_date

),

calendar as (

    select
        cast(strftime(days.full_date, '%Y%m%d') as integer) as date_key,
        days.full_date,
        year(days.full_date) as calendar_year,
        month(days.full_date) as calendar_month,
        day(days.full_date) as day_of_month,
        monthname(days.full_date) as month_name,
        cast(date_trunc('month', days.full_date) as date) as month_start,
        cast(strftime(date_trunc('month', days.full_date), '%Y%m%d') as integer) as month_start_key,
        strftime(days.full_date, '%b %Y') as month_label,
        case when month(days.full_date) >= 4 then year(days.full_date) else year(days.full_date) - 1 end
            as financial_year_start,
        (month(days.full_date) + 8) % 12 + 1 as fy_month_number,
        isodow(days.full_date) as iso_weekday,
        dayname(days.full_date) as day_name,
        cast(date_trunc('week', days.full_date) as date) as week_start,
        isodow(days.full_date) >= 6 as is_weekend,
        bank_holidays.holiday_date is not null as is_bank_holiday,
        bank_holidays.bank_holiday_name

    from days
    left join bank_holidays on bank_holidays.holiday_date = days.full_date

),

labelled as (

    select
        date_key,
        full_date,
        calendar_year,
        calendar_month,
        day_of_month,
        month_name,
        month_start,
        month_start_key,
        month_label,
        financial_year_start || '-' || lpad(cast((financial_year_start + 1) % 100 as varchar), 2, '0')
            as financial_year,
        financial_year_start,
        'Q' || ((fy_month_number - 1) // 3 + 1) as fy_quarter,
        fy_month_number,
        iso_weekday,
        day_name,
        week_start,
        is_weekend,
        is_bank_holiday,
        bank_holiday_name,
        not is_weekend and not is_bank_holiday as is_working_day

    from calendar

),

numbered as (

    select
        *,
        sum(case when is_working_day then 1 else 0 end) over (order by full_date rows unbounded preceding)
            as working_day_number

    from labelled

),

unknown as (

    select
        -1 as date_key,
        cast(null as date) as full_date,
        cast(null as integer) as calendar_year,
        cast(null as integer) as calendar_month,
        cast(null as integer) as day_of_month,
        'Unknown' as month_name,
        cast(null as date) as month_start,
        -1 as month_start_key,
        'Unknown' as month_label,
        'Unknown' as financial_year,
        cast(null as integer) as financial_year_start,
        'Unknown' as fy_quarter,
        cast(null as integer) as fy_month_number,
        cast(null as integer) as iso_weekday,
        'Unknown' as day_name,
        cast(null as date) as week_start,
        cast(null as boolean) as is_weekend,
        cast(null as boolean) as is_bank_holiday,
        cast(null as varchar) as bank_holiday_name,
        cast(null as boolean) as is_working_day,
        cast(null as bigint) as working_day_number

),

final as (

    select
        date_key,
        full_date,
        calendar_year,
        calendar_month,
        day_of_month,
        month_name,
        month_start,
        month_start_key,
        month_label,
        financial_year,
        financial_year_start,
        fy_quarter,
        financial_year || ' ' || fy_quarter as fy_quarter_label,
        fy_month_number,
        iso_weekday,
        day_name,
        week_start,
        is_weekend,
        is_bank_holiday,
        bank_holiday_name,
        is_working_day,
        cast(working_day_number as bigint) as working_day_number
    from numbered

    union all

    select
        date_key,
        full_date,
        calendar_year,
        calendar_month,
        day_of_month,
        month_name,
        month_start,
        month_start_key,
        month_label,
        financial_year,
        financial_year_start,
        fy_quarter,
        'Unknown' as fy_quarter_label,
        fy_month_number,
        iso_weekday,
        day_name,
        week_start,
        is_weekend,
        is_bank_holiday,
        bank_holiday_name,
        is_working_day,
        working_day_number
    from unknown

)

select * from final
