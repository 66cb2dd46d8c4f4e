//! Queries on administrative units.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

/// The levels of the hierarchy, in order (the database enum `unit_level`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "unit_level", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum UnitLevel {
    /// Tỉnh / thành phố trực thuộc trung ương.
    Province,
    /// Huyện / thị xã / thành phố (abolished in 2025).
    District,
    /// Xã / phường / thị trấn.
    Commune,
    /// Thôn / bản / tổ dân phố.
    Village,
}

/// One version of a unit, without its geometry.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Unit {
    /// GSO code.
    pub code: String,
    /// Level in the hierarchy.
    pub level: UnitLevel,
    /// xã, phường, thị trấn, huyện ...
    pub kind: String,
    /// Official name, e.g. "Xã Bản Vược".
    pub name: String,
    /// Code of the parent unit.
    pub parent_code: Option<String>,
    /// First day of validity.
    pub valid_from: NaiveDate,
    /// First day no longer valid; `None` while current.
    pub valid_to: Option<NaiveDate>,
}

/// The units valid on `date`, optionally of one level, ordered by level then code.
///
/// # Errors
/// The database does not answer.
#[tracing::instrument(skip(pool), err)]
pub async fn as_of(
    pool: &PgPool,
    date: NaiveDate,
    level: Option<UnitLevel>,
) -> Result<Vec<Unit>, sqlx::Error> {
    sqlx::query_as(
        "select u.code, u.level, u.kind, u.name, p.code as parent_code, u.valid_from, u.valid_to
         from admin_units u left join admin_units p on p.id = u.parent_id
         where u.validity @> $1::date and ($2::unit_level is null or u.level = $2)
         order by u.level, u.code",
    )
    .bind(date)
    .bind(level)
    .fetch_all(pool)
    .await
}
