-- Occupied bay-minutes by zone, date and hour, from the bay sensor stays: each completed stay is split across the
-- clock hours it spans (a stay from 09:40 to 11:10 gives 20 minutes to 09:00, 60 to 10:00 and 10 to 11:00).
with stays as (

    select * from stg_bay_session

),

completed as (

    select
        coalesce(zone, 'Unknown') as zone,
        bay_id,
        arrival_at,
        departure_at

    from stays
    where departure_at > arrival_at

),

bays_per_zone as (

    select coalesce(zone, 'Unknown') as zone, count(distinct bay_id) as bays_observed
    from stays
    group by all

),

hours as (

    select
        zone,
        arrival_at,
        departure_at,
        unnest(generate_series(
            date_trunc('hour', arrival_at),
            date_trunc('hour', departure_at - interval 1 microsecond),
            interval 1 hour
        )) as hour_start

    from completed

),

pieces as (

    select
        zone,
        hour_start,
        date_diff('microsecond', greatest(arrival_at, hour_start), least(departure_at, hour_start + interval 1 hour))
            / 60000000.0 as minutes,
        date_trunc('hour', arrival_at) = hour_start as is_arrival_hour

    from hours

),

final as (

    select
        cast(row_number() over (order by pieces.zone, pieces.hour_start) as bigint) as bay_occupancy_hourly_key,
        pieces.zone,
        pieces.hour_start,
        year(pieces.hour_start) * 10000 + month(pieces.hour_start) * 100 + day(pieces.hour_start) as date_key,
        hour(pieces.hour_start) as hour_of_day,
        round(sum(pieces.minutes), 2) as occupied_bay_minutes,
        count(*) as stays_present,
        count(*) filter (where pieces.is_arrival_hour) as arrivals,
        any_value(bays_per_zone.bays_observed) as bays_observed,
        round(sum(pieces.minutes) / (60.0 * any_value(bays_per_zone.bays_observed)), 4) as occupancy_rate

    from pieces
    inner join bays_per_zone on pieces.zone = bays_per_zone.zone
    group by pieces.zone, pieces.hour_start

)

select * from final
