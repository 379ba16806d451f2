-- Spend over £500: one row per loaded payment line of valid_spend (via stg_spend), none dropped.
-- Keys: organisation by normalised name (-1 when not given); supplier by stg_spend.supplier_natural_key (-1 when
-- the line has neither name nor id); service by the department's normalised name against the catalogue, only for
-- the home council's payments (another council's "Financial Services" is not ours), else -1; payment date -1 when
-- the date falls outside dim_date.
with

spend as (

    select * from stg_spend

),

organisations as (

    select * from dim_organisation

),

suppliers as (

    select * from dim_supplier

),

services as (

    select * from dim_service where service_key > 0

),

dates as (

    select date_key, full_date from dim_date where date_key > 0

),

joined as (

    select
        spend.source_file,
        spend.source_row,
        coalesce(organisations.organisation_key, -1) as organisation_key,
        coalesce(suppliers.supplier_key, -1) as supplier_key,
        case
            when organisations.is_home_council then coalesce(services.service_key, -1)
            else -1
        end as service_key,
        coalesce(dates.date_key, -1) as payment_date_key,
        spend.payment_date,
        spend.department_name,
        spend.purpose,
        spend.expenditure_code,
        spend.capital_or_revenue,
        spend.merchant_category,
        spend.transaction_id,
        spend.supplier_id,
        spend.beneficiary_name,
        spend.amount_pounds,
        spend.irrecoverable_vat_pounds

    from spend
    left join organisations on organisations.match_name = spend.organisation_match_name
    left join suppliers on suppliers.supplier_natural_key = spend.supplier_natural_key
    left join services on services.match_name = spend.department_match_name
    left join dates on dates.full_date = spend.payment_date

),

final as (

    select
        cast(row_number() over (order by source_file, source_row) as bigint) as spend_key,
        organisation_key,
        supplier_key,
        service_key,
        payment_date_key,
        payment_date,
        department_name,
        purpose,
        expenditure_code,
        capital_or_revenue,
        merchant_category,
        transaction_id,
        supplier_id,
        beneficiary_name,
        amount_pounds,
        irrecoverable_vat_pounds,
        source_file,
        source_row

    from joined

)

select * from final
