-- Service management-information returns as loaded, one row per loaded record of valid_service_kpi.
-- Codes are upper-cased; the period is moved to the first day of its month; the ward is kept as returned (a code,
-- a name or ALL) and its normalised form is given for matching by name.
with

source as (

    select * from valid_service_kpi

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        upper(regexp_replace(service_code, '\s+', '', 'g')) as service_code,
        regexp_replace(service_name, '\s+', ' ', 'g') as service_name,
        cast(date_trunc('month', period) as date) as period_month,
        upper(regexp_replace(kpi_code, '\s+', '', 'g')) as kpi_code,
        regexp_replace(kpi_name, '\s+', ' ', 'g') as kpi_name,
        ward_code as ward_as_returned,
        upper(regexp_replace(ward_code, '\s+', '', 'g')) as ward_code,
        normalise_ward_name(ward_code) as ward_match_name,
        value as kpi_value,
        numerator,
        denominator

    from source

),

final as (

    select * from renamed

)

select * from final
