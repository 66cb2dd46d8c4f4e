//! The one integration test binary: every module drives the real code against a real
//! PostgreSQL + PostGIS (see `support`).

mod api_fuzz;
mod backup;
mod cluster;
mod demo;
mod faults;
mod gdal;
mod health;
mod layers;
mod report;
mod schema;
mod search;
mod security;
mod support;
