//! The subcommands of the binary: argument structs and the small glue from arguments to the
//! library's admin functions, with output for a person at a terminal.

use anyhow::{Context, bail};
use chrono::Duration;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sotay_domain::{Role, VillageKind};
use sotay_office::admin::{self, OfficeWriter};
use sotay_office::{AnyStore, AppState, OfficeStore};
use std::path::PathBuf;
use uuid::Uuid;

/// `$XDG_DATA_HOME/sotay/office.sqlite3`, else `./.sotay-data/office.sqlite3`.
pub fn default_db() -> String {
    match std::env::var_os("XDG_DATA_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join("sotay/office.sqlite3"),
        _ => PathBuf::from(".sotay-data/office.sqlite3"),
    }
    .to_string_lossy()
    .into_owned()
}

async fn open(db: &str) -> anyhow::Result<AnyStore> {
    let store = AnyStore::open(db)
        .await
        .with_context(|| format!("không mở được cơ sở dữ liệu {db}"))?;
    store.migrate().await?;
    Ok(store)
}

/// `serve`.
#[derive(Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8080", env = "SOTAY_LISTEN")]
    listen: String,
    /// PEM certificate chain for HTTPS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key for HTTPS.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = terminate => {} }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// Serves until Ctrl-C or SIGTERM.
pub async fn serve(db: &str, args: ServeArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    let backend = store.backend_name();
    let published = store.latest_policy(None).await?;
    let mut state = AppState::new(store, backend);
    // The quote endpoint prices with the edition the devices get.
    if let Some(edition) = published {
        let policy = sotay_domain::Policy::from_toml_str(&edition.toml).with_context(|| {
            format!("chính sách đã phát hành {} không đọc được", edition.version)
        })?;
        if sotay_domain::policy::edition_is_newer(&policy.version, &state.policy.version) {
            // Loaded once for the life of the process.
            state.policy = Box::leak(Box::new(policy));
        }
    }
    let listener = sotay_office::bind(&args.listen)
        .await
        .with_context(|| format!("không mở được cổng {}", args.listen))?;
    match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => {
            tracing::info!(addr = %args.listen, backend, "serving HTTPS");
            let listener = listener.into_std()?;
            sotay_office::api::launch_tls(listener, shutdown_signal(), state, &cert, &key).await?;
        }
        _ => {
            tracing::info!(addr = %args.listen, backend, "serving HTTP");
            sotay_office::launch(listener, shutdown_signal(), state).await?;
        }
    }
    Ok(())
}

/// `migrate`.
pub async fn migrate(db: &str) -> anyhow::Result<()> {
    open(db).await?;
    println!("Đã cập nhật cấu trúc cơ sở dữ liệu: {db}");
    Ok(())
}

fn parse_role(text: &str) -> anyhow::Result<Role> {
    serde_json::from_value(serde_json::Value::String(text.to_owned())).with_context(|| {
        format!(
            "vai trò không hợp lệ {text:?}: collector, post_office_collector, board_member, \
             office_supervisor, office_admin"
        )
    })
}

/// `create-user`.
#[derive(Args)]
pub struct CreateUserArgs {
    /// Full name.
    #[arg(long)]
    name: String,
    /// collector, post_office_collector, board_member, office_supervisor or office_admin.
    #[arg(long)]
    role: String,
    /// Mobile phone.
    #[arg(long)]
    phone: Option<String>,
}

/// Adds a user and prints its id.
pub async fn create_user(db: &str, args: CreateUserArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    let user = admin::create_user(
        &store,
        &args.name,
        parse_role(&args.role)?,
        args.phone.as_deref(),
    )
    .await?;
    println!("{}", user.id);
    Ok(())
}

/// `assign-area`.
#[derive(Args)]
pub struct AssignAreaArgs {
    /// User id.
    #[arg(long)]
    user: Uuid,
    /// 5-digit commune code.
    #[arg(long)]
    commune: String,
    /// One village of the commune (else the whole commune).
    #[arg(long)]
    village: Option<Uuid>,
}

/// Assigns an area.
pub async fn assign_area(db: &str, args: AssignAreaArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    if !store.commune_exists(&args.commune).await? {
        bail!(
            "mã xã {} không có trong danh mục; chạy import-units trước",
            args.commune
        );
    }
    admin::assign_area(&store, args.user, &args.commune, args.village).await?;
    println!("Đã giao địa bàn.");
    Ok(())
}

/// `create-village`.
#[derive(Args)]
pub struct CreateVillageArgs {
    /// 5-digit commune code.
    #[arg(long)]
    commune: String,
    /// Name ("Thôn Đông").
    #[arg(long)]
    name: String,
    /// A residential group (tổ dân phố) instead of a village.
    #[arg(long)]
    residential_group: bool,
}

/// Adds a village and prints its id.
pub async fn create_village(db: &str, args: CreateVillageArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    if !store.commune_exists(&args.commune).await? {
        bail!(
            "mã xã {} không có trong danh mục; chạy import-units trước",
            args.commune
        );
    }
    let kind = if args.residential_group {
        VillageKind::ResidentialGroup
    } else {
        VillageKind::Village
    };
    let village = admin::create_village(
        &store,
        &mut OfficeWriter::default(),
        &args.commune,
        &args.name,
        kind,
    )
    .await?;
    println!("{}", village.id);
    Ok(())
}

