//! The private cluster as a person meets it: as root or not, after a crash, under SIGTERM (with
//! requests in flight), and shared by two `antq` processes. These drive the real `antq` binary.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use antq_atlas::db::cluster::Cluster;
use nix::sys::signal::{Signal, kill};
use nix::unistd::{Pid, Uid, User};

fn antq() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_antq"));
    for var in ["DATABASE_URL", "ANTQ_DATA_DIR", "ANTQ_BIND"] {
        cmd.env_remove(var);
    }
    cmd
}

/// Processes whose working directory is `pgdata`: the postmaster and its children.
fn cluster_processes(pgdata: &Path) -> Vec<(u32, u32)> {
    let Ok(pgdata) = pgdata.canonicalize() else { return Vec::new() };
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").expect("/proc").flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        if std::fs::read_link(entry.path().join("cwd")).is_ok_and(|cwd| cwd == pgdata) {
            let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
            let uid = status
                .lines()
                .find_map(|l| l.strip_prefix("Uid:"))
                .and_then(|l| l.split_whitespace().next())
                .and_then(|u| u.parse().ok())
                .unwrap_or(u32::MAX);
            found.push((pid, uid));
        }
    }
    found
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting until {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A running `antq serve` and the address it listens on.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(data_dir: &Path) -> Self {
        Self::start_with(data_dir, &[])
    }

    fn start_with(data_dir: &Path, args: &[&str]) -> Self {
        let mut child = antq()
            .args(["serve", "--bind", "127.0.0.1:0", "--data-dir"])
            .arg(data_dir)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("spawn antq serve");
        let stdout = child.stdout.take().expect("stdout");
        let line = BufReader::new(stdout).lines().map_while(Result::ok).find(|l| l.contains("serving at"));
        let addr = line
            .and_then(|l| {
                l.split("http://")
                    .nth(1)
                    .map(|rest| rest.trim_end_matches(|c| c != '/').trim_end_matches('/').to_owned())
            })
            .and_then(|a| a.parse().ok())
            .unwrap_or_else(|| panic!("antq serve did not start: {:?}", child.wait()));
        Self { child, addr }
    }

    fn health(&self) -> u16 {
        let mut stream = TcpStream::connect(self.addr).expect("connect");
        stream.write_all(b"GET /health HTTP/1.0\r\n\r\n").expect("write");
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("read");
        response.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
    }

    fn signal_term(&self) {
        let pid = Pid::from_raw(i32::try_from(self.child.id()).expect("pid"));
        kill(pid, Signal::SIGTERM).expect("SIGTERM");
    }

    fn wait_exit(&mut self) -> std::process::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                return status;
            }
            assert!(Instant::now() < deadline, "antq did not exit within 30 s of SIGTERM");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        self.signal_term();
        self.wait_exit()
    }
}

fn pgdata(dir: &Path) -> PathBuf {
    dir.join("cluster")
}

/// Needs root, so it is ignored by default and reported as skipped; `scripts/test.sh` runs it
/// (`--run-ignored all`) when it runs as root, as CI does.
#[test]
#[ignore = "needs root: scripts/test.sh runs it as root, as CI does"]
fn as_root_the_cluster_runs_as_the_postgres_user() {
    assert!(Uid::effective().is_root(), "this test needs root; run it as root or leave it ignored");
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("pg");
    let mut cluster = Cluster::new(&dir).expect("cluster");
    cluster.acquire().expect("start as root");

    let postgres = User::from_name("postgres").expect("passwd").expect("postgres user");
    let processes = cluster_processes(&pgdata(&dir));
    assert!(!processes.is_empty(), "the cluster runs");
    assert!(processes.iter().all(|&(_, uid)| uid == postgres.uid.as_raw()), "{processes:?}");

    assert!(cluster.release().expect("release"), "the only user stops the cluster");
    wait_until("the stopped cluster's processes are gone", || cluster_processes(&pgdata(&dir)).is_empty());
}

