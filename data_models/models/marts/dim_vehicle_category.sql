-- Vehicle categories, one row per normalised category: the published list (stg_vehicle_category) first, then
-- categories PCNs carry that the list lacks; plus Unknown (-1) for a PCN with none. vehicle_group puts the ~80
-- categories into a handful of groups for charts (keyword rules, first match wins).
with

listed as (

    select match_name, vehicle_category
    from stg_vehicle_category
    where match_name is not null and match_name <> ''
    qualify row_number() over (partition by match_name order by source_file, source_row) = 1

),

-- counted per distinct spelling first, so the regexes run once per spelling, not once per PCN
pcn_spellings as (

    select vehicle_category, count(*) as pcn_count
    from valid_pcn
    where vehicle_category is not null
    group by vehicle_category

),

from_pcns as (

    select
        normalise_vehicle_category(vehicle_category) as match_name,
        regexp_replace(vehicle_category, '\s+', ' ', 'g') as vehicle_category,
        sum(pcn_count) as pcn_count

    from pcn_spellings
    group by all

),

unlisted as (

    select match_name, vehicle_category
    from from_pcns
    where match_name <> '' and match_name not in (select match_name from listed)
    qualify row_number() over (partition by match_name order by pcn_count desc, vehicle_category) = 1

),

members as (

    select match_name, vehicle_category, true as in_reference_list from listed
    union all
    select match_name, vehicle_category, false as in_reference_list from unlisted

),

grouped as (

    select
        *,
        case
            when regexp_matches(match_name, '^(unknown|not recorded|not codeable|1n a|n a)$') then 'Unknown'
            when regexp_matches(match_name, 'motor ?cycle|moped|scooter|m c combination|^tricycle$') then 'Motorcycle'
            when regexp_matches(match_name, 'bus|coach|standee') then 'Bus or coach'
            when regexp_matches(match_name, 'taxi|limousine') then 'Taxi'
            when regexp_matches(match_name, '\bvan\b|light goods|lgv 1') then 'Van'
            when regexp_matches(match_name,
                'hgv|truck|lorry|goods|tipper|carrier|transporter|loader|mixer|crane|refuse|cesspool|'
                || 'skip|float|curtain|dropside|tanker|excavator|digger|bulldozer|plant|tractor|agricultural')
                then 'Goods or special vehicle'
            when regexp_matches(match_name,
                'car|saloon|hatchback|estate|coupe|convertible|mpv|sports|tourer|4x4|pick up|motor home|hearse')
                then 'Car'
            else 'Other'
        end as vehicle_group

    from members

),

numbered as (

    select
        cast(row_number() over (order by not in_reference_list, match_name) as integer) as vehicle_category_key,
        vehicle_category,
        match_name,
        vehicle_group,
        in_reference_list

    from grouped

),

final as (

    select * from numbered

    union all

    select
        -1 as vehicle_category_key,
        'Not given' as vehicle_category,
        '' as match_name,
        'Unknown' as vehicle_group,
        false as in_reference_list

)

select * from final