/// `issue-code`.
#[derive(Args)]
pub struct IssueCodeArgs {
    /// User id.
    #[arg(long)]
    user: Uuid,
    /// Hours the code stays valid.
    #[arg(long, default_value_t = 72)]
    ttl_hours: i64,
}

/// Prints a new enrolment code.
pub async fn issue_code(db: &str, args: IssueCodeArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    let code = admin::issue_code(&store, args.user, Duration::hours(args.ttl_hours)).await?;
    println!("{code}");
    Ok(())
}

/// `revoke-device`.
#[derive(Args)]
pub struct RevokeDeviceArgs {
    /// Device id.
    #[arg(long)]
    device: Uuid,
}

/// Revokes a device.
pub async fn revoke_device(db: &str, args: RevokeDeviceArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    admin::revoke_device(&store, args.device).await?;
    println!("Đã thu hồi thiết bị {}.", args.device);
    Ok(())
}

/// `publish-policy`.
#[derive(Args)]
pub struct PublishPolicyArgs {
    /// The policy data file (TOML, the format of crates/sotay-domain/policy/policy.toml).
    #[arg(long)]
    file: PathBuf,
}

/// Checks and publishes a policy edition; devices receive it at their next sync.
pub async fn publish_policy(db: &str, args: PublishPolicyArgs) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(&args.file)
        .with_context(|| format!("không đọc được tệp {}", args.file.display()))?;
    let store = open(db).await?;
    let version = admin::publish_policy(&store, &text).await?;
    println!(
        "Đã phát hành chính sách phiên bản {version}; điện thoại nhận ở lần đồng bộ tới. Máy chủ \
         tính mức đóng theo phiên bản này sau khi khởi động lại."
    );
    Ok(())
}

/// `review`: the office's decision on a sign-up.
#[derive(Args)]
pub struct ReviewArgs {
    /// The sign-up (enrollment) id.
    #[arg(long)]
    enrollment: Uuid,
    /// approve, reject or needs-correction.
    #[arg(value_parser = ["approve", "reject", "needs-correction"])]
    decision: String,
    /// Why (required to reject or ask for a correction); the collector sees it on the person.
    #[arg(long)]
    reason: Option<String>,
}

/// Writes the decision as an office op; the device gets it at its next sync.
pub async fn review(db: &str, args: ReviewArgs) -> anyhow::Result<()> {
    let decision = match args.decision.as_str() {
        "approve" => admin::Decision::Approve,
        "reject" => admin::Decision::Reject,
        _ => admin::Decision::NeedsCorrection,
    };
    let store = open(db).await?;
    let status =
        admin::review_enrollment(&store, args.enrollment, decision, args.reason.as_deref()).await?;
    println!(
        "Đã ghi quyết định \"{}\" cho tờ khai {}; điện thoại nhận ở lần đồng bộ tới.",
        status, args.enrollment
    );
    Ok(())
}

/// `import-units`.
#[derive(Args)]
pub struct ImportUnitsArgs {
    /// A CSV of villages: `commune_code,name[,kind]` with a header line.
    #[arg(long)]
    villages: Option<PathBuf>,
}

/// Imports the unit list and villages.
pub async fn import_units(db: &str, args: ImportUnitsArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    let units = admin::parse_admin_units(admin::ADMIN_UNITS_CSV)?;
    let n = store.import_units(&units).await?;
    println!("Đã nhập {n} xã/phường/đặc khu.");
    if let Some(path) = args.villages {
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("không đọc được {}", path.display()))?;
        let villages = admin::parse_villages(&text)?;
        let bar = ProgressBar::new(villages.len() as u64)
            .with_style(ProgressStyle::with_template("{bar:40} {pos}/{len} thôn")?);
        let mut writer = OfficeWriter::default();
        for (commune, name, kind) in villages {
            if !store.commune_exists(&commune).await? {
                bail!("mã xã {commune} (thôn {name}) không có trong danh mục");
            }
            admin::create_village(&store, &mut writer, &commune, &name, kind).await?;
            bar.inc(1);
        }
        bar.finish();
    }
    Ok(())
}

/// `seed-demo`.
#[derive(Args)]
pub struct SeedDemoArgs {
    /// Number of households.
    #[arg(long, default_value_t = 300)]
    households: usize,
    /// Seed even if the database already has users.
    #[arg(long)]
    force: bool,
}

/// Seeds the demo commune and prints the enrolment codes.
pub async fn seed_demo(db: &str, args: SeedDemoArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    if !args.force && store.count_users().await? > 0 {
        println!(
            "Cơ sở dữ liệu đã có dữ liệu; bỏ qua seed-demo (dùng --force để vẫn tạo). Mã kích hoạt mới: sotay-office issue-code --user <id>."
        );
        return Ok(());
    }
    let bar = ProgressBar::new(args.households as u64).with_style(ProgressStyle::with_template(
        "{bar:40} {pos}/{len} hộ gia đình",
    )?);
    let report = admin::seed_demo(&store, args.households, |done, _| {
        bar.set_position(done as u64)
    })
    .await?;
    bar.finish();
    println!(
        "Xã demo {}: {} thôn, {} hộ, {} người, {} tờ khai.",
        report.commune_code, report.villages, report.households, report.persons, report.enrollments
    );
    println!("Mã kích hoạt thiết bị (dùng một lần, hết hạn sau 72 giờ):");
    for (name, role, code) in report.codes {
        println!("  {code}  {name} ({})", role.label_vi());
    }
    Ok(())
}
