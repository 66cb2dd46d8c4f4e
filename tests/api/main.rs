//! The one integration test binary: every module drives the real code against a real
//! PostgreSQL + PostGIS (see `support`).

mod boundaries;
mod cluster;
mod demo;
mod gdal;
mod health;
mod imports;
mod layers;
mod report;
mod schema;
mod search;
mod security;
mod support;
mod tracks;
mod writes;
