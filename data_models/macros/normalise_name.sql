-- A name as the marts match it: lower-case, '&' -> ' and ', apostrophes (' ’ `) dropped, every other run of anything
-- but a-z and 0-9 one space, no space at either end ("King’s Cross  &  St. Pancras" -> "kings cross and st pancras").
-- data_models/names.py holds the same rule in Python for the dashboards; tests/data_models/test_names.py checks they
-- agree.
create or replace temp macro normalise_name(name) as
    trim(regexp_replace(regexp_replace(replace(lower(name), '&', ' and '), '[''’`]', '', 'g'), '[^a-z0-9]+', ' ', 'g'))
