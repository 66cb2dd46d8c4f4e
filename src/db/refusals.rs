//! What a database error means for the request that caused it, read from its SQLSTATE and its
//! constraint's name (never from PostgreSQL's message, which changes with the server's version
//! and language): the classes of error user input can cause, each in words a user can act on.
//! The HTTP edge maps each class to its status; every other error stays internal (a 500, logged).

use sqlx::postgres::PgDatabaseError;

/// A database error the request caused, with what to tell the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Text the database cannot hold (22021, 22P05: a NUL byte) or a value of the wrong form
    /// (22P02, 22007): the request is malformed.
    Malformed(String),
    /// A number or a date beyond what its column holds (22003, 22008), or a text longer (22001).
    OutOfRange(String),
    /// A unique or exclusion constraint (23505, 23P01): what is already there.
    Conflict(String),
    /// A check (23514), foreign key (23503) or not-null (23502) constraint: what is not accepted.
    Rejected(String),
}

/// The refusal `e` stands for, or `None` when it is not the caller's doing.
#[must_use]
pub fn refusal(e: &sqlx::Error) -> Option<Refusal> {
    let sqlx::Error::Database(db) = e else { return None };
    let constraint = db.constraint().unwrap_or_default();
    let column = db.try_downcast_ref::<PgDatabaseError>().and_then(PgDatabaseError::column);
    let named = |what: &str| column.map_or_else(|| what.to_owned(), |c| format!("{c}: {what}"));
    Some(match db.code()?.as_ref() {
        "22021" | "22P05" => {
            Refusal::Malformed("a text holds a character that cannot be stored (a NUL byte)".into())
        }
        "22P02" | "22007" => Refusal::Malformed(named("a value is not of the expected form")),
        "22003" => Refusal::OutOfRange(named("a number is out of range")),
        "22008" => Refusal::OutOfRange(named("a date or time is out of range")),
        "22001" => Refusal::OutOfRange(named("a text is longer than its field holds")),
        "23505" | "23P01" => Refusal::Conflict(
            describe(constraint)
                .map_or_else(|| format!("conflicts with a stored record ({constraint})"), str::to_owned),
        ),
        "23514" => Refusal::Rejected(describe(constraint).map_or_else(
            || {
                if constraint.ends_with("_valid") {
                    format!("geometry: not valid ({constraint})")
                } else {
                    format!("a value is not accepted ({constraint})")
                }
            },
            str::to_owned,
        )),
        "23503" => Refusal::Rejected(format!(
            "{}: refers to something that does not exist",
            reference(constraint, db.table().unwrap_or_default())
        )),
        "23502" => Refusal::Rejected(named("required")),
        _ => return None,
    })
}

/// The column a foreign key constraint `table_column_fkey` is on.
fn reference<'a>(constraint: &'a str, table: &str) -> &'a str {
    let column = constraint.strip_suffix("_fkey").unwrap_or(constraint);
    column.strip_prefix(table).and_then(|c| c.strip_prefix('_')).unwrap_or(column)
}

/// What the unique, exclusion and check constraints of the schema stand for, by name. A test
/// walks the schema's constraints and fails on one missing here, so each new one gets words.
#[must_use]
pub fn describe(constraint: &str) -> Option<&'static str> {
    Some(match constraint {
        // Unique and exclusion constraints: what is already there.
        "admin_units_code_no_overlap" => "a unit with this code is already valid over part of that period",
        "designations_no_overlap" => "the unit already holds this designation over part of that period",
        "unit_kinds_kind_level_key" => "this kind of unit already exists at this level",
        "admin_unit_changes_pair" => "this change between the two units is already recorded",
        "border_posts_code_key" => "a border post with this code already exists",
        "border_segments_code_key" => "a border segment with this code already exists",
        "border_markers_number_key" => "a border marker with this number already exists",
        "key_points_code_key" => "a key point with this code already exists",
        "key_point_history_key_point_id_version_key" => "this version of the key point is already recorded",
        "model_sites_code_key" => "a model site with this code already exists",
        "patrols_code_key" => "a patrol with this code already exists",
        "users_username_key" => "a user with this name already exists",
        "api_tokens_token_hash_key" => "this token already exists",
        "analysis_runs_layer_key_inputs_version_key" => "this analysis run is already stored",
        // Check constraints: the rule broken, named by its field.
        "admin_units_code_check" => "code: 1 to 32 letters, digits, '.', '_' or '-'",
        "admin_units_name_check" => "name: 1 to 200 characters",
        "admin_units_population_check" => "population: must not be negative",
        "admin_units_ethnic_shares_check" => "ethnic_shares: must be an object",
        "admin_units_validity_order" | "designations_validity_order" | "official_unit_names_check" => {
            "valid_to: must be after valid_from"
        }
        "designations_region_value" => "value: an ethnic-area region is I, II or III",
        "grassroots_profiles_commune_cadres_check" => "commune_cadres: must not be negative",
        "grassroots_profiles_commune_civil_servants_check" => "commune_civil_servants: must not be negative",
        "grassroots_profiles_commune_nonspecialised_check" => "commune_nonspecialised: must not be negative",
        "grassroots_profiles_police_trained_check" => "police_trained: must not be negative",
        "grassroots_profiles_village_nonspecialised_check" => "village_nonspecialised: must not be negative",
        "grassroots_profiles_year_check" => "year: 1990 to 2100",
        "border_segments_official_length_m_check" => "official_length_m: must be above 0",
        "key_points_code_check" => "code: 1 to 40 characters",
        "key_points_description_check" => "description: at most 10,000 characters",
        "key_points_severity_check" => "severity: 1 to 5",
        "model_sites_effectiveness_check" => "effectiveness: effective, fair, ineffective or unrated",
        "model_sites_host_kind_check" => {
            "host_kind: village, residential_group, agency, enterprise, school, parish or clan"
        }
        "model_sites_name_check" => "name: 1 to 300 characters",
        "model_sites_rated_year_check" => "rated_year: 1990 to 2100",
        "patrols_kind_check" => "kind: border, joint or commune",
        "patrols_planned_order" => "planned_end: must be after planned_start",
        "patrols_actual_order" => "ended_at: must not be before started_at",
        "patrol_tracks_time_order" => "a track must not end before it starts",
        "patrol_tracks_times_match" => "a track needs one time for each of its points",
        "users_username_check" => "username: 2 to 64 letters, digits, '.', '_' or '-'",
        "audit_log_outcome_check" => "outcome: ok, denied or failed",
        "login_failures_failures_check" => "failures: must be above 0",
        "admin_unit_changes_change_check" => "change: merge, transfer, reclassify, rename or continue",
        "admin_unit_changes_distinct" => "a unit cannot change into itself",
        "analysis_inputs_only_row_check" => "the analysis inputs have one row only",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_foreign_key_names_its_column() {
        assert_eq!(reference("key_points_category_fkey", "key_points"), "category");
        assert_eq!(reference("odd_name", "key_points"), "odd_name");
    }
}
