//! The Sotay field app (Tauri 2): the shell around the library crates. `build_app` registers the
//! state, the commands (one module per screen in [`commands`]) and the background sync
//! ([`sync_loop`], its handle [`sync_task`]); it is generic in the runtime so `tauri::test::mock_builder()` drives the same
//! app in tests without a display. `run` is the desktop and mobile entry point.
//!
//! Architecture invariant: no business logic and no SQL here. A command reads its input, calls
//! `sotay-store`, `sotay-sync`, `sotay-domain` or `sotay-device`, and maps the error to
//! [`error::CommandError`].

pub mod commands;
pub mod dto;
pub mod error;
pub mod forms;
pub mod memory;
pub mod startup;
pub mod state;
pub mod sync_loop;
pub mod sync_task;

use std::path::PathBuf;

use tauri::{Builder, Emitter, Manager, RunEvent, Runtime};

use crate::dto::EnrollInput;
use crate::state::AppState;
use crate::sync_task::{SyncTask, SyncTiming};

pub use state::STATUS_EVENT;

/// How to build the app.
#[derive(Clone, Debug)]
pub struct AppOptions {
    /// The data folder; the platform's app data folder when `None`.
    pub data_dir: Option<PathBuf>,
    /// When to sync.
    pub timing: SyncTiming,
    /// Enrol at start with this office address and code, when not enrolled yet.
    pub enrol_at_start: Option<EnrollInput>,
}

impl AppOptions {
    /// Options from the environment: `SOTAY_DATA_DIR`, the sync timing variables, and
    /// `SOTAY_ENROLL_URL` with `SOTAY_ENROLL_CODE` (the demo of `scripts/run.sh`).
    pub fn from_env() -> AppOptions {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        AppOptions {
            data_dir: var("SOTAY_DATA_DIR").map(PathBuf::from),
            timing: SyncTiming::from_env(),
            enrol_at_start: match (var("SOTAY_ENROLL_URL"), var("SOTAY_ENROLL_CODE")) {
                (Some(office_url), Some(code)) => Some(EnrollInput { office_url, code }),
                _ => None,
            },
        }
    }
}

/// Registers Sotay's state, commands and background sync on `builder`.
pub fn build_app<R: Runtime>(builder: Builder<R>, options: AppOptions) -> Builder<R> {
    #[cfg(mobile)]
    let builder = builder
        .plugin(tauri_plugin_barcode_scanner::init())
        .plugin(tauri_plugin_geolocation::init());
    // With a data folder given (tests, `SOTAY_DATA_DIR`) the state exists before the event
    // loop starts, so the mock runtime's commands find it; else the platform's app data folder
    // is known only once the app is set up.
    let builder = match &options.data_dir {
        Some(dir) => {
            let _ = std::fs::create_dir_all(dir);
            builder.manage(AppState::load(dir.clone(), SyncTask::new(options.timing)))
        }
        None => builder,
    };
    builder
        .setup(move |app| {
            startup::mark("setup");
            if app.try_state::<AppState>().is_none() {
                let data_dir = app.path().app_data_dir()?;
                std::fs::create_dir_all(&data_dir)?;
                app.manage(AppState::load(data_dir, SyncTask::new(options.timing)));
            }
            startup::mark("state");
            let handle = app.handle().clone();
            sync_loop::start(handle.clone());
            let trimmer = handle.clone();
            tauri::async_runtime::spawn(async move {
                let state = trimmer.state::<AppState>();
                let trim = || state.release_store_cache();
                state.idle_trim.run(memory::IDLE_TRIM_AFTER, trim).await;
            });
            if let Some(input) = options.enrol_at_start.clone()
                && app.state::<AppState>().enrolment().is_none()
            {
                tauri::async_runtime::spawn(async move {
                    let state = handle.state::<AppState>();
                    match commands::app::enroll_with(&state, input).await {
                        Ok(status) => {
                            let _ = handle.emit(STATUS_EVENT, status);
                        }
                        Err(err) => tracing::warn!(%err, "enrolment at start failed"),
                    }
                });
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_status,
            commands::app::enroll,
            commands::app::mark_ready,
            commands::today::today,
            commands::today::set_follow_up_done,
            commands::households::villages,
            commands::households::village_households,
            commands::households::search,
            commands::households::household_page,
            commands::households::save_household,
            commands::households::person_page,
            commands::households::save_person,
            commands::households::read_id_card_qr,
            commands::visits::log_visit,
            commands::quote::quote,
            commands::quote::quote_defaults,
            commands::signup::sign_up,
            commands::signup::resubmit_sign_up,
            commands::collect::payment_draft,
            commands::collect::collect_payment,
            commands::collect::receipt,
            commands::collect::cash_on_hand,
            commands::collect::remit_cash,
            commands::meetings::meetings,
            commands::meetings::save_meeting,
            commands::targets::targets,
            commands::sync::sync_status,
            commands::sync::sync_now,
            commands::sync::sync_screen,
            commands::settings::settings,
            commands::settings::set_language,
            commands::settings::set_office_url,
            commands::settings::set_idle_lock,
            commands::settings::set_pin,
            commands::settings::lock,
            commands::settings::unlock,
            commands::settings::start_over,
            commands::drafts::save_draft,
            commands::drafts::load_draft,
            commands::drafts::discard_draft,
            commands::collect::sign_up_terms,
            commands::collect::change_sign_up_terms,
        ])
}

/// What to do when the app stops: cancel the sync between requests and copy the write-ahead
/// log into the database file.
pub fn on_run_event<R: Runtime>(app: &tauri::AppHandle<R>, event: RunEvent) {
    if let RunEvent::Exit = event
        && let Some(state) = app.try_state::<AppState>()
    {
        state.sync.cancel();
        if let Some(session) = state.session() {
            let _ = state::lock_store(&session.store).checkpoint();
        }
    }
}

/// Starts Sotay (desktop `main`, and the Android/iOS entry point).
#[cfg_attr(mobile, tauri::mobile_entry_point)]
pub fn run() {
    memory::set_up_at_start();
    startup::mark("main");
    let _ = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .try_init();
    let app = build_app(tauri::Builder::default(), AppOptions::from_env())
        .build(tauri::generate_context!())
        .unwrap_or_else(|err| {
            eprintln!("Sotay không khởi động được: {err}");
            std::process::exit(1);
        });
    startup::mark("built");
    app.run(on_run_event);
}
