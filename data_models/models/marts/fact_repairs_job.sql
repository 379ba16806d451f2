-- One row per repairs job record loaded (valid_repairs_job), with its ward, priority and dates as keys, its target
-- (emergency: raised_at + target_hours; other priorities: the end of the day target_working_days working days after
-- the day raised, counted with dim_date.working_day_number), completion and backlog measures as at
-- build_info.data_as_of, and the Awaab's Law clocks for damp and mould cases.
with jobs as (

    select * from stg_repairs_job

),

priorities as (

    select * from dim_repair_priority

),

calendar as (

    select full_date, is_working_day, working_day_number from dim_date

),

working_days as (

    select working_day_number, full_date from calendar where is_working_day

),

calendar_range as (

    select * from int_calendar_range

),

as_of as (

    select * from int_as_of

),

-- a ward is found by its name, normalised as stg_repairs_job.ward_match_name (dim_ward.match_name also accepted)
ward_lookup as (

    select * from int_ward_names

),

-- a priority is found by its code or its name, compared as upper-case letters and digits only
priority_lookup as (

    select match_code, min(priority_key) as priority_key
    from (
        select upper(regexp_replace(priority_code, '[^A-Za-z0-9]', '', 'g')) as match_code, priority_key
        from priorities
        where priority_key > 0
        union all
        select upper(regexp_replace(priority_name, '[^A-Za-z0-9]', '', 'g')) as match_code, priority_key
        from priorities
        where priority_key > 0
    )
    group by match_code

),

keyed as (

    select
        jobs.*,
        coalesce(ward_lookup.ward_key, -1) as ward_key,
        coalesce(priority_lookup.priority_key, -1) as priority_key,
        case
            when jobs.completed_at is not null then 'completed'
            when regexp_matches(lower(coalesce(jobs.status, '')), 'cancel|withdrawn|void|duplicate|abandon')
                then 'cancelled'
            when regexp_matches(lower(coalesce(jobs.status, '')), 'incomplet|not complet|uncomplet') then 'open'
            when regexp_matches(lower(coalesce(jobs.status, '')), 'complet|closed|finished') then 'completed'
            else 'open'
        end as job_status_group

    from jobs
    left join ward_lookup on jobs.ward_match_name = ward_lookup.match_name
    left join priority_lookup on jobs.priority_match_code = priority_lookup.match_code

),

targeted as (

    select
        keyed.*,
        priorities.priority_code,
        priorities.rp02_group,
        priorities.target_hours,
        priorities.target_working_days,
        raised_day.working_day_number as raised_working_day_number,
        completed_day.working_day_number as completed_working_day_number,
        as_of.data_as_of,
        as_of_day.working_day_number as as_of_working_day_number

    from keyed
    left join priorities on keyed.priority_key = priorities.priority_key
    left join calendar as raised_day on keyed.raised_date = raised_day.full_date
    left join calendar as completed_day on keyed.completed_date = completed_day.full_date
    cross join as_of
    left join calendar as as_of_day on as_of.data_as_of = as_of_day.full_date

),

due as (

    select
        targeted.*,
        case
            when targeted.target_hours is not null
                then targeted.raised_at + to_minutes(cast(round(targeted.target_hours * 60) as bigint))
            when targeted.target_working_days is not null
                then cast(due_day.full_date as timestamp) + interval 1 day
        end as target_due_at,
        case
            when targeted.target_hours is not null
                then cast(targeted.raised_at + to_minutes(cast(round(targeted.target_hours * 60) as bigint)) as date)
            when targeted.target_working_days is not null
                then due_day.full_date
        end as target_due_date

    from targeted
    left join working_days as due_day
        on due_day.working_day_number = targeted.raised_working_day_number + targeted.target_working_days

),

-- Awaab's Law clocks (damp and mould, not cancelled), in working days:
-- investigate within 10 of the day raised; written summary within 3 after the investigation concludes (or after
-- the day it was due, while not done); safety work and the start of preventative work within 5 after the
-- investigation concludes (the regulations count both from the investigation, not from the written summary).
awaab_investigation as (

    select
        due.source_file,
        due.source_row,
        investigation_day.full_date as investigation_due_date,
        cast(due.investigated_at as date) as investigated_date,
        cast(due.summary_issued_at as date) as summary_issued_date,
        cast(due.safety_work_completed_at as date) as safety_work_completed_date,
        cast(due.preventative_work_started_at as date) as preventative_work_started_date

    from due
    left join working_days as investigation_day
        on investigation_day.working_day_number = due.raised_working_day_number + 10
    where due.is_damp_mould and due.job_status_group <> 'cancelled'

),

awaab_summary as (

    select
        awaab_investigation.*,
        summary_day.full_date as summary_due_date

    from awaab_investigation
    left join calendar as summary_start
        on summary_start.full_date
            = coalesce(awaab_investigation.investigated_date, awaab_investigation.investigation_due_date)
    left join working_days as summary_day
        on summary_day.working_day_number = summary_start.working_day_number + 3

),

awaab_works as (

    select
        awaab_summary.*,
        safety_day.full_date as safety_work_due_date,
        preventative_day.full_date as preventative_work_due_date

    from awaab_summary
    left join calendar as works_start
        on works_start.full_date
            = coalesce(awaab_summary.investigated_date, awaab_summary.investigation_due_date)
    left join working_days as safety_day
        on safety_day.working_day_number = works_start.working_day_number + 5
    left join working_days as preventative_day
        on preventative_day.working_day_number = works_start.working_day_number + 5

),

