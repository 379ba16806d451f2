-- Service KPI returns: one row per loaded return record (service x KPI x month x ward), none dropped.
-- A borough-wide value (ward ALL, BOROUGH or empty) has is_borough_total = true and ward_key -1: dim_ward has no
-- "whole borough" member, so a ward selection never picks a borough total, and a chart by ward filters
-- is_borough_total = false. A ward is recognised by its ONS code or its normalised name; anything else is -1 with
-- is_borough_total = false (ward_as_returned keeps what was written). A KPI or service the catalogue does not list
-- is -1; the month is -1 when outside dim_date.
with

returns as (

    select * from stg_service_kpi

),

services as (

    select * from dim_service where service_key > 0

),

kpis as (

    select * from dim_service_kpi where kpi_key > 0

),

ward_codes as (

    select * from int_ward_codes

),

ward_names as (

    select * from int_ward_names

),

dates as (

    select date_key, full_date from dim_date where date_key > 0

),

flagged as (

    select
        *,
        ward_code is null or ward_code in ('ALL', 'BOROUGH', 'WHOLEBOROUGH', 'BOROUGHWIDE', 'TOTAL')
            as is_borough_total

    from returns

),

joined as (

    select
        flagged.source_file,
        flagged.source_row,
        coalesce(kpis.service_key, services.service_key, -1) as service_key,
        coalesce(kpis.kpi_key, -1) as kpi_key,
        coalesce(dates.date_key, -1) as month_key,
        case
            when flagged.is_borough_total then -1
            else coalesce(by_code.ward_key, by_name.ward_key, -1)
        end as ward_key,
        flagged.is_borough_total,
        flagged.service_code,
        flagged.kpi_code,
        flagged.ward_as_returned,
        flagged.kpi_value,
        flagged.numerator,
        flagged.denominator

    from flagged
    left join services on services.service_code = flagged.service_code
    left join kpis on kpis.service_code = flagged.service_code and kpis.kpi_code = flagged.kpi_code
    left join ward_codes as by_code on by_code.ward_code = flagged.ward_code
    left join ward_names as by_name on by_name.match_name = flagged.ward_match_name
    left join dates on dates.full_date = flagged.period_month

),

final as (

    select
        cast(row_number() over (order by source_file, source_row) as bigint) as service_kpi_monthly_key,
        service_key,
        kpi_key,
        month_key,
        ward_key,
        is_borough_total,
        service_code,
        kpi_code,
        ward_as_returned,
        kpi_value,
        numerator,
        denominator,
        source_file,
        source_row

    from joined

)

select * from final
