//! Tests of the field app, in one binary (one compile for all): the commands through Tauri's
//! mock runtime (no display), the list of error codes the UI must know, and the real app in
//! WebKitGTK through tauri-driver under Xvfb against a real `sotay-office` process.

mod codes;
mod mock;
mod webview;
