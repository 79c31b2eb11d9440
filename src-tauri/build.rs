//! Tauri's build step: embeds the configuration and the capabilities, and declares the app's
//! commands so each needs an explicit permission (least privilege: the webview may call only
//! what `capabilities/` grants).

fn main() {
    pack_relative_relocations();
    let commands: &[&str] = &include!("src/command_names.in");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build step");
}

/// On Linux with glibc, links the app with its relative relocations packed (`DT_RELR`): a
/// position-independent binary lists every pointer the loader must adjust at start, 1 MB of
/// table here, read at every start and kept in memory; packed, a few kilobytes
/// (docs/benchmarks.md). Only where the C library the app is built against knows `DT_RELR`
/// (glibc 2.36 on, whose libc declares the version `GLIBC_ABI_DT_RELR`): a binary linked this
/// way does not start with an older one.
fn pack_relative_relocations() {
    let var = |name: &str| std::env::var(name).unwrap_or_default();
    if var("CARGO_CFG_TARGET_OS") != "linux" || var("CARGO_CFG_TARGET_ENV") != "gnu" {
        return;
    }
    let arch = var("CARGO_CFG_TARGET_ARCH");
    let libc_knows_relr = [
        format!("/lib/{arch}-linux-gnu/libc.so.6"),
        "/lib64/libc.so.6".to_owned(),
        "/usr/lib64/libc.so.6".to_owned(),
        "/usr/lib/libc.so.6".to_owned(),
    ]
    .iter()
    .filter_map(|path| std::fs::read(path).ok())
    .any(|bytes| bytes.windows(17).any(|w| w == b"GLIBC_ABI_DT_RELR"));
    if libc_knows_relr {
        println!("cargo:rustc-link-arg-bins=-Wl,-z,pack-relative-relocs");
    }
}
