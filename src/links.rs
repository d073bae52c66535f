//! One-click links in mail: "Acknowledge", "Resolve", "Ignore" per item,
//! signed so that nobody can make one up.
//!
//! A link names the mention, the step, the recipient it was mailed to,
//! when it expires and a random nonce, all signed with HMAC-SHA256 under
//! a key of the installation: `$CREDENTIALS_DIRECTORY/link-key` when
//! systemd passes one (`LoadCredential=`), else `[web] link_key_file`,
//! else `link-key` beside the database, made (mode 0600) on first use.
//! The inbox checks the signature and the expiry; the store records each
//! nonce used, so a link works once. Opening a link only shows what it
//! would do (mail scanners open links); its button's POST does it.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// A step a link takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Someone is on it.
    Acknowledge,
    /// Handled.
    Resolve,
    /// Needs nothing.
    Ignore,
}

impl Step {
    /// Every step a mail offers, in the order it shows them.
    pub const ALL: [Step; 3] = [Step::Acknowledge, Step::Resolve, Step::Ignore];

    /// Its name in a link.
    pub fn name(self) -> &'static str {
        match self {
            Step::Acknowledge => "ack",
            Step::Resolve => "resolve",
            Step::Ignore => "ignore",
        }
    }

    fn parse(name: &str) -> Option<Step> {
        Step::ALL.into_iter().find(|s| s.name() == name)
    }
}

/// What a valid link says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// The mention.
    pub mention: i64,
    /// The step.
    pub step: Step,
    /// The address it was mailed to.
    pub recipient: String,
    /// When it stops working (Unix seconds).
    pub expires: i64,
    /// Its random nonce: a link works once.
    pub nonce: String,
}

/// Why a link is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LinkError {
    /// Not made by this installation, or changed since.
    #[error("this link is not valid (it was changed, or not made by this Vigia)")]
    Invalid,
    /// Past its expiry.
    #[error("this link has expired")]
    Expired,
}

/// Why the link key cannot be had.
#[derive(Debug, thiserror::Error)]
#[error("link key {}: {error}", path.display())]
pub struct KeyError {
    /// The key file.
    pub path: PathBuf,
    /// Why.
    pub error: std::io::Error,
}

/// Signs and checks links under the installation's key.
#[derive(Clone)]
pub struct Signer {
    key: hmac::Key,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(..)")
    }
}

/// Bytes of a made key.
const KEY_BYTES: usize = 32;

impl Signer {
    /// The signer of this installation: the credential systemd passes,
    /// else `file`, else `link-key` in `state_dir`, made when missing.
    pub fn load(file: Option<&Path>, state_dir: &Path) -> Result<Signer, KeyError> {
        let credential = std::env::var_os("CREDENTIALS_DIRECTORY")
            .map(|d| PathBuf::from(d).join("link-key"))
            .filter(|p| p.exists());
        let path = credential
            .or_else(|| file.map(Path::to_path_buf))
            .unwrap_or_else(|| state_dir.join("link-key"));
        let at = |error| KeyError {
            path: path.clone(),
            error,
        };
        let key = match std::fs::read(&path) {
            Ok(key) => key,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && file.is_none() => {
                made(&path).map_err(at)?
            }
            Err(e) => return Err(at(e)),
        };
        if key.len() < 16 {
            let short = std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "shorter than 16 bytes: too weak to sign links",
            );
            return Err(at(short));
        }
        Ok(Signer::new(&key))
    }

    /// A signer with this key.
    pub fn new(key: &[u8]) -> Signer {
        Signer {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
        }
    }

    /// The token of a link taking `step` on `mention` for `recipient`,
    /// working until `expires`.
    pub fn sign(&self, mention: i64, step: Step, recipient: &str, expires: i64) -> String {
        let mut nonce = [0u8; 12];
        // Without the system's randomness a nonce is a counter of time:
        // still one per link, which is what it is for.
        if SystemRandom::new().fill(&mut nonce).is_err() {
            nonce[..8].copy_from_slice(&expires.to_le_bytes());
        }
        let payload = format!(
            "{mention}|{}|{recipient}|{expires}|{}",
            step.name(),
            URL_SAFE_NO_PAD.encode(nonce)
        );
        let tag = hmac::sign(&self.key, payload.as_bytes());
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(payload),
            URL_SAFE_NO_PAD.encode(tag.as_ref())
        )
    }

    /// What `token` claims, when this installation signed it and it has
    /// not expired at `now`.
    pub fn verify(&self, token: &str, now: i64) -> Result<Claim, LinkError> {
        let (payload, tag) = token.split_once('.').ok_or(LinkError::Invalid)?;
        let payload = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| LinkError::Invalid)?;
        let tag = URL_SAFE_NO_PAD
            .decode(tag)
            .map_err(|_| LinkError::Invalid)?;
        hmac::verify(&self.key, &payload, &tag).map_err(|_| LinkError::Invalid)?;
        let text = String::from_utf8(payload).map_err(|_| LinkError::Invalid)?;
        let fields: Vec<&str> = text.split('|').collect();
        let [mention, step, recipient, expires, nonce] = fields[..] else {
            return Err(LinkError::Invalid);
        };
        let claim = Claim {
            mention: mention.parse().map_err(|_| LinkError::Invalid)?,
            step: Step::parse(step).ok_or(LinkError::Invalid)?,
            recipient: recipient.to_string(),
            expires: expires.parse().map_err(|_| LinkError::Invalid)?,
            nonce: nonce.to_string(),
        };
        if claim.expires <= now {
            return Err(LinkError::Expired);
        }
        Ok(claim)
    }
}

