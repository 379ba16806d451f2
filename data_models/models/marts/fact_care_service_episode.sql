-- One row per adult social care service episode (Client Level Data Event_Type Service) loaded, with its weekly cost,
-- whether it is active at build_info.data_as_of and whether the person is overdue an annual review.
with events as (

    select * from stg_care_event

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

-- the person's latest review completed on or before data_as_of
last_reviews as (

    select events.person_key, max(coalesce(events.event_end_date, events.event_start_date)) as last_review_date
    from events
    cross join as_of
    where events.event_type_group = 'review'
        and coalesce(events.event_end_date, events.event_start_date) <= as_of.data_as_of
    group by events.person_key

),

episodes as (

    select
        events.*,
        lower(coalesce(events.cost_frequency, '')) as frequency,
        not regexp_matches(
            lower(coalesce(events.service_type, '') || ' ' || coalesce(events.service_component, '')),
            'reablement|st-max|short[ -]term|equipment|one[ -]off|respite'
        ) as requires_annual_review

    from events
    where events.event_type_group = 'service'

),

costed as (

    select
        episodes.*,
        case
            when unit_cost_pounds is null then null
            when regexp_matches(frequency, 'one[^a-z]*off|single|once|lump') then null
            when regexp_matches(frequency, '(4|four)[^a-z0-9]*week|28[^a-z0-9]*day') then unit_cost_pounds / 4
            when regexp_matches(frequency, 'fortnight|(2|two)[^a-z0-9]*week|bi[^a-z]*week') then unit_cost_pounds / 2
            when regexp_matches(frequency, 'quarter') then unit_cost_pounds / 13
            when regexp_matches(frequency, 'month') then unit_cost_pounds * 12 / 52
            when regexp_matches(frequency, 'annual|year') then unit_cost_pounds / 52
            when regexp_matches(frequency, 'week') then unit_cost_pounds
            when regexp_matches(frequency, 'hour|day|daily|night|session|visit|unit|meal|call')
                then unit_cost_pounds * planned_units_per_week
            when frequency = '' then unit_cost_pounds * planned_units_per_week
        end as weekly_cost,
        case
            when regexp_matches(frequency, 'one[^a-z]*off|single|once|lump') then unit_cost_pounds
        end as one_off_cost

    from episodes

),

final as (

    select
        cast(row_number() over (order by costed.source_file, costed.source_row) as bigint)
            as care_service_episode_key,
        costed.event_reference,
        costed.person_key,
        case
            when ward_codes.ward_key is not null then ward_codes.ward_key
            when regexp_matches(coalesce(costed.ward_code, ''), '^[EWSN]05[0-9]{6}$') then -2
            else -1
        end as ward_key,
        coalesce(age_bands.age_band_key, -1) as age_band_key,
        coalesce(support_reasons.support_reason_key, -1) as support_reason_key,
        costed.la_code,
        costed.gender,
        costed.ethnicity,
        costed.client_type,
        costed.service_type,
        costed.service_component,
        costed.delivery_mechanism,
        costed.event_outcome,
        costed.event_start_date as start_date,
        costed.event_end_date as end_date,
        date_key(costed.event_start_date, calendar_range.first_date, calendar_range.last_date) as start_date_key,
        date_key(costed.event_end_date, calendar_range.first_date, calendar_range.last_date) as end_date_key,
        costed.event_start_date <= as_of.data_as_of
            and (costed.event_end_date is null or costed.event_end_date >= as_of.data_as_of) as is_active,
        case
            when costed.event_start_date <= as_of.data_as_of
                then date_diff('day', costed.event_start_date, least(coalesce(costed.event_end_date, as_of.data_as_of),
                                                                     as_of.data_as_of)) + 1
        end as days_in_service,
        costed.unit_cost_pounds,
        costed.cost_frequency,
        costed.planned_units_per_week,
        cast(round(costed.weekly_cost, 2) as decimal(18, 2)) as weekly_cost_pounds,
        cast(costed.one_off_cost as decimal(18, 2)) as one_off_cost_pounds,
        costed.requires_annual_review,
        last_reviews.last_review_date,
        case
            when costed.requires_annual_review then cast(
                case
                    when last_reviews.last_review_date is null
                        or last_reviews.last_review_date < costed.event_start_date then costed.event_start_date
                    else last_reviews.last_review_date
                end + interval 12 month as date)
        end as review_due_date,
        costed.requires_annual_review
            and costed.event_start_date <= as_of.data_as_of
            and (costed.event_end_date is null or costed.event_end_date >= as_of.data_as_of)
            and cast(
                case
                    when last_reviews.last_review_date is null
                        or last_reviews.last_review_date < costed.event_start_date then costed.event_start_date
                    else last_reviews.last_review_date
                end + interval 12 month as date) < as_of.data_as_of as is_review_overdue,
        costed.source_file,
        costed.source_row,
        costed.layout

    from costed
    cross join as_of
    cross join calendar_range
    left join ward_codes on costed.ward_code = ward_codes.ward_code
    left join age_bands
        on costed.age_at_event_start between age_bands.min_age and age_bands.max_age
        and age_bands.age_band_key > 0
    left join support_reasons
        on costed.primary_support_reason = support_reasons.primary_support_reason
        and support_reasons.support_reason_key > 0
    left join last_reviews on costed.person_key = last_reviews.person_key

)

select * from final
