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
    /// Server options beyond the Unix socket's.
    options: String,
}

impl Postgres {
    /// Makes a cluster under `dir` and starts it, listening on a Unix
    /// socket in `dir` only. As root (CI), the server runs as the
    /// `postgres` user, which PostgreSQL requires.
    pub fn start(dir: &Path) -> Postgres {
        Postgres::start_with(dir, vec!["-A".into(), "trust".into()], String::new())
    }

    /// A server that also listens on 127.0.0.1 (at the port returned)
    /// with TLS (`cert` and `key`, PEM) and asks TCP clients for
    /// `password` (SCRAM); its Unix socket still trusts.
    pub fn start_tls(dir: &Path, (cert, key): (&Path, &Path), password: &str) -> (Postgres, u16) {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("a free port");
        let tls = dir.join("pg-tls");
        std::fs::create_dir(&tls).expect("the TLS directory");
        let pwfile = tls.join("password");
        std::fs::write(&pwfile, password).expect("the password file");
        std::fs::copy(cert, tls.join("cert.pem")).expect("the certificate");
        std::fs::copy(key, tls.join("key.pem")).expect("the key");
        use std::os::unix::fs::PermissionsExt;
        let private = std::fs::Permissions::from_mode(0o600);
        std::fs::set_permissions(tls.join("key.pem"), private).expect("the key's mode");
        give_to_postgres(&[&tls, &tls.join("key.pem"), &tls.join("cert.pem"), &pwfile]);
        let options = format!(
            "-c ssl=on -c ssl_cert_file={0}/cert.pem -c ssl_key_file={0}/key.pem \
             -c listen_addresses=127.0.0.1 -p {port} -c log_connections=on",
            tls.display()
        );
        let auth = vec![
            "--auth-local=trust".into(),
            "--auth-host=scram-sha-256".into(),
            format!("--pwfile={}", pwfile.display()),
        ];
        (Postgres::start_with(dir, auth, options), port)
    }

    fn start_with(dir: &Path, auth: Vec<String>, options: String) -> Postgres {
        let bin = server_binaries();
        let root = dir.join("pg");
        std::fs::create_dir(&root).expect("the server's directory");
        give_to_postgres(&[dir, &root]);
        let server = Postgres {
            data: root.join("data"),
            socket: root.clone(),
            bin,
            options,
        };
        let mut args: Vec<&std::ffi::OsStr> = vec!["-D".as_ref(), server.data.as_os_str()];
        args.extend(auth.iter().map(std::ffi::OsStr::new));
        for more in [
            "-U",
            "vigia",
            "-E",
            "UTF8",
            "--locale=C",
            "--no-sync",
            "--no-instructions",
        ] {
            args.push(more.as_ref());
        }
        server.run("initdb", &args);
        server.resume();
        server
    }

    /// Starts the server (again, after [`Postgres::halt`]).
    pub fn resume(&self) {
        let options = format!(
            "-F -k {} -c listen_addresses='' -c shared_buffers=16MB -c max_connections=40 {}",
            self.socket.display(),
            self.options
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

    /// What the server logged.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.socket.join("log")).unwrap_or_default()
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

/// Gives `paths` to the `postgres` user when this runs as root (CI):
/// PostgreSQL refuses to run as root.
fn give_to_postgres(paths: &[&Path]) {
    if !rustix::process::geteuid().is_root() {
        return;
    }
    for path in paths {
        let owner = Command::new("chown").arg("postgres").arg(path).status();
        assert!(
            owner.is_ok_and(|s| s.success()),
            "cannot give {} to the postgres user (installed with Debian's postgresql package)",
            path.display()
        );
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
