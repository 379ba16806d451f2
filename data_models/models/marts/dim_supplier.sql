-- Suppliers (beneficiaries) of spend, one row per supplier_natural_key of stg_spend, plus Unknown (-1) for lines
-- with neither a name nor a supplier id. All redacted payees are one supplier, 'Redacted'; a supplier named only by
-- an id is shown as 'Not named (supplier id ...)'. supplier_name is the most used spelling of the name.
with

spend as (

    select * from stg_spend

),

spellings as (

    select
        supplier_natural_key,
        beneficiary_name,
        supplier_id,
        is_redacted,
        count(*) as spelling_count

    from spend
    where supplier_natural_key is not null
    group by all

),

suppliers as (

    select
        supplier_natural_key,
        case
            when is_redacted then 'Redacted'
            when beneficiary_name is not null then beneficiary_name
            else 'Not named (supplier id ' || supplier_id || ')'
        end as supplier_name,
        is_redacted,
        beneficiary_name is not null or is_redacted as is_named

    from spellings
    qualify row_number() over (
        partition by supplier_natural_key
        order by spelling_count desc, beneficiary_name, supplier_id
    ) = 1

),

numbered as (

    select
        cast(row_number() over (order by supplier_natural_key) as integer) as supplier_key,
        supplier_natural_key,
        supplier_name,
        is_redacted,
        is_named

    from suppliers

),

final as (

    select * from numbered

    union all

    select
        -1 as supplier_key,
        'unknown' as supplier_natural_key,
        'Unknown' as supplier_name,
        false as is_redacted,
        false as is_named

)

select * from final
