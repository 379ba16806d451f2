-- One row per adult social care request, assessment or review event loaded (every Client Level Data event that is
-- not a Service; services are in fact_care_service_episode), with the wait for assessment and review flags as at
-- build_info.data_as_of.
with events as (

    select * from stg_care_event

),

service_episodes as (

    select * from fact_care_service_episode

),

age_bands as (

    select * from dim_age_band

),

support_reasons as (

    select * from dim_care_support_reason

),

calendar_range as (

    select * from int_calendar_range

),

as_of as (

    select * from int_as_of

),

ward_codes as (

    select * from int_ward_codes

),

requests as (

    select person_key, event_reference, event_start_date from events where event_type_group = 'request'

),

assessments as (

    select person_key, event_start_date from events where event_type_group = 'assessment'

),

-- an assessment waited from the person's latest request that started on or before it
assessment_requests as (

    select
        events.source_file,
        events.source_row,
        requests.event_reference as request_event_reference,
        requests.event_start_date as request_start_date

    from events
    inner join requests
        on requests.person_key = events.person_key
        and requests.event_start_date <= events.event_start_date
    where events.event_type_group = 'assessment'
    qualify row_number() over (
        partition by events.source_file, events.source_row
        order by requests.event_start_date desc, requests.event_reference desc
    ) = 1

),

-- a request is followed by the person's first assessment that started on or after it
request_assessments as (

    select
        events.source_file,
        events.source_row,
        min(assessments.event_start_date) as next_assessment_start_date

    from events
    inner join assessments
        on assessments.person_key = events.person_key
        and assessments.event_start_date >= events.event_start_date
    where events.event_type_group = 'request'
    group by events.source_file, events.source_row

),

reviews as (

    select
        source_file,
        source_row,
        coalesce(event_end_date, event_start_date) as review_date,
        row_number() over (
            partition by person_key
            order by coalesce(event_end_date, event_start_date) desc, event_reference desc
        ) = 1 as is_latest_review_for_person

    from events
    where event_type_group = 'review'

),

people_needing_review as (

    select distinct person_key from service_episodes where is_active and requires_annual_review

),

-- a request leads to an assessment when its outcome is one reached through an assessment: 'Progress to
-- Assessment', or long-term / short-term support (SALT and Client Level Data request outcomes)
non_service_events as (

    select
        *,
        case
            when event_type_group = 'request'
                then coalesce(
                    regexp_matches(lower(event_outcome), 'assess|long[ -]term|short[ -]term|st-max|reablement'), false)
        end as is_progressed_to_assessment

    from events
    where event_type_group <> 'service'

),

final as (

    select
        cast(row_number() over (order by e.source_file, e.source_row) as bigint) as care_event_key,
        e.event_reference,
        e.person_key,
        e.event_type,
        e.event_type_group,
        case
            when ward_codes.ward_key is not null then ward_codes.ward_key
            when regexp_matches(coalesce(e.ward_code, ''), '^[EWSN]05[0-9]{6}$') then -2
            else -1
        end as ward_key,
        coalesce(age_bands.age_band_key, -1) as age_band_key,
        coalesce(support_reasons.support_reason_key, -1) as support_reason_key,
        e.la_code,
        e.gender,
        e.ethnicity,
        e.client_type,
        e.event_start_date,
        e.event_end_date,
        date_key(e.event_start_date, calendar_range.first_date, calendar_range.last_date) as event_start_date_key,
        date_key(e.event_end_date, calendar_range.first_date, calendar_range.last_date) as event_end_date_key,
        date_diff('day', e.event_start_date, e.event_end_date) as event_duration_days,
        e.event_outcome,
        case when e.event_type_group = 'request' then e.event_outcome end as request_outcome,
        e.request_route_of_access,
        e.assessment_type,
        e.review_reason,

        -- requests: progressed to assessment, and still waiting (no assessment since) at data_as_of
        e.is_progressed_to_assessment,
        e.is_progressed_to_assessment
            and request_assessments.next_assessment_start_date is null
            and e.event_start_date <= as_of.data_as_of as is_awaiting_assessment,
        case
            when e.is_progressed_to_assessment
                and request_assessments.next_assessment_start_date is null
                and e.event_start_date <= as_of.data_as_of
                then date_diff('day', e.event_start_date, as_of.data_as_of)
        end as days_waiting_at_as_of,

        -- assessments: days from the person's request to the assessment start
        assessment_requests.request_event_reference,
        date_diff('day', assessment_requests.request_start_date, e.event_start_date) as days_waited_for_assessment,

        -- reviews: the next review is due 12 months after this one; overdue when this is the person's latest
        -- review, they have an active service that needs annual review, and the due date is before data_as_of
        reviews.is_latest_review_for_person,
        cast(reviews.review_date + interval 12 month as date) as next_review_due_date,
        case
            when e.event_type_group = 'review'
                then reviews.is_latest_review_for_person
                    and people_needing_review.person_key is not null
                    and cast(reviews.review_date + interval 12 month as date) < as_of.data_as_of
        end as is_next_review_overdue,

        e.source_file,
        e.source_row,
        e.layout

    from non_service_events as e
    cross join as_of
    cross join calendar_range
    left join ward_codes on e.ward_code = ward_codes.ward_code
    left join age_bands
        on e.age_at_event_start between age_bands.min_age and age_bands.max_age
        and age_bands.age_band_key > 0
    left join support_reasons
        on e.primary_support_reason = support_reasons.primary_support_reason
        and support_reasons.support_reason_key > 0
    left join assessment_requests
        on e.source_file = assessment_requests.source_file and e.source_row = assessment_requests.source_row
    left join request_assessments
        on e.source_file = request_assessments.source_file and e.source_row = request_assessments.source_row
    left join reviews on e.source_file = reviews.source_file and e.source_row = reviews.source_row
    left join people_needing_review on e.person_key = people_needing_review.person_key

)

select * from final
