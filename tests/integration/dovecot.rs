//! A real Dovecot 2.3 on 127.0.0.1, started from its own config in a temp
//! dir (`dovecot -F -c FILE`) and stopped by its PID.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

/// The test user's login.
pub const USER: &str = "vigia";
/// The test user's password.
pub const PASSWORD: &str = "s3cret-pw";

/// A running Dovecot.
pub struct Dovecot {
    /// Its directory (config, certificate, mail, logs).
    pub dir: tempfile::TempDir,
    /// Plain IMAP port (STARTTLS offered).
    pub imap_port: u16,
    /// IMAPS port.
    pub imaps_port: u16,
    child: Option<Child>,
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().map(|a| a.port()).unwrap()
}

fn output(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{cmd}: {e}"));
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// A private CA and a server certificate it signs for localhost and
/// 127.0.0.1 (rustls, rightly, refuses a CA certificate used as the
/// server's own).
pub fn make_certificates(root: &Path) {
    std::fs::write(
        root.join("server.ext"),
        "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .unwrap();
    let steps: [&[&str]; 3] = [
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=Vigia Test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
        ],
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=localhost",
            "-keyout",
            "key.pem",
            "-out",
            "server.csr",
        ],
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "server.ext",
            "-out",
            "cert.pem",
        ],
    ];
    for args in steps {
        let status = Command::new("openssl")
            .args(args)
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .unwrap_or_else(|e| panic!("openssl: {e}"));
        assert!(status.success(), "openssl {args:?} failed");
    }
}

impl Dovecot {
    /// Starts Dovecot with one passwd-file user, waiting until it listens.
    ///
    /// # Panics
    ///
    /// When Dovecot or openssl is missing: `scripts/test.sh` installs them.
    pub fn start() -> Dovecot {
        for tool in ["/usr/sbin/dovecot", "/usr/bin/openssl"] {
            assert!(
                Path::new(tool).exists(),
                "{tool} is missing: run scripts/test.sh, which installs dovecot-imapd and openssl"
            );
        }
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        make_certificates(root);
        std::fs::write(
            root.join("passwd"),
            format!("{USER}:{{PLAIN}}{PASSWORD}::::::\n"),
        )
        .unwrap();
        for sub in ["mail", "run", "state"] {
            std::fs::create_dir_all(root.join(sub)).unwrap();
        }
        let mut dovecot = Dovecot {
            dir,
            imap_port: free_port(),
            imaps_port: free_port(),
            child: None,
        };
        std::fs::write(dovecot.config(), dovecot.config_text()).unwrap();
        dovecot.launch();
        dovecot
    }

    fn config(&self) -> PathBuf {
        self.dir.path().join("dovecot.conf")
    }

    /// The test CA that signed the server's certificate, to trust.
    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("ca.pem")
    }

    /// The user's Maildir.
    pub fn maildir(&self) -> PathBuf {
        self.dir.path().join("mail").join(USER)
    }

    /// Dovecot refuses to run mail processes as root: as root, mail belongs
    /// to the `dovecot` user; otherwise everything runs as the current user.
    fn config_text(&self) -> String {
        let root = self.dir.path().display();
        let (internal, login, mail_user) = if output("id", &["-u"]) == "0" {
            for path in [self.dir.path().to_path_buf(), self.dir.path().join("mail")] {
                Command::new("chmod")
                    .arg("755")
                    .arg(&path)
                    .status()
                    .unwrap();
            }
            Command::new("chown")
                .args(["-R", "dovecot:dovecot"])
                .arg(self.dir.path().join("mail"))
                .status()
                .unwrap();
            (
                "dovecot".to_string(),
                "dovenull".to_string(),
                "dovecot".to_string(),
            )
        } else {
            let me = output("id", &["-un"]);
            (me.clone(), me.clone(), me)
        };
        format!(
            r#"base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
instance_name = vigia-test-{port}
listen = 127.0.0.1
protocols = imap
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal}
default_login_user = {login}
mail_location = maildir:{root}/mail/%u
mail_uid = {mail_user}
mail_gid = {mail_user}
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={mail_user} gid={mail_user} home={root}/mail/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    port = {port}
  }}
  inet_listener imaps {{
    port = {tls_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
"#,
            port = self.imap_port,
            tls_port = self.imaps_port,
        )
    }

    fn launch(&mut self) {
        let child = Command::new("/usr/sbin/dovecot")
            .arg("-F")
            .arg("-c")
            .arg(self.config())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("starting dovecot: {e}"));
        self.child = Some(child);
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.imap_port)).is_err() {
            let log =
                std::fs::read_to_string(self.dir.path().join("dovecot.log")).unwrap_or_default();
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "dovecot did not start listening:\n{log}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops Dovecot by its PID and waits for it.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill").arg(child.id().to_string()).status();
            let _ = child.wait();
        }
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", self.imap_port)).is_ok()
            && start.elapsed() < Duration::from_secs(10)
        {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Stops and starts again on the same ports and mail.
    pub fn restart(&mut self) {
        self.stop();
        self.launch();
    }

    /// Appends a message to `folder` over IMAP, creating the folder if needed.
    pub async fn append(&self, folder: &str, raw: &[u8]) {
        let tcp = TcpStream::connect(("127.0.0.1", self.imap_port))
            .await
            .unwrap();
        let mut client = async_imap::Client::new(tcp);
        let _greeting = client.read_response().await;
        let mut session = client
            .login(USER, PASSWORD)
            .await
            .map_err(|(e, _)| e)
            .unwrap();
        let _ = session.create(folder).await;
        session
            .append(folder, None, None, raw)
            .await
            .unwrap_or_else(|e| panic!("append: {e}"));
        let _ = session.logout().await;
    }

    /// Message files in a folder's Maildir (`new/` and `cur/`).
    pub fn messages_in(&self, folder: &str) -> Vec<String> {
        let base = if folder == "INBOX" {
            self.maildir()
        } else {
            self.maildir().join(format!(".{folder}"))
        };
        let mut names = Vec::new();
        for sub in ["new", "cur"] {
            if let Ok(entries) = std::fs::read_dir(base.join(sub)) {
                names.extend(
                    entries
                        .flatten()
                        .map(|e| e.file_name().to_string_lossy().into_owned()),
                );
            }
        }
        names
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        self.stop();
    }
}
