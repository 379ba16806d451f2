-- Budget monitoring lines as loaded, one row per loaded record of valid_budget_line (nothing filtered).
-- The financial year is read in any of its usual spellings (2025-26, 2025/26, 2025-2026, FY2025-26, 25/26) and
-- written back as '2025-26' with its first calendar year; codes are upper-cased, names have runs of spaces collapsed.
with

source as (

    select * from valid_budget_line

),

year_read as (

    select
        *,
        case
            when regexp_matches(financial_year, '(19|20)[0-9]{2}')
                then cast(regexp_extract(financial_year, '((19|20)[0-9]{2})', 1) as integer)
            when regexp_matches(financial_year, '^\s*(FY\s*)?[0-9]{2}\s*[-/]\s*[0-9]{2}\s*$')
                then 2000 + cast(regexp_extract(financial_year, '([0-9]{2})\s*[-/]', 1) as integer)
        end as financial_year_start

    from source

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        case
            when financial_year_start is not null
                then financial_year_start || '-' || lpad(cast((financial_year_start + 1) % 100 as varchar), 2, '0')
            else financial_year
        end as financial_year,
        financial_year_start,
        cast(period as integer) as period,
        regexp_replace(directorate, '\s+', ' ', 'g') as directorate_name,
        regexp_replace(service, '\s+', ' ', 'g') as service_name,
        upper(regexp_replace(cost_centre, '\s+', '', 'g')) as cost_centre_code,
        regexp_replace(cost_centre_name, '\s+', ' ', 'g') as cost_centre_name,
        regexp_replace(subjective, '\s+', ' ', 'g') as subjective,
        normalise_name(subjective) as subjective_match_name,
        annual_budget as annual_budget_pounds,
        budget_to_date as budget_to_date_pounds,
        actual_to_date as actual_to_date_pounds,
        forecast_outturn as forecast_outturn_pounds,
        variance as variance_pounds

    from year_read

),

final as (

    select * from renamed

)

select * from final
