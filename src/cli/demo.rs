//! `antq demo` and `antq load`: the demo data, one user per role, and what the demo holds.

use crate::config::DemoConfig;
use crate::db::{self, Database};
use crate::{auth, fixtures};

/// `antq demo`: the demo data (into an empty database), one user per role, then serve.
pub(super) async fn run(db: &Database, demo: &DemoConfig) -> anyhow::Result<()> {
    load_demo_if_empty(db, &demo.fixtures).await?;
    auth::accounts::create_demo_users(&db.pool).await?;
    print_summary(db).await?;
    print_demo_users();
    crate::serve(db, &demo.serve).await
}

/// `antq demo` loads the demo data only into a database without administrative units, so that
/// it never mixes the demo with real data (loading is idempotent anyway).
async fn load_demo_if_empty(db: &Database, dir: &std::path::Path) -> anyhow::Result<()> {
    if db::load::is_empty(&db.pool).await? {
        load_and_report(db, dir).await
    } else {
        tracing::info!("the database holds data already: the demo data is not loaded");
        Ok(())
    }
}

pub(super) async fn load_and_report(db: &Database, dir: &std::path::Path) -> anyhow::Result<()> {
    let loaded = fixtures::load_dir(&db.pool, dir).await?;
    let elapsed = loaded.elapsed.as_secs_f64();
    println!("loaded {}: {} new rows in {elapsed:.1} s", dir.display(), loaded.inserted());
    for step in &loaded.steps {
        tracing::info!(file = step.file, inserted = step.inserted, "loaded");
    }
    Ok(())
}

/// What the demo holds today: the districts by name and the province report's main figures.
async fn print_summary(db: &Database) -> anyhow::Result<()> {
    let report = db::reports::province(&db.pool, None).await?;
    let districts =
        db::admin_units::as_of(&db.pool, report.as_of, Some(db::admin_units::UnitLevel::District)).await?;
    let names: Vec<&str> = districts.iter().map(|d| d.name.as_str()).collect();
    let province = report.province_name.as_deref().unwrap_or("(no province)");
    let code = report.province_code.as_deref().unwrap_or("-");
    // Since 2025-07-01 there are no districts: say so rather than print an empty list.
    let districts = if names.is_empty() {
        "no district level".to_owned()
    } else {
        format!("{} district-level units ({})", report.districts, names.join(", "))
    };
    println!("as of {}: {province} (code {code}); {districts}", report.as_of);
    // A count of designations in force is absent when none is: decisions name the units of their
    // day, and after a merge they describe the old units (see the province report).
    let key = report.key_security_communes.map_or_else(|| "no".to_owned(), |n| n.to_string());
    println!(
        "  {} communes, wards and townships ({} xã, {} phường, {} thị trấn); {} villages; population {}; \
         area {:.2} km²; border {:.3} km (official), {:.3} km (drawn); {key} key security communes in force; \
         {} model sites rated effective",
        report.commune_level_units,
        report.communes,
        report.wards,
        report.townships,
        report.villages,
        report.population,
        report.area_km2.unwrap_or_default(),
        report.border_length_km_official.unwrap_or_default(),
        report.border_length_km_measured.unwrap_or_default(),
        report.model_sites,
    );
    Ok(())
}

/// Tells the person who typed `antq demo` how to sign in.
fn print_demo_users() {
    let names: Vec<&str> = auth::accounts::DEMO_USERS.iter().map(|u| u.0).collect();
    println!(
        "Demo users (one per role): {}; password for all: {}",
        names.join(", "),
        auth::accounts::DEMO_PASSWORD
    );
}
