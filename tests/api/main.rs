//! The one integration test binary: every module drives the real code against a real
//! PostgreSQL + PostGIS (see `support`).

mod analysis;
mod api_fuzz;
mod backup;
mod boundaries;
mod cluster;
mod coverage;
mod coverage_layers;
mod demo;
mod edge;
mod faults;
mod forms;
mod gdal;
mod headers;
mod health;
mod idempotency;
mod imports;
mod jurisdiction;
mod layers;
mod layout;
mod offline;
mod patrolled;
mod planning;
mod reorg;
mod replicas;
mod reports;
mod routes_table;
mod schema;
mod search;
mod security;
mod shapefiles;
mod support;
mod tile_aggregates;
mod tiles;
mod tracks;
mod writes;
