//! A PostgreSQL server of a test's own (Debian's `postgresql`: `initdb`
//! and `pg_ctl` on a temporary directory, reached through a Unix socket
//! there), stopped when dropped. The store's unit tests and the
//! integration tests (which include this file) start it the same way.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A PostgreSQL server in a directory of its own, stopped when dropped.
pub struct Postgres {
    data: PathBuf,
    socket: PathBuf,
    bin: PathBuf,
}

impl Postgres {
    /// Makes a cluster under `dir` and starts it, listening on a Unix
    /// socket in `dir` only. As root (CI), the server runs as the
    /// `postgres` user, which PostgreSQL requires.
    pub fn start(dir: &Path) -> Postgres {
        let bin = server_binaries();
        let root = dir.join("pg");
        std::fs::create_dir(&root).expect("the server's directory");
        if rustix::process::geteuid().is_root() {
            for path in [dir, &root] {
                let owner = Command::new("chown").arg("postgres").arg(path).status();
                assert!(
                    owner.is_ok_and(|s| s.success()),
                    "cannot give {} to the postgres user (installed with Debian's postgresql package)",
                    path.display()
                );
            }
        }
        let server = Postgres {
            data: root.join("data"),
            socket: root.clone(),
            bin,
        };
        server.run(
            "initdb",
            &[
                "-D".as_ref(),
                server.data.as_os_str(),
                "-A".as_ref(),
                "trust".as_ref(),
                "-U".as_ref(),
                "vigia".as_ref(),
                "-E".as_ref(),
                "UTF8".as_ref(),
                "--locale=C".as_ref(),
                "--no-sync".as_ref(),
                "--no-instructions".as_ref(),
            ],
        );
        server.resume();
        server
    }

    /// Starts the server (again, after [`Postgres::halt`]).
    pub fn resume(&self) {
        let options = format!(
            "-F -k {} -c listen_addresses='' -c shared_buffers=16MB -c max_connections=40",
            self.socket.display()
        );
        let log = self.socket.join("log");
        self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                self.data.as_os_str(),
                "-l".as_ref(),
                log.as_os_str(),
                "-w".as_ref(),
                "-o".as_ref(),
                options.as_ref(),
                "start".as_ref(),
            ],
        );
    }

    /// Stops the server at once, as a crash or an outage would.
    pub fn halt(&self) {
        self.run(
            "pg_ctl",
            &[
                "-D".as_ref(),
                self.data.as_os_str(),
                "-m".as_ref(),
                "immediate".as_ref(),
                "stop".as_ref(),
            ],
        );
    }

    /// The URL of its `postgres` database, as the `vigia` superuser.
    pub fn url(&self) -> String {
        format!(
            "postgres://vigia@localhost/postgres?host={}&sslmode=disable",
            self.socket.display()
        )
    }

    fn run(&self, program: &str, args: &[&std::ffi::OsStr]) {
        let path = self.bin.join(program);
        let mut command = if rustix::process::geteuid().is_root() {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = command
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
        assert!(
            out.status.success(),
            "{program} failed: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if self.data.join("postmaster.pid").exists() {
            self.halt();
        }
    }
}

/// The newest installed PostgreSQL's `bin` directory (Debian keeps
/// `initdb` and `pg_ctl` there, off the PATH).
fn server_binaries() -> PathBuf {
    let versions = std::fs::read_dir("/usr/lib/postgresql").ok();
    versions
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").exists())
        .max_by_key(|bin| {
            bin.parent()
                .and_then(|v| v.file_name())
                .and_then(|v| v.to_str())
                .and_then(|v| v.parse::<u32>().ok())
        })
        .expect("PostgreSQL is missing: install Debian's postgresql package (scripts/test.sh does)")
}
