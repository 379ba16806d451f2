-- Adult social care finance return (PSS-EX1 / ASC-FR): one row per loaded cell, every council, none dropped.
-- The home council's rows (is_home_council) are those whose council code is the home council's PSS or ONS code
-- in dim_organisation (Camden: 702, E09000007). "-" and blank values are null; "-" in the support setting and
-- short-term purpose means not applicable and is labelled so.
with

cells as (

    select * from stg_care_finance

),

home_codes as (

    select upper(pss_council_code) as council_code from dim_organisation
    where is_home_council and pss_council_code is not null
    union
    select upper(ons_code) from dim_organisation
    where is_home_council and ons_code is not null

),

final as (

    select
        cast(row_number() over (order by cells.source_file, cells.source_row) as bigint) as care_finance_key,
        cells.council_code,
        cells.council_name,
        cells.council_code in (select council_code from home_codes) as is_home_council,
        cells.financial_year,
        cells.cell_id,
        cells.care_type,
        cells.activity_provision,
        cells.age_band,
        cells.primary_support_reason,
        coalesce(cells.support_setting, 'Not applicable') as support_setting,
        coalesce(cells.short_term_purpose, 'Not applicable') as short_term_purpose,
        cells.data_type,
        cells.reported_value,
        coalesce(lower(cells.notes) like '%estimate%', false) as is_estimate,
        cells.notes,
        cells.source_file,
        cells.source_row

    from cells

)

select * from final
