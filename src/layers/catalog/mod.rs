//! The layers, as data. Adding a layer means adding an entry to one family's file (and its SQL)
//! and to [`LAYERS`], nothing else. The families: `boundaries`, `border`, `records` (key points,
//! models, patrols), `coverage` (rates, effort, border coverage, gaps), `analyses` (hot spots)
//! and `planning` (patrol plans); `shared` holds what they declare properties with.

mod analyses;
mod border;
mod boundaries;
mod coverage;
mod planning;
mod records;
mod shared;

use crate::layers::layer::Layer;

/// Every layer served.
///
/// Designations follow a unit's code, not one version's id: a commune that only changed district
/// or kind in 2020 (a new version, the same code) keeps the designations a decision gave it.
pub static LAYERS: [Layer; 20] = [
    boundaries::PROVINCES,
    boundaries::DISTRICTS,
    boundaries::COMMUNES,
    boundaries::VILLAGES,
    border::BORDER_SEGMENTS,
    border::BORDER_MARKERS,
    border::BORDER_POSTS,
    records::KEY_POINTS,
    records::MODEL_SITES,
    records::PATROL_ROUTES,
    records::PATROL_TRACKS,
    analyses::HOTSPOTS,
    analyses::EMERGING_HOTSPOTS,
    // Analyses of rates, patrol effort, border coverage and gaps.
    coverage::COMMUNE_STATS,
    coverage::PATROL_EFFORT,
    coverage::BORDER_COVERAGE,
    coverage::COVERAGE_GAPS,
    coverage::GAPS,
    // Patrol planning.
    planning::PLAN_COVERAGE,
    planning::PLAN_CONFLICTS,
];

/// The layer with collection id `id`.
#[must_use]
pub fn find(id: &str) -> Option<&'static Layer> {
    LAYERS.iter().find(|l| l.id == id)
}
