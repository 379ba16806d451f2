-- A fact's key into dim_date: yyyymmdd for a day the calendar covers, -1 (the unknown member) for a day outside it,
-- null for no day. first_date and last_date are the calendar's range (int_calendar's first_date, last_date).
create or replace temp macro date_key(day, first_date, last_date) as
    case
        when day is null then null
        when day between first_date and last_date then cast(strftime(day, '%Y%m%d') as integer)
        else -1
    end
