//! The private PostgreSQL cluster: the embedded default when no `DATABASE_URL` is given.
//!
//! Layout of `--data-dir` (say `var/pg`):
//! - `cluster/`: the PostgreSQL data directory (`PGDATA`);
//! - `.s.PGSQL.5432`: the only way in, a Unix socket (no TCP port is opened);
//! - `postgres.log`: the server's log;
//! - `users.lock`: every `antq` using the cluster holds a shared `flock` on it, and the last one to
//!   leave stops the cluster; `setup.lock` serialises creating and starting it.
//!
//! PostgreSQL refuses to run as root, so when `antq` runs as root (CI, many servers) the cluster's
//! processes run as the unprivileged `postgres` system user, which owns the directory.

mod binaries;
mod error;

use std::ffi::OsStr;
use std::fs::{self, File, OpenOptions};
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::thread::sleep;
use std::time::{Duration, Instant};

use nix::unistd::{Gid, Uid, User};

pub use binaries::find_bindir;
pub use error::{ClusterError, Result};
use error::{MAX_SOCKET_PATH, io_err};
use sqlx::postgres::PgConnectOptions;

/// The superuser created by `initdb` and used over the socket.
pub const SUPERUSER: &str = "postgres";
/// Port number in the socket's name (`.s.PGSQL.<port>`); no TCP port is ever opened.
pub(super) const PORT: u16 = 5432;

/// A private cluster under one data directory.
#[derive(Debug)]
pub struct Cluster {
    dir: PathBuf,
    bindir: PathBuf,
    /// The user the cluster runs as when `antq` is root; `None` runs it as ourselves.
    owner: Option<(Uid, Gid)>,
    /// Held (shared) while this process uses the cluster; see [`Cluster::release`].
    users_lock: Option<File>,
}

impl Cluster {
    /// Prepares (without starting) the cluster under `data_dir`, creating the directory.
    ///
    /// # Errors
    /// PostgreSQL missing, no `postgres` user while root, or the directory cannot be made.
    pub fn new(data_dir: &Path) -> Result<Self> {
        let bindir = find_bindir().ok_or(ClusterError::NoBinaries)?;
        let owner = if Uid::effective().is_root() {
            let user = User::from_name(SUPERUSER).ok().flatten().ok_or(ClusterError::NoPostgresUser)?;
            Some((user.uid, user.gid))
        } else {
            None
        };
        fs::create_dir_all(data_dir).map_err(io_err("cannot create", data_dir))?;
        let dir = data_dir.canonicalize().map_err(io_err("cannot resolve", data_dir))?;
        if dir.join(format!(".s.PGSQL.{PORT}")).as_os_str().len() > MAX_SOCKET_PATH {
            return Err(ClusterError::PathTooLong(dir));
        }
        let cluster = Self { dir, bindir, owner, users_lock: None };
        cluster.secure_dir()?;
        Ok(cluster)
    }

    /// The data directory given to [`Cluster::new`], absolute.
    #[must_use]
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub(super) fn pgdata(&self) -> PathBuf {
        self.dir.join("cluster")
    }

    fn log_path(&self) -> PathBuf {
        self.dir.join("postgres.log")
    }

    /// Connection options for `database` over the cluster's socket.
    #[must_use]
    pub fn connect_options(&self, database: &str) -> PgConnectOptions {
        PgConnectOptions::new().socket(&self.dir).port(PORT).username(SUPERUSER).database(database)
    }

    /// A `DATABASE_URL` for `database` on this cluster, for antq itself, psql and other tools.
    #[must_use]
    pub fn url(&self, database: &str) -> String {
        let dir = self.dir.to_string_lossy();
        let host = percent_encoding::utf8_percent_encode(&dir, percent_encoding::NON_ALPHANUMERIC);
        // The `localhost` is a placeholder both psql and sqlx accept; `host=` picks the socket.
        format!("postgres://{SUPERUSER}@localhost/{database}?host={host}&port={PORT}")
    }

    /// Starts the cluster if it is not running (creating it on first use) and registers this
    /// process as one of its users, so that no other `antq` stops it from under us.
    ///
    /// # Errors
    /// initdb or pg_ctl fails, or a lock file cannot be opened.
    pub fn acquire(&mut self) -> Result<()> {
        let users = self.open_lock("users.lock")?;
        // Blocks while a last user is stopping the cluster, then we start it afresh.
        users.lock_shared().map_err(io_err("cannot lock", &self.dir.join("users.lock")))?;
        self.users_lock = Some(users);
        self.ensure_running()
    }

