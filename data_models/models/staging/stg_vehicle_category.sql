-- Vehicle category list as loaded, one row per loaded record; the category keeps its published spelling and gets a
-- normalised match name (lower-case, punctuation and extra spaces removed) shared with dim_vehicle_category.
with

source as (

    select * from valid_vehicle_category

),

renamed as (

    select
        source_file,
        source_row,
        layout,
        regexp_replace(category, '\s+', ' ', 'g') as vehicle_category,
        normalise_vehicle_category(category) as match_name

    from source

),

final as (

    select * from renamed

)

select * from final
