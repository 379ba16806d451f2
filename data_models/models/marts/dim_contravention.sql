-- Contravention codes, one row per code: the published list (stg_contravention_code) first, then codes that PCNs
-- carry but the list lacks (Manchester's, or new ones), described by the PCNs' own wording; plus Unknown (-1).
-- Codes are text, trimmed, upper-cased and without leading zeros ('01' is code '1'). A PCN code whose number is a
-- listed code ('12R' when 12 is listed) is that code, not a new one (fact_pcn matches it by its number).
-- The list gives a code several times with variant wordings ("... - blue badge holder"): the wording they share
-- before their " - variant" suffix is the code's description (else the shortest wording), and the number of
-- variants is kept. A PCN description that is a spreadsheet error (#N/A) is no description. A record of the list
-- without a code (Camden's file ends with a blank record) is not a code.
with

list_records as (

    select
        regexp_replace(contravention_code, '^0+([0-9])', '\1') as code,
        description,
        -- the wording without its last " - variant" suffix ("... hours - blue badge holder" -> "... hours")
        regexp_replace(description, '(\s+-\s*|\s*-\s+)[^-]*$', '') as stem

    from stg_contravention_code
    where contravention_code is not null and contravention_code <> '' and description is not null

),

listed as (

    select
        code,
        -- all variants share one stem: the stem is the base wording; otherwise the shortest wording
        case
            when count(*) > 1 and count(distinct stem) = 1 then min(stem)
            else arg_min(description, lpad(cast(length(description) as varchar), 6, '0') || description)
        end as description,
        count(*) as variant_count

    from list_records
    group by code

),

listed_numbers as (

    select regexp_extract(code, '^([0-9]+)', 1) as code_number from listed
    where regexp_matches(code, '^[0-9]+$')

),

from_pcns as (

    select
        regexp_replace(upper(regexp_replace(contravention_code, '\s+', '', 'g')), '^0+([0-9])', '\1') as code,
        -- spreadsheet errors (#N/A, #REF!) are no description
        case
            when regexp_matches(trim(contravention_description), '^#[A-Z/0!?]+[!?]?$') then null
            else regexp_replace(contravention_description, '\s+', ' ', 'g')
        end as description,
        count(*) as pcn_count

    from valid_pcn
    where contravention_code is not null
    group by all

),

unlisted as (

    select
        code,
        coalesce(description, 'Code ' || code) as description,
        0 as variant_count

    from from_pcns
    where code not in (select code from listed)
        and coalesce(regexp_extract(code, '^0*([0-9]+)', 1), '') not in (select code_number from listed_numbers)
    qualify row_number() over (
        partition by code
        order by description is null, pcn_count desc, description
    ) = 1

),

members as (

    select code, description, variant_count, true as in_reference_list from listed
    union all
    select code, description, variant_count, false as in_reference_list from unlisted

),

numbered as (

    select
        cast(row_number() over (
            order by not in_reference_list,
                try_cast(regexp_extract(code, '^[0-9]+') as integer) nulls last,
                code
        ) as integer) as contravention_key,
        code as contravention_code,
        description,
        code || ' ' || description as contravention_label,
        cast(variant_count as integer) as variant_count,
        in_reference_list

    from members

),

final as (

    select * from numbered

    union all

    select
        -1 as contravention_key,
        cast(null as varchar) as contravention_code,
        'Unknown' as description,
        'Unknown' as contravention_label,
        0 as variant_count,
        false as in_reference_list

)

select * from final
