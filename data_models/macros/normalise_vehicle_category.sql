-- A vehicle category as the marts match it: as normalise_name, but '<', '>' and '+' are kept, because the categories
-- differ by them ("Bus <5 Tonnes", "Hgv 12+ Tonnes").
create or replace temp macro normalise_vehicle_category(name) as
    trim(regexp_replace(regexp_replace(replace(lower(name), '&', ' and '), '[''’`]', '', 'g'), '[^a-z0-9<>+]+', ' ', 'g'))