    /// Starts the cluster if it is not running, creating it on first use, without registering
    /// as a user: it stays running after this process exits (`antq cluster start`).
    ///
    /// # Errors
    /// initdb or pg_ctl fails, or a lock file cannot be opened.
    pub fn ensure_running(&self) -> Result<()> {
        let setup = self.open_lock("setup.lock")?;
        setup.lock().map_err(io_err("cannot lock", &self.dir.join("setup.lock")))?;
        if !self.pgdata().join("PG_VERSION").exists() {
            self.init()?;
        }
        self.write_settings()?;
        match self.postmaster() {
            Postmaster::Running => return Ok(()),
            Postmaster::Stale => self.clear_stale()?,
            Postmaster::Stopped => {}
        }
        self.start()
    }

    /// Leaves the cluster; the last `antq` to leave stops it.
    ///
    /// Returns whether this call stopped the cluster.
    ///
    /// # Errors
    /// pg_ctl fails to stop the cluster.
    pub fn release(&mut self) -> Result<bool> {
        let Some(users) = self.users_lock.take() else { return Ok(false) };
        // Upgrading to an exclusive lock succeeds only when no other process holds a shared one.
        if users.try_lock().is_err() {
            return Ok(false);
        }
        self.stop()?;
        Ok(true)
    }

    /// Whether a postmaster of this cluster is running.
    #[must_use]
    pub fn is_running(&self) -> bool {
        matches!(self.postmaster(), Postmaster::Running)
    }

