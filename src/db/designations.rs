//! Recording a decision (designation) for a unit: after the 2025 reorganisation no decision in
//! force names a current unit, and new ones name the 2025 units. A decision names a unit of its
//! own day, so the unit is the one its code names on the decision's first day, and the decision
//! may not outlive it (a closed unit's successors need decisions of their own).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use sqlx::PgPool;

/// A decision to record.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDesignation {
    /// The code of the unit, as valid on `valid_from`.
    pub unit_code: String,
    /// A code of `designation_kinds` (`key_security`, `border_commune`, ...).
    pub kind: String,
    /// The class where the kind has one (`I`, `II`, `III` for `ethnic_region`).
    pub value: Option<String>,
    /// The decision's number and issuer ("Quyết định 123/QĐ-UBND").
    pub decision: Option<String>,
    /// The day it was signed.
    pub decided_on: Option<NaiveDate>,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// First day no longer in force (`None`: until further notice).
    pub valid_to: Option<NaiveDate>,
    /// Free text.
    pub note: Option<String>,
}

/// The recorded decision, with the unit it names.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Designation {
    /// Its id.
    pub id: i64,
    /// The unit's code and name, and the first day of the version it names.
    pub unit_code: String,
    /// The unit's name.
    pub unit_name: String,
    /// The kind.
    pub kind: String,
    /// First day in force.
    pub valid_from: NaiveDate,
    /// First day no longer in force.
    pub valid_to: Option<NaiveDate>,
    /// The decision.
    pub decision: Option<String>,
}

/// Records `new`, or says what is wrong with it (`Ok(Err(why))`, naming the field).
///
/// # Errors
/// The database fails, or refuses by a constraint (an overlapping decision of the same kind).
#[tracing::instrument(skip_all, fields(unit = %new.unit_code, kind = %new.kind), err)]
pub async fn create(pool: &PgPool, new: &NewDesignation) -> Result<Result<Designation, String>, sqlx::Error> {
    let kinds: Vec<String> =
        sqlx::query_scalar("select code from designation_kinds order by code").fetch_all(pool).await?;
    if !kinds.contains(&new.kind) {
        return Ok(Err(format!("kind: '{}' is not one of {}", new.kind, kinds.join(", "))));
    }
    let unit: Option<(i64, String, Option<NaiveDate>)> = sqlx::query_as(
        "select id, name, valid_to from admin_units where code = $1 and validity @> $2::date order by level limit 1",
    )
    .bind(&new.unit_code)
    .bind(new.valid_from)
    .fetch_optional(pool)
    .await?;
    let Some((unit_id, name, unit_end)) = unit else {
        // Say what the code became (or came from) on that day, so the caller can name it.
        let became: Option<String> = sqlx::query_scalar(
            "select string_agg(code || ' ' || name, ', ' order by code) from admin_unit_resolve($1, $2::date)",
        )
        .bind(&new.unit_code)
        .bind(new.valid_from)
        .fetch_one(pool)
        .await?;
        let hint =
            became.map_or_else(String::new, |b| format!("; on that day it stands for {b}: name that unit"));
        return Ok(Err(format!(
            "unit_code: {} names no unit valid on {}{hint}",
            new.unit_code, new.valid_from
        )));
    };
    if let Some(end) = unit_end
        && new.valid_to.is_none_or(|to| to > end)
    {
        return Ok(Err(format!(
            "valid_to: {} {name} closes on {end}; a decision ends with its unit (its successors need their own)",
            new.unit_code
        )));
    }
    let created = sqlx::query_as(
        "insert into designations (unit_id, kind, value, decision, decided_on, valid_from, valid_to, note)
         values ($1, $2, $3, $4, $5, $6, $7, $8)
         returning id, $9::text as unit_code, $10::text as unit_name, kind, valid_from, valid_to, decision",
    )
    .bind(unit_id)
    .bind(&new.kind)
    .bind(&new.value)
    .bind(&new.decision)
    .bind(new.decided_on)
    .bind(new.valid_from)
    .bind(new.valid_to)
    .bind(&new.note)
    .bind(&new.unit_code)
    .bind(&name)
    .fetch_one(pool)
    .await?;
    Ok(Ok(created))
}
