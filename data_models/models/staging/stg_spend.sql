-- Spend over £500 lines as loaded, one row per loaded record of valid_spend (nothing filtered).
-- Tidies names and values only: runs of spaces collapsed, capital/revenue to a small vocabulary, redacted
-- beneficiaries replaced by 'Redacted', and the supplier natural key that dim_supplier and fact_spend share.
--
-- supplier_natural_key (never contains a redacted payee's published text):
--   'redacted'                       any beneficiary whose text contains "redacted" (xxxxREDACTEDxxxx,
--                                    Redacted personal data, REDACTED); one supplier for all of them
--   'name:<normalised name>'         a named beneficiary: lower-case, & -> and, apostrophes and punctuation
--                                    removed, "limited" -> "ltd"; the same across organisations
--   'id:<organisation>:<supplier id>' no name but a supplier id (Oxford 2016 prints blank names with an id)
--   null                             neither: dim_supplier's Unknown member (-1)
-- Names rather than supplier ids are the key when both are given: Oxford's 2014-15 files give one-off ids of the
-- form 20000010_<transaction no> (a new id for every payment) and several ids for one supplier.
with

source as (

    select * from valid_spend

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        regexp_replace(organisation, '\s+', ' ', 'g') as organisation_name,
        normalise_name(organisation) as organisation_match_name,
        regexp_replace(department, '\s+', ' ', 'g') as department_name,
        normalise_name(department) as department_match_name,
        regexp_replace(purpose, '\s+', ' ', 'g') as purpose,
        upper(expenditure_code) as expenditure_code,
        payment_date,
        transaction_id,
        amount as amount_pounds,
        irrecoverable_vat as irrecoverable_vat_pounds,
        case
            when lower(capital_or_revenue) in ('capital', 'cap', 'c') then 'capital'
            when lower(capital_or_revenue) in ('revenue', 'rev', 'r') then 'revenue'
            when capital_or_revenue is null then 'unknown'
            else 'other'
        end as capital_or_revenue,
        regexp_replace(merchant_category, '\s+', ' ', 'g') as merchant_category,
        coalesce(lower(beneficiary) like '%redacted%', false) as is_redacted,
        supplier_id,
        regexp_replace(beneficiary, '\s+', ' ', 'g') as beneficiary,
        nullif(trim(regexp_replace(normalise_name(beneficiary), '\blimited\b', 'ltd', 'g')), '')
            as beneficiary_match_name

    from source

),

tidied as (

    select
        source_file,
        source_row,
        layout,
        organisation_name,
        organisation_match_name,
        department_name,
        department_match_name,
        purpose,
        expenditure_code,
        payment_date,
        transaction_id,
        amount_pounds,
        irrecoverable_vat_pounds,
        capital_or_revenue,
        merchant_category,
        is_redacted,
        -- a redacted payee keeps neither its published text nor its supplier id
        case when is_redacted then null else supplier_id end as supplier_id,
        case when is_redacted then 'Redacted' else beneficiary end as beneficiary_name,
        case
            when is_redacted then 'redacted'
            when beneficiary_match_name is not null then 'name:' || beneficiary_match_name
            when supplier_id is not null
                then 'id:' || coalesce(organisation_match_name, 'unknown') || ':' || lower(supplier_id)
        end as supplier_natural_key

    from renamed

),

final as (

    select * from tidied

)

select * from final
