-- One row per Penalty Charge Notice loaded (Camden's open data and back-office exports, Manchester's parking
-- account export), with conformed keys, a status group common to both status vocabularies and amounts in pounds
-- with payments positive (stg_pcn negates Manchester's negative paid amounts).
-- Text is mapped once per distinct value (statuses, codes, organisations, categories, ward names: a few hundred)
-- and joined back, so ten million notices cost hash joins rather than ten million regular expressions each.
with pcns as (

    select * from stg_pcn

),

organisations as (

    select * from dim_organisation

),

contraventions as (

    select * from dim_contravention

),

vehicle_categories as (

    select * from dim_vehicle_category

),

calendar_range as (

    select * from int_calendar_range

),

ward_codes as (

    select * from int_ward_codes

),

-- ward names normalised as stg_pcn.ward_match_name (dim_ward.match_name also accepted)
ward_names as (

    select * from int_ward_names

),

-- organisations by dim_organisation.match_name (its normalisation); is_home_council says whose wards dim_ward holds
organisation_lookup as (

    select
        seen.organisation,
        min(organisations.organisation_key) as organisation_key,
        coalesce(bool_or(organisations.is_home_council), false) as is_home_council

    from (select distinct organisation from pcns where organisation is not null) as seen
    left join organisations
        on organisations.organisation_key > 0
        and organisations.match_name = normalise_name(seen.organisation)
    group by seen.organisation

),

-- vehicle categories by dim_vehicle_category.match_name (its normalisation)
vehicle_category_lookup as (

    select seen.vehicle_category, min(vehicle_categories.vehicle_category_key) as vehicle_category_key

    from (select distinct vehicle_category from pcns where vehicle_category is not null) as seen
    left join vehicle_categories
        on vehicle_categories.vehicle_category_key > 0
        and vehicle_categories.match_name = normalise_vehicle_category(seen.vehicle_category)
    group by seen.vehicle_category

),

-- contravention codes compared without leading zeros ('01' = '1'); failing that, by the number alone ('12R' -> 12).
-- The number also gives the ticket type when the source has none (34 bus lane; 29, 31-33, 37, 38, 50-54 moving
-- traffic; other codes parking) and marks off-street codes (80-96).
code_lookup as (

    select
        seen.contravention_code,
        seen.contravention_number,
        coalesce(
            min(by_code.contravention_key),
            min(by_number.contravention_key) filter (where regexp_matches(by_number.contravention_code, '^[0-9]+$')),
            -1
        ) as contravention_key,
        case
            when seen.contravention_number = '34' then 'Bus lane'
            when seen.contravention_number in ('29', '31', '32', '33', '37', '38', '50', '51', '52', '53', '54')
                then 'Moving traffic'
            when seen.contravention_number <> '' then 'Parking'
        end as ticket_type_from_code,
        coalesce(try_cast(seen.contravention_number as integer) between 80 and 96, false) as is_off_street_code

    from (
        select distinct
            contravention_code,
            regexp_extract(contravention_code, '^0*([0-9]+)', 1) as contravention_number
        from pcns
        where contravention_code is not null
    ) as seen
    left join contraventions as by_code
        on by_code.contravention_key > 0
        and regexp_replace(upper(by_code.contravention_code), '^0+([0-9])', '\1')
            = regexp_replace(seen.contravention_code, '^0+([0-9])', '\1')
    left join contraventions as by_number
        on by_number.contravention_key > 0
        and regexp_extract(by_number.contravention_code, '^0*([0-9]+)', 1) = seen.contravention_number
    group by seen.contravention_code, seen.contravention_number

),

ticket_type_lookup as (

    select
        ticket_type,
        case
            when regexp_matches(lower(ticket_type), 'bus') then 'Bus lane'
            when regexp_matches(lower(ticket_type), 'moving|traffic') then 'Moving traffic'
            when regexp_matches(lower(ticket_type), 'park') then 'Parking'
        end as ticket_type_from_text

    from (select distinct ticket_type from pcns where ticket_type is not null)

),

-- status as the source says it: a closed outcome (cancelled, written off, paid, part paid), a dispute
-- (challenged, appealed) or a stage of an open case ('open_stage': Camden 'Outstanding'; Manchester 'Pre-NtO
-- Discount', 'Pre-NtO Full Rate', 'Post NtO'; notice to owner, charge certificate, order for recovery, warrant ...)
status_lookup as (

    select
        status,
        case
            when regexp_matches(status_text, 'cancel') then 'cancelled'
            when regexp_matches(status_text, 'writ[a-z]*[^a-z]*off') then 'written_off'
            when regexp_matches(status_text, 'appeal|tribunal|adjudicat') then 'appealed'
            when regexp_matches(status_text, 'challeng|representation') then 'challenged'
            when regexp_matches(status_text, 'part[^a-z]*paid|partial') then 'part_paid'
            when regexp_matches(status_text, 'unpaid|not paid') then 'open_stage'
            when regexp_matches(status_text, 'paid') then 'paid'
            when regexp_matches(status_text, 'outstanding|open|nto|notice to owner|charge cert|recovery|warrant')
                or regexp_matches(status_text, 'enforcement|bailiff|debt|registered|issued|live|progress')
                then 'open_stage'
        end as status_as_mapped

    from (select distinct status, lower(status) as status_text from pcns where status is not null)

),

-- where a notice is: its organisation and ward, once per distinct (organisation, ward code, ward name)
places as (

    select
        seen.organisation,
        seen.ward_code,
        seen.ward_match_name,
        coalesce(organisation_lookup.organisation_key, -1) as organisation_key,
        case
            when ward_codes.ward_key is not null then ward_codes.ward_key
            when coalesce(organisation_lookup.is_home_council, false) and ward_names.ward_key is not null
                then ward_names.ward_key
            when seen.organisation is not null and not coalesce(organisation_lookup.is_home_council, false) then -2
            else -1
        end as ward_key

    from (select distinct organisation, ward_code, ward_match_name from pcns) as seen
    left join organisation_lookup on seen.organisation = organisation_lookup.organisation
    left join ward_codes on seen.ward_code = ward_codes.ward_code
    left join ward_names on seen.ward_match_name = ward_names.match_name

),

-- what a notice is: contravention, vehicle, ticket type and status, once per distinct combination
notice_kinds as (

    select
        seen.contravention_code,
        seen.vehicle_category,
        seen.ticket_type,
        seen.status,
        coalesce(code_lookup.contravention_key, -1) as contravention_key,
        coalesce(vehicle_category_lookup.vehicle_category_key, -1) as vehicle_category_key,
        coalesce(ticket_type_lookup.ticket_type_from_text, code_lookup.ticket_type_from_code, 'Unknown')
            as ticket_type_group,
        coalesce(code_lookup.is_off_street_code, false) as is_off_street_code,
        status_lookup.status_as_mapped

    from (select distinct contravention_code, vehicle_category, ticket_type, status from pcns) as seen
    left join code_lookup on seen.contravention_code = code_lookup.contravention_code
    left join vehicle_category_lookup on seen.vehicle_category = vehicle_category_lookup.vehicle_category
    left join ticket_type_lookup on seen.ticket_type = ticket_type_lookup.ticket_type
    left join status_lookup on seen.status = status_lookup.status

),

-- a deterministic surrogate key without sorting every notice: the file's number (in name order) x 10^9 + its row
file_numbers as (

    select source_file, row_number() over (order by source_file) as file_number
    from (select distinct source_file from pcns)

),

keyed as (

    select
        pcns.*,
        file_numbers.file_number * 1000000000 + pcns.source_row as pcn_key,
        places.organisation_key,
        places.ward_key,
        notice_kinds.contravention_key,
        notice_kinds.vehicle_category_key,
        notice_kinds.ticket_type_group,
        case
            when pcns.on_street is not null then pcns.on_street
            when notice_kinds.is_off_street_code
                or lower(pcns.zone) like '%car park%' or lower(pcns.street) like '%car park%' then false
            when pcns.street is not null and notice_kinds.ticket_type_group = 'Parking' then true
        end as derived_on_street,
        notice_kinds.status_as_mapped

    from pcns
    inner join file_numbers on pcns.source_file = file_numbers.source_file
    inner join places
        on pcns.organisation is not distinct from places.organisation
        and pcns.ward_code is not distinct from places.ward_code
        and pcns.ward_match_name is not distinct from places.ward_match_name
    inner join notice_kinds
        on pcns.contravention_code is not distinct from notice_kinds.contravention_code
        and pcns.vehicle_category is not distinct from notice_kinds.vehicle_category
        and pcns.ticket_type is not distinct from notice_kinds.ticket_type
        and pcns.status is not distinct from notice_kinds.status

),

final as (

    select
        cast(keyed.pcn_key as bigint) as pcn_key,
        keyed.pcn_number,
        keyed.organisation_key,
        keyed.organisation,
        keyed.issued_at,
        date_key(keyed.issued_date, calendar_range.first_date, calendar_range.last_date) as issued_date_key,
        keyed.issued_hour,
        keyed.contravention_key,
        keyed.contravention_code,
        keyed.contravention_description,
        keyed.vehicle_category_key,
        keyed.vehicle_category,
        keyed.ward_key,
        keyed.ward_code,
        keyed.ward_name as ward_name_as_given,
        keyed.street,
        keyed.zone,
        keyed.band,
        keyed.ticket_type,
        keyed.ticket_type_group,
        keyed.derived_on_street as on_street,
        keyed.on_street is null as is_on_street_derived,
        keyed.issue_method,
        keyed.status,
        case
            when keyed.status_as_mapped is not null and keyed.status_as_mapped <> 'open_stage'
                then keyed.status_as_mapped
            when coalesce(keyed.amount_paid_pounds, 0) > 0 and coalesce(keyed.amount_outstanding_pounds, 0) <= 0
                then 'paid'
            when coalesce(keyed.amount_paid_pounds, 0) > 0 then 'part_paid'
            else 'open'
        end as status_group,
        keyed.status_as_mapped is not null as is_status_recognised,
        keyed.cancellation_reason,
        keyed.amount_charged_pounds,
        keyed.amount_paid_pounds,
        keyed.amount_outstanding_pounds,
        keyed.easting,
        keyed.northing,
        keyed.longitude,
        keyed.latitude,
        keyed.source_file,
        keyed.source_row,
        keyed.layout

    from keyed
    cross join calendar_range

)

select * from final
