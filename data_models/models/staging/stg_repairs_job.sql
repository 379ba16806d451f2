-- Repairs jobs as loaded: renamed and tidied, one row per loaded record (no row is dropped or merged).
-- ward_match_name normalises a ward name for matching: lower case, '&' -> 'and', apostrophes dropped,
-- other punctuation -> space, a trailing ' ward' dropped. fact_repairs_job applies the same expression to
-- dim_ward.ward_name.
with source as (

    select * from valid_repairs_job

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        job_ref,
        property_ref,
        estate,
        block,
        ward_name,
        normalise_ward_name(ward_name) as ward_match_name,
        trade,
        priority,
        upper(regexp_replace(priority, '[^A-Za-z0-9]', '', 'g')) as priority_match_code,
        raised_at,
        attended_at,
        completed_at,
        cast(raised_at as date) as raised_date,
        cast(attended_at as date) as attended_date,
        cast(completed_at as date) as completed_date,
        status,
        contractor,
        cost as cost_pounds,
        first_time_fix,
        recall as is_recall,
        satisfaction,
        case when satisfaction between 1 and 5 then satisfaction end as satisfaction_score,
        hazard_category,
        coalesce(regexp_matches(lower(hazard_category), 'damp|mou?ld|condensation'), false)
            or coalesce(regexp_matches(lower(trade), 'damp|mou?ld'), false) as is_damp_mould,
        investigated_at,
        summary_issued_at,
        safety_work_completed_at,
        preventative_work_started_at

    from source

),

final as (

    select * from renamed

)

select * from final
