//! What can go wrong with the private cluster, each with the remedy a person needs.

use std::io;
use std::path::{Path, PathBuf};

/// `sun_path` holds 108 bytes including the final NUL.
pub(super) const MAX_SOCKET_PATH: usize = 107;

/// What can go wrong with the private cluster, each with the remedy a person needs.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    /// initdb / pg_ctl could not be found.
    #[error(
        "PostgreSQL server binaries (initdb, pg_ctl) were not found. Install them with \
         `apt-get install -y postgresql-15 postgresql-15-postgis-3` (as root), set \
         ANTQ_PG_BINDIR to their directory, or set DATABASE_URL to a server of yours"
    )]
    NoBinaries,
    /// Running as root but there is no unprivileged user to run PostgreSQL as.
    #[error(
        "antq runs as root and PostgreSQL refuses to: the cluster runs as the `postgres` system \
         user, which does not exist here. Install PostgreSQL (`apt-get install -y postgresql-15`) \
         or run antq as an unprivileged user"
    )]
    NoPostgresUser,
    /// The socket path would not fit in `sun_path`.
    #[error(
        "the data directory {0} is too long for a Unix socket path (at most {MAX_SOCKET_PATH} \
         bytes with `/.s.PGSQL.5432`): choose a shorter --data-dir"
    )]
    PathTooLong(PathBuf),
    /// A file-system operation failed.
    #[error("{what} {path}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// On which path.
        path: PathBuf,
        /// The cause.
        source: io::Error,
    },
    /// A PostgreSQL program exited with an error.
    #[error("{program} failed ({status}); see {log}:\n{output}")]
    Program {
        /// initdb or pg_ctl.
        program: String,
        /// Its exit status.
        status: String,
        /// What it printed.
        output: String,
        /// The server log, where the reason usually is.
        log: PathBuf,
    },
}

pub type Result<T, E = ClusterError> = std::result::Result<T, E>;

pub(super) fn io_err(what: &'static str, path: &Path) -> impl FnOnce(io::Error) -> ClusterError {
    let path = path.to_path_buf();
    move |source| ClusterError::Io { what, path, source }
}
