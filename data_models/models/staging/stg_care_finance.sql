-- Adult social care finance return (PSS-EX1 / ASC-FR) cells as loaded, one row per loaded record.
-- "-" (not applicable) and blanks are already NULL from the layout; the financial year is read from the file name
-- (pss-exp-2015-16-fin-act.csv -> 2015-16) because the return has no year column.
with

source as (

    select * from valid_care_finance

),

year_read as (

    select
        *,
        cast(regexp_extract(source_file, '(20[0-9]{2})[-_/]?([0-9]{2})', 1) as integer) as file_year,
        cast(regexp_extract(source_file, '(20[0-9]{2})[-_/]?([0-9]{2})', 2) as integer) as file_year_end

    from source

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        upper(council_code) as council_code,
        regexp_replace(council_name, '\s+', ' ', 'g') as council_name,
        uuid as cell_id,
        case
            when file_year_end = (file_year + 1) % 100
                then file_year || '-' || lpad(cast(file_year_end as varchar), 2, '0')
        end as financial_year,
        care_type,
        activity_provision,
        age_band,
        primary_support_reason,
        support_setting,
        short_term_purpose,
        data_type,
        value as reported_value,
        notes

    from year_read

),

final as (

    select * from renamed

)

select * from final
