//! The one integration test binary: every module drives the real code against a real
//! PostgreSQL + PostGIS (see `support`).

mod cluster;
mod health;
mod schema;
mod security;
mod support;
