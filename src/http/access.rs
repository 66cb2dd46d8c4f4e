//! Which layers a caller may read, and where: the read scope derived from the caller's
//! permissions and jurisdiction, and how a layer's answers may be cached.

use chrono::NaiveDate;

use super::cache::Visibility;
use super::gate::Principal;
use super::{ApiError, AppState, Result};
use crate::auth::Permission;
use crate::layers::values::{parse_date, today};
use crate::layers::{self, Layer, ReadScope, Sensitivity};

/// What `who` may read of the layers, reading as of `on`. The jurisdiction (a geometry, in the
/// units of `on`) is looked up only when `layer` is restricted, the one kind of layer it bounds.
///
/// # Errors
/// The database fails.
pub async fn scope(
    who: &Principal,
    state: &AppState,
    layer: Option<&Layer>,
    on: NaiveDate,
) -> Result<ReadScope> {
    let mut scope = ReadScope {
        public: who.has(Permission::ReadPublic),
        internal: who.has(Permission::ReadInternal),
        restricted: who.has(Permission::ReadRestricted),
        patrols: who.has(Permission::ReadPatrols),
        analyse: who.has(Permission::Analyse),
        jurisdiction: None,
    };
    if layer.is_some_and(|l| matches!(l.sensitivity, Sensitivity::Restricted | Sensitivity::Analysis)) {
        scope.jurisdiction = who.jurisdiction_filter(&state.pool, on).await?;
    }
    Ok(scope)
}

/// The layer `id` and the caller's scope on it as of the request's `as_of` (`pairs`), if it
/// exists and the caller may read it. An unreadable layer is forbidden, not hidden: the registry
/// is public code.
///
/// # Errors
/// Unknown or forbidden collection; the database fails.
pub async fn readable(
    who: &Principal,
    state: &AppState,
    id: &str,
    pairs: &[(String, String)],
) -> Result<(&'static Layer, ReadScope)> {
    let layer = layers::find(id).ok_or_else(|| ApiError::NotFound(format!("collection '{id}'")))?;
    let scope = scope(who, state, Some(layer), as_of(pairs)).await?;
    if scope.may_read(layer) {
        Ok((layer, scope))
    } else {
        Err(ApiError::Forbidden(format!("your role may not read collection '{id}'")))
    }
}

/// The date a layer request reads as of: its `as_of`, else today. The jurisdiction is read in
/// the units of that date (a 2020 map of the city of Lào Cai, a 2026 map of the units it became).
/// A malformed `as_of` also gives today here: the filters' parser refuses it right after (400).
fn as_of(pairs: &[(String, String)]) -> NaiveDate {
    pairs.iter().find(|(k, _)| k == "as_of").and_then(|(_, v)| parse_date(v)).unwrap_or_else(today)
}

/// How a layer's responses may be cached.
pub fn visibility(layer: &Layer) -> Visibility {
    if layer.sensitivity == Sensitivity::Public { Visibility::Public } else { Visibility::Private }
}
