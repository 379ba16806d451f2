-- Publishing organisations (the council whose data a row is): the home council, then every organisation named by a
-- loaded source that has an organisation column (spend, PCNs), one row per normalised name, plus Unknown (-1).
-- The home council's identity is configured here, in home_council, and nowhere else: fact_spend matches services
-- only for its payments and fact_care_finance marks its rows of the national return by its codes.
with

home_council as (

    select
        'London Borough of Camden' as organisation_name,
        'E09000007' as ons_code,
        '702' as pss_council_code,
        -- other spellings of the home council's name in source files
        ['camden', 'camden council', 'lb camden', 'london borough of camden council'] as other_match_names

),

named as (

    -- distinct first: the tidying runs once per spelling, not once per payment or PCN
    select distinct organisation_name from stg_spend where organisation_name is not null
    union all
    select regexp_replace(organisation, '\s+', ' ', 'g')
    from (select distinct organisation from valid_pcn where organisation is not null)

),

normalised as (

    select
        organisation_name,
        normalise_name(organisation_name) as match_name

    from named

),

home as (

    select
        organisation_name,
        normalise_name(organisation_name) as match_name,
        ons_code,
        pss_council_code,
        other_match_names

    from home_council

),

others as (

    -- the most used spelling of each name (ties: alphabetical first), except the home council's own name
    select match_name, organisation_name

    from (
        select match_name, organisation_name, count(*) as spelling_count
        from normalised
        group by match_name, organisation_name
    ) as spellings
    where match_name <> (select match_name from home)
    qualify row_number() over (partition by match_name order by spelling_count desc, organisation_name) = 1

),

members as (

    select
        home.organisation_name,
        home.match_name,
        true as is_home_council,
        home.ons_code,
        home.pss_council_code,
        0 as sort_group

    from home

    union all

    select
        others.organisation_name,
        others.match_name,
        list_contains(home.other_match_names, others.match_name) as is_home_council,
        cast(null as varchar) as ons_code,
        cast(null as varchar) as pss_council_code,
        1 as sort_group

    from others
    cross join home

),

numbered as (

    select
        cast(row_number() over (order by sort_group, match_name) as integer) as organisation_key,
        organisation_name,
        match_name,
        is_home_council,
        ons_code,
        pss_council_code

    from members

),

final as (

    select * from numbered

    union all

    select
        -1 as organisation_key,
        'Unknown' as organisation_name,
        'unknown' as match_name,
        false as is_home_council,
        cast(null as varchar) as ons_code,
        cast(null as varchar) as pss_council_code

)

select * from final
