-- Budget monitoring: one row per loaded budget line (cost centre x subjective x financial period), none dropped.
-- month_key is the first day of the period's month (period 1 = April of the financial year's first calendar year,
-- period 12 = March of the next); -1 when the period is not 1-12 or the year is unreadable.
-- actual_in_month_pounds = this period's actual to date minus the previous period's for the same cost centre,
-- subjective and financial year:
--   period 1                                     -> the actual to date itself
--   previous period loaded, line present         -> the difference (lines repeated in a period are summed)
--   previous period loaded, line absent          -> the actual to date (the line is new this period)
--   previous period not loaded at all            -> null (the month cannot be told from the year to date)
with

lines as (

    select * from stg_budget_line

),

cost_centres as (

    select * from dim_cost_centre

),

services as (

    select * from dim_service where service_key > 0

),

directorates as (

    select * from dim_directorate where directorate_key > 0

),

dates as (

    select date_key, full_date from dim_date where date_key > 0

),

dated as (

    select
        *,
        case
            when period between 1 and 12 and financial_year_start is not null
                then make_date(
                    financial_year_start + case when period >= 10 then 1 else 0 end,
                    (period + 2) % 12 + 1,
                    1
                )
        end as month_start,
        normalise_name(service_name) as service_match_name,
        normalise_name(directorate_name) as directorate_match_name

    from lines

),

loaded_periods as (

    select distinct financial_year, period from lines

),

line_totals as (

    select
        financial_year,
        period,
        cost_centre_code,
        subjective_match_name,
        sum(actual_to_date_pounds) as actual_to_date_pounds,
        count(actual_to_date_pounds) as actual_count

    from lines
    group by all

),

with_previous as (

    select
        dated.*,
        case
            when dated.period = 1 then dated.actual_to_date_pounds
            when previous_period.period is null then null
            when previous_line.cost_centre_code is null then dated.actual_to_date_pounds
            when previous_line.actual_count = 0 then null
            else dated.actual_to_date_pounds - previous_line.actual_to_date_pounds
        end as actual_in_month_pounds

    from dated
    left join loaded_periods as previous_period
        on previous_period.financial_year = dated.financial_year
        and previous_period.period = dated.period - 1
    left join line_totals as previous_line
        on previous_line.financial_year = dated.financial_year
        and previous_line.period = dated.period - 1
        and previous_line.cost_centre_code = dated.cost_centre_code
        and previous_line.subjective_match_name is not distinct from dated.subjective_match_name

),

joined as (

    select
        with_previous.source_file,
        with_previous.source_row,
        cost_centres.cost_centre_key,
        coalesce(by_service_name.service_key, by_service_code.service_key, -1) as service_key,
        coalesce(
            by_service_name.directorate_key,
            by_service_code.directorate_key,
            by_directorate_name.directorate_key,
            by_directorate_code.directorate_key,
            -1
        ) as directorate_key,
        coalesce(dates.date_key, -1) as month_key,
        with_previous.financial_year,
        with_previous.period,
        with_previous.subjective,
        with_previous.annual_budget_pounds,
        with_previous.budget_to_date_pounds,
        with_previous.actual_to_date_pounds,
        with_previous.forecast_outturn_pounds,
        cast(coalesce(
            with_previous.variance_pounds,
            with_previous.forecast_outturn_pounds - with_previous.annual_budget_pounds
        ) as decimal(18, 2)) as variance_pounds,
        cast(with_previous.actual_in_month_pounds as decimal(18, 2)) as actual_in_month_pounds

    from with_previous
    left join cost_centres on cost_centres.cost_centre_code = with_previous.cost_centre_code
    left join services as by_service_name on by_service_name.match_name = with_previous.service_match_name
    left join services as by_service_code on by_service_code.service_code = upper(with_previous.service_name)
    left join directorates as by_directorate_name
        on by_directorate_name.match_name = with_previous.directorate_match_name
    left join directorates as by_directorate_code
        on by_directorate_code.directorate_code = upper(with_previous.directorate_name)
    left join dates on dates.full_date = with_previous.month_start

),

final as (

    select
        cast(row_number() over (order by source_file, source_row) as bigint) as budget_monthly_key,
        cost_centre_key,
        service_key,
        directorate_key,
        month_key,
        financial_year,
        period,
        subjective,
        annual_budget_pounds,
        budget_to_date_pounds,
        actual_to_date_pounds,
        forecast_outturn_pounds,
        variance_pounds,
        actual_in_month_pounds,
        source_file,
        source_row

    from joined

)

select * from final