-- met: done on or before the due date; missed: done after it, or not done and the due date is before data_as_of;
-- pending: not done and not yet past due
awaab_clocks as (

    select
        awaab_works.*,
        case
            when investigation_due_date is null then null
            when investigated_date is not null
                then case when investigated_date <= investigation_due_date then 'met' else 'missed' end
            when investigation_due_date < as_of.data_as_of then 'missed'
            else 'pending'
        end as investigation_clock,
        case
            when summary_due_date is null then null
            when summary_issued_date is not null
                then case when summary_issued_date <= summary_due_date then 'met' else 'missed' end
            when summary_due_date < as_of.data_as_of then 'missed'
            else 'pending'
        end as summary_clock,
        case
            when safety_work_due_date is null then null
            when safety_work_completed_date is not null
                then case when safety_work_completed_date <= safety_work_due_date then 'met' else 'missed' end
            when safety_work_due_date < as_of.data_as_of then 'missed'
            else 'pending'
        end as safety_work_clock,
        case
            when preventative_work_due_date is null then null
            when preventative_work_started_date is not null
                then case when preventative_work_started_date <= preventative_work_due_date then 'met' else 'missed' end
            when preventative_work_due_date < as_of.data_as_of then 'missed'
            else 'pending'
        end as preventative_work_clock

    from awaab_works
    cross join as_of

),

measured as (

    select
        due.*,
        case
            when due.job_status_group = 'open' then date_diff('day', due.raised_date, due.data_as_of)
        end as days_open

    from due

),

final as (

    select
        cast(row_number() over (order by measured.source_file, measured.source_row) as bigint) as repairs_job_key,
        measured.job_ref,
        count(*) over (partition by measured.job_ref) > 1 as is_duplicate_job_ref,
        measured.property_ref,
        measured.estate,
        measured.block,
        measured.ward_key,
        measured.ward_name as ward_name_as_given,
        measured.priority_key,
        measured.priority as priority_as_given,
        measured.priority_code,
        measured.rp02_group,
        measured.trade,
        measured.contractor,
        measured.status,
        measured.job_status_group,
        measured.hazard_category,
        measured.is_damp_mould,
        measured.is_damp_mould and measured.raised_date >= date '2025-10-27' as awaabs_law_applies,

        measured.raised_at,
        measured.attended_at,
        measured.completed_at,
        date_key(measured.raised_date, calendar_range.first_date, calendar_range.last_date) as raised_date_key,
        date_key(measured.attended_date, calendar_range.first_date, calendar_range.last_date) as attended_date_key,
        date_key(measured.completed_date, calendar_range.first_date, calendar_range.last_date) as completed_date_key,
        measured.target_due_at,
        date_key(measured.target_due_date, calendar_range.first_date, calendar_range.last_date) as target_due_date_key,

        measured.job_status_group = 'completed' as is_completed,
        measured.job_status_group = 'cancelled' as is_cancelled,
        measured.job_status_group = 'open' as is_open,
        case
            when measured.completed_at is not null and measured.target_due_at is not null
                then measured.completed_at <= measured.target_due_at
        end as completed_within_target,
        case
            when measured.rp02_group = 'emergency' and measured.attended_at is not null
                and measured.target_due_at is not null
                then measured.attended_at <= measured.target_due_at
        end as attended_within_target,
        case
            when measured.job_status_group = 'open' and measured.target_due_at is not null
                then measured.target_due_at < cast(measured.data_as_of as timestamp) + interval 1 day
            when measured.job_status_group = 'open' then null
            else false
        end as is_overdue,
        round(date_diff('second', measured.raised_at, measured.completed_at) / 3600.0, 2) as hours_to_complete,
        date_diff('day', measured.raised_date, measured.completed_date) as days_to_complete,
        measured.completed_working_day_number - measured.raised_working_day_number as working_days_to_complete,
        measured.days_open,
        case
            when measured.job_status_group = 'open'
                then measured.as_of_working_day_number - measured.raised_working_day_number
        end as working_days_open,
        case
            when measured.days_open is null then null
            when measured.days_open <= 7 then '0-7 days'
            when measured.days_open <= 30 then '8-30 days'
            when measured.days_open <= 90 then '31-90 days'
            when measured.days_open <= 180 then '91-180 days'
            else 'over 180 days'
        end as backlog_age_band,
        case
            when measured.days_open is null then null
            when measured.days_open <= 7 then 1
            when measured.days_open <= 30 then 2
            when measured.days_open <= 90 then 3
            when measured.days_open <= 180 then 4
            else 5
        end as backlog_age_band_sort,

        measured.cost_pounds,
        measured.first_time_fix,
        measured.is_recall,
        measured.satisfaction_score,

        measured.investigated_at,
        awaab_clocks.investigation_due_date,
        awaab_clocks.investigation_clock,
        measured.summary_issued_at,
        awaab_clocks.summary_due_date,
        awaab_clocks.summary_clock,
        measured.safety_work_completed_at,
        awaab_clocks.safety_work_due_date,
        awaab_clocks.safety_work_clock,
        measured.preventative_work_started_at,
        awaab_clocks.preventative_work_due_date,
        awaab_clocks.preventative_work_clock,
        case
            when awaab_clocks.source_row is null then null
            else coalesce(awaab_clocks.investigation_clock = 'missed' and awaab_clocks.investigated_date is null, false)
                or coalesce(awaab_clocks.summary_clock = 'missed' and awaab_clocks.summary_issued_date is null, false)
                or coalesce(awaab_clocks.safety_work_clock = 'missed'
                    and awaab_clocks.safety_work_completed_date is null, false)
                or coalesce(awaab_clocks.preventative_work_clock = 'missed'
                    and awaab_clocks.preventative_work_started_date is null, false)
        end as is_awaab_overdue,

        measured.source_file,
        measured.source_row,
        measured.layout

    from measured
    cross join calendar_range
    left join awaab_clocks
        on measured.source_file = awaab_clocks.source_file
        and measured.source_row = awaab_clocks.source_row

)

select * from final
