-- A ward name as the marts match it: normalise_name without a trailing " ward" ("Belsize Ward" -> "belsize").
create or replace temp macro normalise_ward_name(name) as
    trim(regexp_replace(normalise_name(name), ' ward$', ''))
