//! The one integration test binary: every module drives the real code against a real
//! PostgreSQL + PostGIS (see `support`).

mod cluster;
mod gdal;
mod health;
mod layers;
mod schema;
mod security;
mod support;