#[test]
fn as_an_unprivileged_user_the_cluster_runs_as_that_user() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("pg");
    std::fs::create_dir(&dir).expect("mkdir");
    let mut start = antq();
    let mut stop = antq();
    let uid = if Uid::effective().is_root() {
        // Run antq itself as `nobody`, owning its data directory.
        let nobody = User::from_name("nobody").expect("passwd").expect("nobody user");
        std::os::unix::fs::chown(&dir, Some(nobody.uid.as_raw()), Some(nobody.gid.as_raw())).expect("chown");
        std::fs::set_permissions(tmp.path(), std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .expect("chmod");
        for cmd in [&mut start, &mut stop] {
            cmd.uid(nobody.uid.as_raw()).gid(nobody.gid.as_raw()).current_dir(&dir);
        }
        nobody.uid.as_raw()
    } else {
        Uid::effective().as_raw()
    };

    let out = start.args(["cluster", "start", "--data-dir"]).arg(&dir).output().expect("run antq");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("postgres://postgres@localhost/antq?host="));
    let processes = cluster_processes(&pgdata(&dir));
    assert!(!processes.is_empty());
    assert!(processes.iter().all(|&(_, u)| u == uid), "{processes:?}");

    let out = stop.args(["cluster", "stop", "--data-dir"]).arg(&dir).output().expect("run antq");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    wait_until("the stopped cluster's processes are gone", || cluster_processes(&pgdata(&dir)).is_empty());
}

#[tokio::test]
async fn a_stale_pid_file_after_kill_9_is_recovered_and_data_kept() {
    use sqlx::{ConnectOptions, Connection};
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("pg");
    let cluster = Cluster::new(&dir).expect("cluster");
    cluster.ensure_running().expect("start");
    let mut conn = cluster.connect_options("postgres").connect().await.expect("connect");
    sqlx::query("create table kept (x int)").execute(&mut conn).await.expect("create");
    sqlx::query("insert into kept values (42)").execute(&mut conn).await.expect("write");
    conn.close().await.expect("close");

    // Crash: kill -9 the postmaster, wait for its children to notice and exit.
    let pid_file = pgdata(&dir).join("postmaster.pid");
    let text = std::fs::read_to_string(&pid_file).expect("postmaster.pid");
    let pid: i32 = text.lines().next().and_then(|l| l.parse().ok()).expect("pid");
    kill(Pid::from_raw(pid), Signal::SIGKILL).expect("kill -9");
    wait_until("the crashed cluster's processes are gone", || cluster_processes(&pgdata(&dir)).is_empty());
    // Worse than a dead pid: a recycled one, naming a live process that is not a postmaster.
    let recycled = text.replacen(&pid.to_string(), "1", 1);
    std::fs::write(&pid_file, recycled).expect("rewrite postmaster.pid");

    cluster.ensure_running().expect("recover and start");
    let mut conn = cluster.connect_options("postgres").connect().await.expect("connect after recovery");
    let kept: i32 = sqlx::query_scalar("select x from kept").fetch_one(&mut conn).await.expect("data kept");
    assert_eq!(kept, 42);
    conn.close().await.expect("close");
    cluster.stop().expect("stop");
    wait_until("the stopped cluster's processes are gone", || cluster_processes(&pgdata(&dir)).is_empty());
}

#[test]
fn sigterm_stops_serve_and_its_cluster_and_a_restart_reuses_the_data() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("pg");
    let server = Server::start(&dir);
    assert_eq!(server.health(), 200);
    let created =
        std::fs::metadata(pgdata(&dir).join("PG_VERSION")).expect("PG_VERSION").modified().expect("mtime");

    assert!(server.terminate().success(), "clean exit on SIGTERM");
    wait_until("no PostgreSQL process left behind", || cluster_processes(&pgdata(&dir)).is_empty());
    assert!(!pgdata(&dir).join("postmaster.pid").exists());

    let again = Server::start(&dir);
    assert_eq!(again.health(), 200);
    let reused =
        std::fs::metadata(pgdata(&dir).join("PG_VERSION")).expect("PG_VERSION").modified().expect("mtime");
    assert_eq!(created, reused, "the cluster was reused, not created again");
    assert!(again.terminate().success());
}

