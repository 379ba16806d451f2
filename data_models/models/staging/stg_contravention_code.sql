-- Contravention code list as loaded, one row per loaded record. Codes are text, trimmed and upper-cased (as
-- stg_pcn does), so '12' and ' 12 ' are one code; descriptions have runs of spaces collapsed.
with

source as (

    select * from valid_contravention_code

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        upper(regexp_replace(cast(code as varchar), '\s+', '', 'g')) as contravention_code,
        regexp_replace(description, '\s+', ' ', 'g') as description

    from source

),

final as (

    select * from renamed

)

select * from final
