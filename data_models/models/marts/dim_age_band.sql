-- Age bands for people (adult social care), with an Unknown member (-1) for a missing or implausible birth date.
with bands(age_band_key, age_band, min_age, max_age, age_group) as (

    values
        (1, 'Under 18', 0, 17, 'Under 18'),
        (2, '18-24', 18, 24, '18-64'),
        (3, '25-34', 25, 34, '18-64'),
        (4, '35-44', 35, 44, '18-64'),
        (5, '45-54', 45, 54, '18-64'),
        (6, '55-64', 55, 64, '18-64'),
        (7, '65-74', 65, 74, '65 and over'),
        (8, '75-84', 75, 84, '65 and over'),
        (9, '85-94', 85, 94, '65 and over'),
        (10, '95 and over', 95, 200, '65 and over'),
        (-1, 'Unknown', null, null, 'Unknown')

),

final as (

    select
        cast(age_band_key as integer) as age_band_key,
        age_band,
        cast(min_age as integer) as min_age,
        cast(max_age as integer) as max_age,
        age_group,
        case when age_band_key = -1 then 99 else age_band_key end as sort_order

    from bands

)

select * from final
