//! The project's shared evaluation data, for the unit tests that read it.

use std::path::PathBuf;

/// `rel` under the shared evaluation data: `$VIGIA_SHARED_DATA`, else the
/// first `shared/data` beside the checkout or above it.
///
/// # Panics
///
/// When the data or the file is not there, saying where it was looked for.
pub fn read(rel: &str) -> Vec<u8> {
    let root = std::env::var_os("VIGIA_SHARED_DATA")
        .map(PathBuf::from)
        .or_else(|| {
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .ancestors()
                .map(|a| a.join("shared/data"))
                .find(|d| d.is_dir())
        });
    let Some(root) = root else {
        panic!("the shared evaluation data (shared/data) is not beside the checkout; set VIGIA_SHARED_DATA")
    };
    let path = root.join(rel);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// [`read`] as UTF-8 text.
pub fn read_text(rel: &str) -> String {
    String::from_utf8_lossy(&read(rel)).into_owned()
}