    /// Stops the cluster (fast shutdown: sessions are ended, nothing committed is lost).
    ///
    /// # Errors
    /// pg_ctl fails.
    pub fn stop(&self) -> Result<()> {
        if !self.is_running() {
            return Ok(());
        }
        tracing::info!(dir = %self.dir.display(), "stopping the private PostgreSQL cluster");
        self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                self.pgdata().as_os_str(),
                "-m".as_ref(),
                "fast".as_ref(),
                "-w".as_ref(),
                "-t".as_ref(),
                "60".as_ref(),
                "stop".as_ref(),
            ],
        )
    }

    fn init(&self) -> Result<()> {
        let pgdata = self.pgdata();
        if pgdata.exists() {
            // No PG_VERSION: an initdb that died half way; nothing in it is worth keeping.
            fs::remove_dir_all(&pgdata).map_err(io_err("cannot remove", &pgdata))?;
        }
        tracing::info!(dir = %pgdata.display(), "creating the private PostgreSQL cluster");
        self.run(
            "initdb",
            &[
                "-D".as_ref(),
                pgdata.as_os_str(),
                "-U".as_ref(),
                SUPERUSER.as_ref(),
                // Only the socket, in a 0700 directory, reaches the server: trust is safe there.
                "--auth=trust".as_ref(),
                "--encoding=UTF8".as_ref(),
                "--locale=C.UTF-8".as_ref(),
                "--no-instructions".as_ref(),
            ],
        )?;
        let conf = pgdata.join("postgresql.conf");
        let mut text = fs::read_to_string(&conf).map_err(io_err("cannot read", &conf))?;
        text.push_str("\n# antq: settings of the private cluster, rewritten at every start\ninclude_if_exists = 'antq.conf'\n");
        fs::write(&conf, text).map_err(io_err("cannot write", &conf))
    }

    /// Socket only, in our directory; rewritten at each start so a moved directory still works.
    fn write_settings(&self) -> Result<()> {
        let dir = self.dir.to_string_lossy().replace('\'', "''");
        let text = format!(
            "listen_addresses = ''\nunix_socket_directories = '{dir}'\nunix_socket_permissions = 0700\n\
             port = {PORT}\nmax_connections = 200\n"
        );
        let path = self.pgdata().join("antq.conf");
        fs::write(&path, text).map_err(io_err("cannot write", &path))?;
        self.give_to_owner(&path)
    }

    fn start(&self) -> Result<()> {
        tracing::info!(dir = %self.dir.display(), "starting the private PostgreSQL cluster");
        let pgdata = self.pgdata();
        let log = self.log_path();
        let args: [&OsStr; 8] = [
            "-D".as_ref(),
            pgdata.as_os_str(),
            "-l".as_ref(),
            log.as_os_str(),
            "-w".as_ref(),
            "-t".as_ref(),
            "60".as_ref(),
            "start".as_ref(),
        ];
        // After a kill -9, orphaned backends may hold the old shared memory for a moment.
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            match self.run("pg_ctl", &args) {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() < deadline => {
                    tracing::warn!(error = %e, "pg_ctl start failed; retrying");
                    sleep(Duration::from_millis(500));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// Reads `postmaster.pid` and decides whether the process it names is our postmaster.
    fn postmaster(&self) -> Postmaster {
        let pgdata = self.pgdata();
        let Ok(text) = fs::read_to_string(pgdata.join("postmaster.pid")) else {
            return Postmaster::Stopped;
        };
        let Some(pid) = text.lines().next().and_then(|l| l.trim().parse::<u32>().ok()) else {
            return Postmaster::Stale;
        };
        // The postmaster's working directory is its data directory. A recycled pid (common in
        // containers after a crash) belongs to some other process with another directory.
        let cwd = fs::read_link(format!("/proc/{pid}/cwd"));
        let ours = cwd.is_ok_and(|cwd| pgdata.canonicalize().is_ok_and(|p| p == cwd));
        if ours { Postmaster::Running } else { Postmaster::Stale }
    }

    fn clear_stale(&self) -> Result<()> {
        tracing::warn!(dir = %self.dir.display(), "removing a stale postmaster.pid (crash or kill -9)");
        for path in [
            self.pgdata().join("postmaster.pid"),
            self.dir.join(format!(".s.PGSQL.{PORT}.lock")),
            self.dir.join(format!(".s.PGSQL.{PORT}")),
        ] {
            match fs::remove_file(&path) {
                Err(e) if e.kind() != io::ErrorKind::NotFound => {
                    return Err(io_err("cannot remove", &path)(e));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn open_lock(&self, name: &str) -> Result<File> {
        let path = self.dir.join(name);
        OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err("cannot open", &path))
    }

    /// The directory is private (0700) and, when we are root, owned by the `postgres` user, who
    /// must also be able to traverse its ancestors.
    fn secure_dir(&self) -> Result<()> {
        let dir = &self.dir;
        fs::set_permissions(dir, fs::Permissions::from_mode(0o700)).map_err(io_err("cannot chmod", dir))?;
        if self.owner.is_none() {
            return Ok(());
        }
        self.give_to_owner(dir)?;
        for ancestor in dir.ancestors().skip(1) {
            let meta = fs::metadata(ancestor).map_err(io_err("cannot stat", ancestor))?;
            if meta.mode() & 0o001 == 0 {
                tracing::warn!(dir = %ancestor.display(), "granting others search (x) permission so the postgres user can reach the cluster");
                let mode = meta.mode() | 0o001;
                fs::set_permissions(ancestor, fs::Permissions::from_mode(mode))
                    .map_err(io_err("cannot chmod", ancestor))?;
            }
        }
        Ok(())
    }

    fn give_to_owner(&self, path: &Path) -> Result<()> {
        if let Some((uid, gid)) = self.owner {
            std::os::unix::fs::chown(path, Some(uid.as_raw()), Some(gid.as_raw()))
                .map_err(io_err("cannot chown", path))?;
        }
        Ok(())
    }

    /// Runs a PostgreSQL program as the cluster's owner, from the data directory (the caller's
    /// working directory may be closed to the `postgres` user).
    pub(super) fn run(&self, program: &str, args: &[&OsStr]) -> Result<()> {
        let mut cmd = Command::new(self.bindir.join(program));
        cmd.args(args).current_dir(&self.dir).env("LC_ALL", "C.UTF-8");
        for var in ["PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE"] {
            cmd.env_remove(var);
        }
        if let Some((uid, gid)) = self.owner {
            cmd.uid(uid.as_raw()).gid(gid.as_raw());
        }
        let out = cmd.output().map_err(io_err("cannot run", &self.bindir.join(program)))?;
        if out.status.success() {
            return Ok(());
        }
        let mut output = String::from_utf8_lossy(&out.stderr).into_owned();
        output.push_str(&String::from_utf8_lossy(&out.stdout));
        Err(ClusterError::Program {
            program: program.to_owned(),
            status: out.status.to_string(),
            output: output.trim().to_owned(),
            log: self.log_path(),
        })
    }
}

/// What `postmaster.pid` says.
enum Postmaster {
    Running,
    Stale,
    Stopped,
}
