-- Adult social care Client Level Data events as loaded. The date of birth is read here only to derive the age at
-- the event start; it is not selected into this model's output, so no later model can carry it into a mart.
with source as (

    select * from valid_care_event

),

aged as (

    select
        *,
        case
            when date_of_birth is null or date_of_birth > event_start_date then null
            else date_diff('year', date_of_birth, event_start_date)
                - case when strftime(event_start_date, '%m%d') < strftime(date_of_birth, '%m%d') then 1 else 0 end
        end as age_at_event_start

    from source

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        la_code,
        person_id as person_key,
        gender,
        case when age_at_event_start between 0 and 125 then age_at_event_start end as age_at_event_start,
        ethnicity,
        upper(ward_code) as ward_code,
        client_type,
        primary_support_reason,
        event_type,
        case
            when lower(event_type) like 'request%' then 'request'
            when lower(event_type) like 'assess%' then 'assessment'
            when lower(event_type) like 'service%' then 'service'
            when lower(event_type) like 'review%' then 'review'
            else 'other'
        end as event_type_group,
        event_reference,
        event_start_date,
        event_end_date,
        event_outcome,
        request_route_of_access,
        assessment_type,
        review_reason,
        service_type,
        service_component,
        delivery_mechanism,
        unit_cost as unit_cost_pounds,
        cost_frequency,
        planned_units_per_week

    from aged

),

final as (

    select * from renamed

)

select * from final
