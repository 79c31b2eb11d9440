//! The desktop binary: everything is in the library (`sotay_app::run`), shared with the phones.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]
fn main() {
    sotay_app::run()
}