impl Signer {
    /// The token that names alert mail `mail`, made at `created`, in its
    /// subject and Message-ID: `r{mail}-` and 12 hex digits of a
    /// signature, so that a reply cannot name a mail it did not answer.
    pub fn reply_token(&self, mail: i64, created: i64) -> String {
        format!("r{mail}-{}", self.reply_mac(mail, created))
    }

    /// Whether `token` is [`Signer::reply_token`]`(mail, created)`.
    pub fn reply_token_is(&self, token: &str, mail: i64, created: i64) -> bool {
        same_token(token, &self.reply_token(mail, created))
    }

    fn reply_mac(&self, mail: i64, created: i64) -> String {
        let tag = hmac::sign(&self.key, format!("reply|{mail}|{created}").as_bytes());
        tag.as_ref()[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The reply tokens written in `text` (a subject, a References header),
/// each with the mail id it claims, in order and each once; unchecked.
pub fn reply_tokens(text: &str) -> Vec<(i64, String)> {
    let mut found: Vec<(i64, String)> = Vec::new();
    let words = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-'));
    for word in words {
        let word = word.to_ascii_lowercase();
        let Some((id, mac)) = word.strip_prefix('r').and_then(|w| w.split_once('-')) else {
            continue;
        };
        let hex = mac.len() == 12 && mac.bytes().all(|b| b.is_ascii_hexdigit());
        let id = id.parse::<i64>().ok().filter(|&id| id > 0);
        if let (Some(id), true) = (id, hex) {
            if !found.iter().any(|(_, t)| *t == word) {
                found.push((id, word));
            }
        }
    }
    found
}

/// The links a mail carries: to the inbox, and signed one-click steps.
#[derive(Debug)]
pub struct MailLinks {
    signer: Signer,
    /// `base_url` without its trailing slash.
    base: String,
    lifetime: std::time::Duration,
}

impl MailLinks {
    /// Links into the inbox at `base_url`, steps signed by `signer` and
    /// working for `lifetime`.
    pub fn new(signer: Signer, base_url: &str, lifetime: std::time::Duration) -> MailLinks {
        MailLinks {
            signer,
            base: base_url.trim_end_matches('/').to_string(),
            lifetime,
        }
    }

    /// The inbox's first page.
    pub fn inbox(&self) -> String {
        format!("{}/", self.base)
    }

    /// The mention's page in the inbox.
    pub fn open(&self, mention: i64) -> String {
        format!("{}/mentions/{mention}", self.base)
    }

    /// A link that takes `step` on `mention` for `recipient`, made `now`.
    pub fn step(&self, mention: i64, step: Step, recipient: &str, now: i64) -> String {
        let expires = now + self.lifetime.as_secs() as i64;
        let token = self.signer.sign(mention, step, recipient, expires);
        format!("{}/act/{token}", self.base)
    }

    /// What a link's token claims ([`Signer::verify`]).
    pub fn verify(&self, token: &str, now: i64) -> Result<Claim, LinkError> {
        self.signer.verify(token, now)
    }

    /// How long a link works, in whole days (for the mail's note).
    pub fn days(&self) -> u64 {
        (self.lifetime.as_secs() / 86_400).max(1)
    }
}

/// Whether two tokens are equal, in time that does not depend on where
/// they differ.
pub fn same_token(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |d, (x, y)| d | (x ^ y)) == 0
}

/// Makes a new random key at `path`, readable by its owner only.
fn made(path: &Path) -> std::io::Result<Vec<u8>> {
    use std::os::unix::fs::OpenOptionsExt;
    let mut key = vec![0u8; KEY_BYTES];
    SystemRandom::new()
        .fill(&mut key)
        .map_err(|_| std::io::Error::other("no random bytes from the system"))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    // Written whole under a name of its own, then linked into place: two
    // processes starting at once keep the first key, and neither ever
    // reads half of one.
    let mut temp_name = path.as_os_str().to_owned();
    temp_name.push(format!(".{}.tmp", std::process::id()));
    let temp = PathBuf::from(temp_name);
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temp)?;
    file.write_all(&key)?;
    file.sync_all()?;
    let linked = std::fs::hard_link(&temp, path);
    let _ = std::fs::remove_file(&temp);
    match linked {
        Ok(()) => Ok(key),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => std::fs::read(path),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_signed_link_says_what_it_was_made_for_and_nothing_else() {
        let signer = Signer::new(b"0123456789abcdef0123456789abcdef");
        let token = signer.sign(42, Step::Resolve, "ana@lumora.example", 1_000);
        let claim = signer.verify(&token, 999).unwrap();
        assert_eq!(
            (claim.mention, claim.step, claim.recipient.as_str()),
            (42, Step::Resolve, "ana@lumora.example")
        );
        assert_eq!(signer.verify(&token, 1_000), Err(LinkError::Expired));
        // Another link for the same step differs (its nonce).
        let other = signer.sign(42, Step::Resolve, "ana@lumora.example", 1_000);
        assert_ne!(signer.verify(&other, 0).unwrap().nonce, claim.nonce);
        // Any change breaks it: the payload, the tag, another key.
        let (payload, tag) = token.split_once('.').unwrap();
        let forged = URL_SAFE_NO_PAD.encode(
            String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap())
                .unwrap()
                .replace("42|", "43|"),
        );
        assert_eq!(
            signer.verify(&format!("{forged}.{tag}"), 0),
            Err(LinkError::Invalid)
        );
        assert_eq!(
            signer.verify(&format!("{payload}.{}", &tag[1..]), 0),
            Err(LinkError::Invalid)
        );
        let stranger = Signer::new(b"another key, another installation");
        assert_eq!(stranger.verify(&token, 0), Err(LinkError::Invalid));
        assert_eq!(signer.verify("garbage", 0), Err(LinkError::Invalid));
    }

    #[test]
    fn a_reply_token_names_its_mail_and_cannot_be_made_up() {
        let signer = Signer::new(b"0123456789abcdef0123456789abcdef");
        let token = signer.reply_token(12, 1_000);
        assert!(token.starts_with("r12-") && token.len() == 16, "{token}");
        assert!(signer.reply_token_is(&token, 12, 1_000));
        // Another mail, the same id recorded at another time, another key.
        assert!(!signer.reply_token_is(&token, 13, 1_000));
        assert!(!signer.reply_token_is(&token, 12, 1_001));
        let stranger = Signer::new(b"another key, another installation");
        assert!(!stranger.reply_token_is(&token, 12, 1_000));
        // Found in a subject and a Message-ID, once, whatever the case.
        let text = format!(
            "Re: [Vigia] Urgent: 2 mentions [{}] <vigia.alert.cs.1.00ab.{token}@x.example>",
            token.to_uppercase()
        );
        assert_eq!(reply_tokens(&text), vec![(12, token.clone())]);
        assert_eq!(
            reply_tokens("r12-abc r-0123456789ab rx-0123456789ab"),
            vec![]
        );
    }

    #[test]
    fn the_key_is_made_once_and_kept_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let first = Signer::load(None, dir.path()).unwrap();
        let path = dir.path().join("link-key");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        let token = first.sign(1, Step::Acknowledge, "a@b.example", 10);
        let again = Signer::load(None, dir.path()).unwrap();
        assert!(
            again.verify(&token, 0).is_ok(),
            "the same key after a restart"
        );
        // A key file named in the config must exist: no key is made there.
        let named = dir.path().join("missing");
        assert!(Signer::load(Some(&named), dir.path()).is_err());
    }
}
