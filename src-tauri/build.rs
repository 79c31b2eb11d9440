//! Tauri's build step: embeds the configuration and the capabilities, and declares the app's
//! commands so each needs an explicit permission (least privilege: the webview may call only
//! what `capabilities/` grants).

fn main() {
    let commands: &[&str] = &include!("src/command_names.in");
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(commands)),
    )
    .expect("tauri build step");
}