#[test]
fn a_second_antq_shares_the_running_cluster_and_does_not_stop_it() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("pg");
    let first = Server::start(&dir);
    let second = Server::start(&dir);
    assert_eq!((first.health(), second.health()), (200, 200));

    assert!(second.terminate().success());
    assert_eq!(first.health(), 200, "the first antq still has its database");
    assert!(!cluster_processes(&pgdata(&dir)).is_empty());

    assert!(first.terminate().success());
    wait_until("the last one out stops the cluster", || cluster_processes(&pgdata(&dir)).is_empty());
}

#[test]
fn without_postgresql_antq_names_the_package_to_install() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let out = antq()
        .args(["migrate", "--data-dir"])
        .arg(tmp.path().join("pg"))
        .env("ANTQ_PG_BINDIR", tmp.path().join("no-such-bin"))
        .output()
        .expect("run antq");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("apt-get install -y postgresql-15 postgresql-15-postgis-3"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A sign-in whose body is only half sent: the server has begun the request and cannot answer
/// it until the rest arrives, which is how a slow client on a mobile link looks. Answers the
/// stream and the rest of the body.
fn begin_slow_sign_in(addr: SocketAddr) -> (TcpStream, &'static [u8]) {
    let body: &'static [u8] = br#"{"username": "nobody", "password": "not-the-password"}"#;
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
    write!(
        stream,
        "POST /auth/login HTTP/1.1\r\nHost: atlas\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .expect("write head");
    stream.write_all(&body[..10]).expect("write half the body");
    // Long enough for the server to have read the head and started the handler.
    std::thread::sleep(Duration::from_millis(500));
    (stream, &body[10..])
}

#[test]
fn sigterm_finishes_requests_in_flight_refuses_new_ones_and_cuts_off_after_the_grace_period() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let dir = tmp.path().join("pg");

    // Within the grace period: the request in flight gets its whole answer from a database that
    // is still open, while new connections are refused.
    let mut server = Server::start_with(&dir, &["--shutdown-grace-secs", "30"]);
    let addr = server.addr;
    let (mut stream, rest) = begin_slow_sign_in(addr);
    server.signal_term();
    std::thread::sleep(Duration::from_millis(500));
    assert!(server.child.try_wait().expect("wait").is_none(), "antq waits for the request in flight");
    let refused = TcpStream::connect_timeout(&addr, Duration::from_secs(2));
    assert!(refused.is_err(), "a new connection after SIGTERM is refused");
    stream.write_all(rest).expect("write the rest");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read the answer");
    assert!(answer.starts_with("HTTP/1.1 401"), "the sign-in was checked against the database: {answer}");
    assert!(answer.contains("wrong username or password"), "{answer}");
    assert!(server.wait_exit().success(), "clean exit once the request is done");
    wait_until("the pool closed and the cluster stopped", || cluster_processes(&pgdata(&dir)).is_empty());

    // Past the grace period: a request that never completes is cut off and antq still stops
    // cleanly, with its cluster.
    let mut server = Server::start_with(&dir, &["--shutdown-grace-secs", "1"]);
    let (mut stream, _) = begin_slow_sign_in(server.addr);
    let signalled = Instant::now();
    server.signal_term();
    assert!(server.wait_exit().success(), "clean exit after the grace period");
    let took = signalled.elapsed();
    assert!(took >= Duration::from_secs(1), "the grace period was given: {took:?}");
    assert!(took < Duration::from_secs(15), "the grace period was not exceeded by much: {took:?}");
    let mut rest = Vec::new();
    let cut = stream.read_to_end(&mut rest);
    assert!(cut.is_err() || rest.is_empty(), "the unfinished request got no answer: {rest:?}");
    wait_until("the cluster stopped", || cluster_processes(&pgdata(&dir)).is_empty());
}
