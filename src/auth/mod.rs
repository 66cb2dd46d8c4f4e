//! Who may do what: the permissions routes declare, the role matrix, and the secrets (passwords,
//! session ids, API tokens). Nothing here touches HTTP; `http::gate` enforces it per request.
//!
//! # The matrix
//!
//! | permission       | viewer | analyst | editor | patrol | admin | anonymous            |
//! |------------------|--------|---------|--------|--------|-------|----------------------|
//! | `Public`         | yes    | yes     | yes    | yes    | yes   | yes                  |
//! | `SignedIn`       | yes    | yes     | yes    | yes    | yes   | no                   |
//! | `ReadPublic`     | yes    | yes     | yes    | yes    | yes   | with `--public-layers` |
//! | `ReadInternal`   | yes    | yes     | yes    | no     | yes   | no                   |
//! | `ReadRestricted` | no     | yes     | yes (J)| no     | yes   | no                   |
//! | `ReadPatrols`    | no     | yes     | yes (J)| yes (J)| yes   | no                   |
//! | `Analyse`        | no     | yes     | yes    | no     | yes   | no                   |
//! | `Export`         | no     | yes     | yes    | no     | yes   | no                   |
//! | `Write`          | no     | no      | yes (J)| no     | yes   | no                   |
//! | `UploadTracks`   | no     | no      | no     | yes (J)| yes   | no                   |
//! | `Admin`          | no     | no      | no     | no     | yes   | no                   |
//!
//! (J): limited to the user's jurisdiction, the union of the units its codes name at the date read
//! (writes: today), through the lineage, so a closed unit's code stands for its successors; the route's
//! handler applies it with `Principal::jurisdiction_filter` (reads) or `Principal::require_within`
//! (writes), see `http::gate`.

pub mod accounts;
pub mod login;
pub mod secret;

use serde::Serialize;

pub use crate::db::users::Role;

/// What a route needs from its caller. Every route declares exactly one (see `http::routes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Anyone, signed in or not, and no credentials are even looked at (health, sign-in).
    Public,
    /// Any signed-in user (who am I, sign out).
    SignedIn,
    /// Public layers (boundaries, border): every role; anonymous only with `--public-layers`.
    ReadPublic,
    /// Internal layers (designations, models, statistics, reports).
    ReadInternal,
    /// Restricted layers (key points); editors only inside their jurisdiction.
    ReadRestricted,
    /// Patrol layers (patrols, tracks): also the patrol role, inside its jurisdiction.
    ReadPatrols,
    /// Analyses (hotspots, coverage, gaps).
    Analyse,
    /// Exports (GeoJSON, CSV, KML downloads); each one is audited.
    Export,
    /// Creating and editing key points, models and patrols; each one is audited.
    Write,
    /// Uploading patrol tracks for the user's own unit.
    UploadTracks,
    /// Users, imports, the audit log.
    Admin,
}

impl Permission {
    /// Every permission, for tests and documentation.
    pub const ALL: [Self; 11] = [
        Self::Public,
        Self::SignedIn,
        Self::ReadPublic,
        Self::ReadInternal,
        Self::ReadRestricted,
        Self::ReadPatrols,
        Self::Analyse,
        Self::Export,
        Self::Write,
        Self::UploadTracks,
        Self::Admin,
    ];

    /// Whether a jurisdiction-bound role (editor, patrol) holds it only inside its jurisdiction
    /// (the "(J)" of the matrix above).
    #[must_use]
    pub fn bounded_by_jurisdiction(self) -> bool {
        matches!(self, Self::ReadRestricted | Self::ReadPatrols | Self::Write | Self::UploadTracks)
    }

    /// Whether an anonymous caller has it; `public_layers` is the `--public-layers` setting.
    #[must_use]
    pub fn anonymous_allowed(self, public_layers: bool) -> bool {
        match self {
            Self::Public => true,
            Self::ReadPublic => public_layers,
            _ => false,
        }
    }
}

impl Role {
    /// Every role, least to most.
    pub const ALL: [Self; 5] = [Self::Viewer, Self::Analyst, Self::Editor, Self::Patrol, Self::Admin];

    /// Whether a user of this role has `permission` (before any jurisdiction limit).
    #[must_use]
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Self::Admin => true,
            Self::Viewer => matches!(permission, P::Public | P::SignedIn | P::ReadPublic | P::ReadInternal),
            Self::Analyst => !matches!(permission, P::Write | P::UploadTracks | P::Admin),
            Self::Editor => !matches!(permission, P::UploadTracks | P::Admin),
            Self::Patrol => {
                matches!(
                    permission,
                    P::Public | P::SignedIn | P::ReadPublic | P::ReadPatrols | P::UploadTracks
                )
            }
        }
    }

    /// Whether this role's restricted reads and writes are limited to its jurisdiction.
    #[must_use]
    pub fn is_jurisdiction_bound(self) -> bool {
        matches!(self, Self::Editor | Self::Patrol)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_admin_administers_and_only_editor_and_admin_write() {
        let admins: Vec<_> = Role::ALL.into_iter().filter(|r| r.allows(Permission::Admin)).collect();
        assert_eq!(admins, [Role::Admin]);
        let writers: Vec<_> = Role::ALL.into_iter().filter(|r| r.allows(Permission::Write)).collect();
        assert_eq!(writers, [Role::Editor, Role::Admin]);
    }

    #[test]
    fn patrol_reads_border_and_patrols_but_not_key_points_or_internal_layers() {
        assert!(Role::Patrol.allows(Permission::ReadPublic));
        assert!(Role::Patrol.allows(Permission::ReadPatrols));
        assert!(!Role::Patrol.allows(Permission::ReadRestricted));
        assert!(!Role::Patrol.allows(Permission::ReadInternal));
        assert!(!Role::Patrol.allows(Permission::Export));
    }

    #[test]
    fn each_role_has_every_permission_of_the_viewer_except_patrol() {
        for role in [Role::Analyst, Role::Editor, Role::Admin] {
            for p in Permission::ALL.into_iter().filter(|p| Role::Viewer.allows(*p)) {
                assert!(role.allows(p), "{role:?} lacks {p:?}");
            }
        }
    }

    #[test]
    fn anonymous_reads_public_layers_only_when_configured() {
        assert!(!Permission::ReadPublic.anonymous_allowed(false));
        assert!(Permission::ReadPublic.anonymous_allowed(true));
        assert!(!Permission::ReadInternal.anonymous_allowed(true));
        assert!(Permission::Public.anonymous_allowed(false));
    }
}
