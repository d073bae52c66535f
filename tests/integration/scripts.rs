//! The scripts around the binary: the packaging strip, and the digest
//! screenshot in a real Chromium wherever cargo builds.

use std::process::Command;

use crate::helpers::{repo, stdout};

/// The section names of an ELF file, by `readelf -S`.
fn sections(file: &std::path::Path) -> String {
    let out = Command::new("readelf")
        .arg("-SW")
        .arg(file)
        .output()
        .unwrap_or_else(|e| panic!("readelf (Debian package binutils): {e}"));
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_packaged_binary_is_stripped_and_its_debug_info_kept_beside_it() {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_vigia"));
    assert!(
        sections(binary).contains(".debug_info"),
        "the test build carries debug info"
    );
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(repo().join("scripts/strip-binary.sh"))
        .arg(binary)
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let stripped = dir.path().join("vigia");
    let debug = dir.path().join("vigia.debug");
    let stripped_sections = sections(&stripped);
    assert!(
        !stripped_sections.contains(".debug_info") && stripped_sections.contains(".gnu_debuglink"),
        "{stripped_sections}"
    );
    assert!(sections(&debug).contains(".debug_info"));
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    assert!(size(&stripped) * 2 < size(binary), "much smaller");
    let version = Command::new(&stripped).arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("vigia "));
}

#[test]
fn the_digest_screenshot_builds_wherever_cargo_builds() {
    // The binary this test runs, found under another name: CARGO_TARGET_DIR
    // through a link to the folder cargo built it in. (NO_BUILD: a nested
    // build would replace the binary other tests are running.)
    let target = std::path::Path::new(env!("CARGO_BIN_EXE_vigia"))
        .ancestors()
        .nth(2)
        .map(std::path::Path::to_path_buf)
        .unwrap_or_else(|| panic!("no target folder"));
    let dir = tempfile::tempdir().unwrap();
    let linked = dir.path().join("elsewhere");
    std::os::unix::fs::symlink(&target, &linked).unwrap();
    let png = dir.path().join("digest.png");
    let out = Command::new(repo().join("scripts/screenshot-digest.sh"))
        .arg(&png)
        .env("CARGO_TARGET_DIR", &linked)
        .env("PROFILE", "dev")
        .env("NO_BUILD", "1")
        .output()
        .unwrap();
    assert!(stdout(&out).trim_end().ends_with("digest.png"));
    let bytes = std::fs::read(&png).unwrap_or_default();
    assert!(bytes.starts_with(b"\x89PNG"), "a PNG");
    assert!(bytes.len() > 20_000, "a rendered page, not a blank one");
    let html = std::fs::read_to_string(dir.path().join("digest.html")).unwrap_or_default();
    assert!(html.contains("Lumora"), "{html}");
}

#[test]
fn no_module_uses_one_above_it() {
    let out = Command::new("python3")
        .arg(repo().join("scripts/module-graph.py"))
        .output()
        .unwrap_or_else(|e| panic!("python3 is needed to check the module graph: {e}"));
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}");
    assert!(
        said.ends_with("no cycle between top-level modules\n"),
        "{said}"
    );
}
