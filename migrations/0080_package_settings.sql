-- The settings of offline area packages an admin sets (issue 18, item 6): how many days a
-- package may be used after it was built. One row, so a read never has to choose; the bounds
-- are checked here too, so no path around the API can store a package that never expires.

create table package_settings (
    only_row     boolean primary key default true check (only_row),
    max_age_days integer not null default 30
        constraint package_settings_max_age check (max_age_days between 1 and 365),
    updated_at   timestamptz not null default now(),
    updated_by   text
);

insert into package_settings default values;
