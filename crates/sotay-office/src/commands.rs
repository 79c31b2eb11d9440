//! The subcommands of the binary: argument structs and the small glue from arguments to the
//! library's admin functions, with output for a person at a terminal.

use anyhow::{Context, bail};
use chrono::Duration;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sotay_domain::{Role, VillageKind};
use sotay_office::admin::{self, OfficeWriter};
use sotay_office::storage::{DashboardStore, LifecycleStore};
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

/// Opens the database, brings its schema up to date and, on a fresh one, loads the official
/// list of communes (so no command needs a separate `import-units` first).
async fn open(db: &str) -> anyhow::Result<AnyStore> {
    let store = AnyStore::open(db)
        .await
        .with_context(|| format!("không mở được cơ sở dữ liệu {db}"))?;
    admin::prepare(&store).await?;
    Ok(store)
}

/// How the office is reached from the phones, for the messages that tell what to do next.
fn office_address() -> String {
    std::env::var("SOTAY_PUBLIC_URL").unwrap_or_else(|_| {
        format!(
            "http://{}",
            std::env::var("SOTAY_LISTEN").unwrap_or_else(|_| "127.0.0.1:8080".into())
        )
    })
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
    let state = AppState::new(store, backend);
    // The quote and the push checks use the edition the devices get: a published edition
    // that does not load stops the start instead of pricing with the wrong one.
    if let Some(newer) = admin::newer_policy(state.store.as_ref(), &state.policy.current().version)
        .await
        .context("chính sách đã phát hành không đọc được")?
    {
        state.policy.set(std::sync::Arc::new(newer));
    }
    let listener = sotay_office::bind(&args.listen).await.map_err(|err| {
        if err.kind() == std::io::ErrorKind::AddrInUse {
            anyhow::anyhow!(
                "địa chỉ {} đang được một chương trình khác dùng (có thể là một sotay-office \
                 đang chạy). Hãy dừng chương trình đó, hoặc chọn cổng khác bằng --listen \
                 127.0.0.1:8081 (hoặc biến môi trường SOTAY_LISTEN).",
                args.listen
            )
        } else {
            anyhow::anyhow!("không mở được địa chỉ {}: {err}", args.listen)
        }
    })?;
    match (args.tls_cert, args.tls_key) {
        (Some(cert), Some(key)) => {
            tracing::info!(addr = %args.listen, backend, "serving HTTPS");
            let mut state = state;
            state.secure_cookies = true;
            let listener = listener.into_std()?;
            sotay_office::server::launch_tls(listener, shutdown_signal(), state, &cert, &key)
                .await?;
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
    /// The collection organisation a collector works for (a post office, a commune People's
    /// Committee…), which the evaluation groups collectors by.
    #[arg(long)]
    organisation: Option<String>,
    /// A dashboard sign-in name (office admins and supervisors), with --password-stdin.
    #[arg(long, requires = "password_stdin")]
    login: Option<String>,
    /// Read the dashboard password from standard input (one line).
    #[arg(long, requires = "login")]
    password_stdin: bool,
}

/// Reads one line (the password) from standard input.
fn read_password() -> anyhow::Result<String> {
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Adds a user; prints who was made, their id and what to do next.
pub async fn create_user(db: &str, args: CreateUserArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    let role = parse_role(&args.role)?;
    if let Some(login) = &args.login {
        sotay_office::passwords::check_login(login).map_err(anyhow::Error::msg)?;
        if role.is_field_role() {
            bail!(
                "chỉ quản trị viên và cán bộ BHXH (office_admin, office_supervisor) đăng nhập bảng điều khiển"
            );
        }
        if store.login(login).await?.is_some() {
            bail!("tên đăng nhập {login} đã có người dùng");
        }
    }
    let password = if args.password_stdin {
        let password = read_password()?;
        sotay_office::passwords::check_password(&password).map_err(anyhow::Error::msg)?;
        Some(password)
    } else {
        None
    };
    let user = admin::create_user(&store, &args.name, role, args.phone.as_deref()).await?;
    if let Some(organisation) = &args.organisation {
        admin::set_organisation(&store, user.id, organisation).await?;
    }
    if let (Some(login), Some(password)) = (&args.login, &password) {
        sotay_office::passwords::set_login(&store, &user, login, password).await?;
        println!(
            "Đăng nhập bảng điều khiển bằng tên {}.",
            login.trim().to_lowercase()
        );
    }
    println!(
        "Đã tạo người dùng {} ({}).\nMã người dùng: {}",
        user.full_name,
        user.role.label_vi(),
        user.id
    );
    if user.role.is_field_role() {
        println!(
            "Bước tiếp theo: giao địa bàn, rồi cấp mã kích hoạt cho điện thoại:\n  \
             sotay-office assign-area --user {id} --commune <mã xã> [--village <mã thôn>]\n  \
             sotay-office issue-code --user {id}",
            id = user.id
        );
    } else {
        println!(
            "Bước tiếp theo: giao các xã người này theo dõi:\n  \
             sotay-office assign-area --user {} --commune <mã xã>",
            user.id
        );
    }
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
    admin::assign_area(&store, args.user, &args.commune, args.village).await?;
    let what = match args.village {
        Some(village) => format!("thôn {village} của xã/phường {}", args.commune),
        None => format!("cả xã/phường {}", args.commune),
    };
    println!(
        "Đã giao địa bàn: {what}.\nXem lại: sotay-office list-users. Điện thoại đã kích hoạt \
         nhận địa bàn mới ở lần đồng bộ tới."
    );
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
            "mã xã/phường {} không có trong danh mục đơn vị hành chính từ 1/7/2025 (5 chữ số, \
             ví dụ 00376)",
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
    println!(
        "Đã tạo {} thuộc xã/phường {}.\nMã thôn: {}\nBước tiếp theo: giao thôn cho người thu \
         hoặc thành viên Ban vận động:\n  sotay-office assign-area --user <mã người dùng> \
         --commune {} --village {}",
        village.name, village.commune_code, village.id, village.commune_code, village.id
    );
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

/// Prints a new enrolment code and how the phone uses it.
pub async fn issue_code(db: &str, args: IssueCodeArgs) -> anyhow::Result<()> {
    if !(1..=24 * 30).contains(&args.ttl_hours) {
        bail!("--ttl-hours phải từ 1 đến 720 (30 ngày)");
    }
    let store = open(db).await?;
    let code = admin::issue_code(&store, args.user, Duration::hours(args.ttl_hours)).await?;
    let user = store.user(args.user).await?;
    let name = user.map(|u| u.full_name).unwrap_or_default();
    println!(
        "Mã kích hoạt: {code}\nCho: {name}. Dùng một lần, hết hạn sau {} giờ.\nTrên điện thoại: \
         mở ứng dụng Sổ tay BHXH, nhập địa chỉ máy chủ {} và mã trên.",
        args.ttl_hours,
        office_address()
    );
    Ok(())
}

/// `list-users`.
#[derive(Args)]
pub struct ListUsersArgs {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// Lists users with their areas and devices.
pub async fn list_users(db: &str, args: ListUsersArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    let listing = admin::list_users(&store).await?;
    if args.json {
        let rows: Vec<serde_json::Value> = listing
            .iter()
            .map(|entry| {
                serde_json::json!({
                    "id": entry.user.id,
                    "full_name": entry.user.full_name,
                    "role": entry.user.role,
                    "phone": entry.user.phone,
                    "communes": entry.scope.communes,
                    "villages": entry.scope.villages,
                    "devices": entry.devices.iter().map(|d| serde_json::json!({
                        "id": d.id,
                        "name": d.name,
                        "enrolled_at": d.enrolled_at,
                        "last_seen_at": d.last_seen_at,
                        "revoked": d.revoked_at.is_some(),
                        "wipe_requested_at": d.wipe_requested_at,
                        "wipe_sent_at": d.wipe_sent_at,
                    })).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
        return Ok(());
    }
    if listing.is_empty() {
        println!(
            "Chưa có người dùng. Tạo người dùng: sotay-office create-user --name \"Họ tên\" \
             --role collector"
        );
        return Ok(());
    }
    let vn = |at: chrono::DateTime<chrono::Utc>| {
        at.with_timezone(&chrono_tz::Asia::Ho_Chi_Minh)
            .format("%d/%m/%Y %H:%M")
            .to_string()
    };
    for entry in &listing {
        println!(
            "{}  {} ({})",
            entry.user.id,
            entry.user.full_name,
            entry.user.role.label_vi()
        );
        let mut area: Vec<String> = entry
            .scope
            .communes
            .iter()
            .map(|c| format!("xã {c}"))
            .collect();
        area.extend(entry.scope.villages.iter().map(|v| format!("thôn {v}")));
        println!(
            "    Địa bàn: {}",
            if area.is_empty() {
                "chưa giao (assign-area)".to_owned()
            } else {
                area.join(", ")
            }
        );
        if entry.devices.is_empty() {
            println!("    Thiết bị: chưa có (issue-code)");
        }
        for device in &entry.devices {
            let state = match (
                device.wipe_sent_at,
                device.wipe_requested_at,
                device.revoked_at,
            ) {
                (Some(at), _, _) => format!("báo mất; đã gửi lệnh xoá {}", vn(at)),
                (None, Some(at), _) => format!("báo mất {}; chờ máy kết nối để xoá", vn(at)),
                (None, None, Some(at)) => format!("đã thu hồi {}", vn(at)),
                (None, None, None) => device.last_seen_at.map_or_else(
                    || "chưa đồng bộ".to_owned(),
                    |at| format!("đồng bộ lần cuối {}", vn(at)),
                ),
            };
            println!(
                "    Thiết bị {}  {} (kích hoạt {}; {state})",
                device.id,
                device.name,
                vn(device.enrolled_at)
            );
        }
    }
    Ok(())
}

/// `check-scopes`.
#[derive(Args)]
pub struct CheckScopesArgs {}

/// Reports every stored record and area whose village is not one of its commune's; fails when
/// there is any.
pub async fn check_scopes(db: &str, _args: CheckScopesArgs) -> anyhow::Result<bool> {
    use sotay_office::storage::ScopeProblem;
    let store = open(db).await?;
    let problems = store.scope_problems().await?;
    let village_text = |commune: &Option<String>| match commune {
        Some(commune) => format!("thuộc xã/phường {commune}"),
        None => "không có trong danh sách thôn".to_owned(),
    };
    for problem in &problems {
        match problem {
            ScopeProblem::Record {
                entity,
                entity_id,
                commune_code,
                village_id,
                village_commune,
            } => println!(
                "{} {entity_id}: ghi xã/phường {commune_code} nhưng thôn {village_id} {}",
                entity.label_vi(),
                village_text(village_commune)
            ),
            ScopeProblem::Area {
                user_id,
                commune_code,
                village_id,
                village_commune,
            } => println!(
                "địa bàn của người dùng {user_id}: xã/phường {commune_code} nhưng thôn \
                 {village_id} {}",
                village_text(village_commune)
            ),
        }
    }
    if problems.is_empty() {
        println!("Mọi bản ghi và địa bàn đều có thôn thuộc đúng xã/phường.");
    } else {
        eprintln!(
            "{} chỗ có thôn không thuộc xã/phường ghi kèm. Những bản ghi này không điện thoại \
             nào sửa được cho đến khi cơ quan sửa xã hoặc thôn của chúng.",
            problems.len()
        );
    }
    Ok(problems.is_empty())
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
    let owner = store.device(args.device).await?.map(|d| d.user_id);
    if let Some(owner) = owner {
        admin::audit_device(
            &store,
            &admin::Actor::command_line(),
            "device_revoked",
            owner,
            format!("Thu hồi thiết bị {}", args.device),
        )
        .await?;
    }
    println!("Đã thu hồi thiết bị {}.", args.device);
    Ok(())
}

/// `wipe-device`.
#[derive(Args)]
pub struct WipeDeviceArgs {
    /// Device id (see list-users).
    #[arg(long)]
    device: Uuid,
}

/// Marks a device lost: it is wiped at its next contact, after its last push is taken.
pub async fn wipe_device(db: &str, args: WipeDeviceArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    admin::wipe_device(&store, args.device, &admin::Actor::command_line()).await?;
    println!(
        "Đã báo mất thiết bị {}. Ở lần kết nối tới, máy chủ vẫn nhận mọi dữ liệu máy đó gửi lên, \
         rồi yêu cầu máy xoá toàn bộ dữ liệu và trở về màn hình đăng ký.",
        args.device
    );
    Ok(())
}

/// `backup`.
#[derive(Args)]
pub struct BackupArgs {
    /// The backup file to write (must not exist).
    #[arg(long)]
    to: PathBuf,
}

/// Copies the embedded database while the office serves.
pub async fn backup(db: &str, args: BackupArgs) -> anyhow::Result<()> {
    let path = sotay_office::backup::sqlite_path(db)?;
    let summary = sotay_office::backup::backup(&path, &args.to)?;
    println!(
        "Đã sao lưu {} bản ghi, {} thiết bị ({} KB) vào {}.",
        summary.records,
        summary.devices,
        summary.bytes / 1024,
        args.to.display()
    );
    Ok(())
}

/// `restore`.
#[derive(Args)]
pub struct RestoreArgs {
    /// The backup file (made by `sotay-office backup`).
    #[arg(long)]
    from: PathBuf,
}

/// Replaces the embedded database by a backup, with a new epoch.
pub async fn restore(db: &str, args: RestoreArgs) -> anyhow::Result<()> {
    let path = sotay_office::backup::sqlite_path(db)?;
    let (summary, epoch, kept) = sotay_office::backup::restore(&args.from, &path).await?;
    println!(
        "Đã khôi phục {} bản ghi, {} thiết bị từ {} (kỷ nguyên mới {epoch}). Các máy sẽ tự gửi lại \
         dữ liệu cơ quan còn thiếu ở lần đồng bộ tới.",
        summary.records,
        summary.devices,
        args.from.display()
    );
    if let Some(kept) = kept {
        println!("Cơ sở dữ liệu cũ được giữ lại ở {}.", kept.display());
    }
    Ok(())
}

/// Starts a new epoch (after restoring PostgreSQL with pg_restore).
pub async fn new_epoch(db: &str) -> anyhow::Result<()> {
    let store = open(db).await?;
    let epoch = store.start_new_epoch().await?;
    println!(
        "Kỷ nguyên mới {epoch}: các máy sẽ gửi lại dữ liệu cơ quan còn thiếu và tải lại từ đầu ở \
         lần đồng bộ tới."
    );
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
         đang chạy dùng phiên bản này trong vòng {} giây.",
        sotay_office::state::POLICY_RECHECK.as_secs()
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
    let n = store.import_units(&admin::official_units()).await?;
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
            "Cơ sở dữ liệu đã có dữ liệu; bỏ qua seed-demo (dùng --force để vẫn tạo). Mã kích hoạt mới: sotay-office issue-code --user <id>. Quên mật khẩu bảng điều khiển: echo 'mật-khẩu-mới' | sotay-office set-password --login quantri --password-stdin."
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
    println!("Đăng nhập bảng điều khiển (mật khẩu chỉ in lần này; đổi bằng set-password):");
    for (name, role, login, password) in &report.sign_ins {
        println!("  {login} / {password}  {name} ({})", role.label_vi());
    }
    println!("Mã kích hoạt thiết bị (dùng một lần, hết hạn sau 72 giờ):");
    for (name, role, code) in report.codes {
        println!("  {code}  {name} ({})", role.label_vi());
    }
    Ok(())
}

/// `set-password`.
#[derive(Args)]
pub struct SetPasswordArgs {
    /// The dashboard sign-in name.
    #[arg(long)]
    login: String,
    /// Read the new password from standard input (one line).
    #[arg(long, required = true)]
    password_stdin: bool,
}

/// Sets a new dashboard password (and unlocks the sign-in).
pub async fn set_password(db: &str, args: SetPasswordArgs) -> anyhow::Result<()> {
    let store = open(db).await?;
    let Some(login) = store.login(&args.login).await? else {
        bail!("không có tên đăng nhập {}", args.login);
    };
    let user = store
        .user(login.user_id)
        .await?
        .context("tên đăng nhập của một người dùng không còn")?;
    let password = read_password()?;
    sotay_office::passwords::set_login(&store, &user, &login.login, &password).await?;
    println!(
        "Đã đặt mật khẩu mới cho {} ({}).",
        user.full_name, login.login
    );
    Ok(())
}

/// `import`.
#[derive(Args)]
pub struct ImportArgs {
    /// The list: a .csv (UTF-8) or .xlsx file.
    file: PathBuf,
    /// The commune of rows without a Mã xã.
    #[arg(long)]
    commune: Option<String>,
    /// Only check the file; import nothing.
    #[arg(long)]
    dry_run: bool,
    /// Import the good rows even when some rows are bad.
    #[arg(long)]
    only_good: bool,
    /// Print the report as JSON (row, column, code, message for each error).
    #[arg(long)]
    json: bool,
}

/// Imports a list of prospects; false when a row (or the file) is bad.
pub async fn import(db: &str, args: ImportArgs) -> anyhow::Result<bool> {
    let store = open(db).await?;
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("không đọc được tệp {}", args.file.display()))?;
    let name = args.file.to_string_lossy().into_owned();
    let bar = if args.json {
        ProgressBar::hidden()
    } else {
        ProgressBar::new(0).with_style(ProgressStyle::with_template("{bar:40} {pos}/{len} dòng")?)
    };
    let outcome = sotay_office::import::import_file(
        &store,
        &bytes,
        &name,
        &sotay_office::storage::dashboard::Visible::All,
        sotay_office::import::ImportOptions {
            commune: args.commune.as_deref(),
            dry_run: args.dry_run,
            only_good: args.only_good,
        },
        |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await?;
    bar.finish_and_clear();
    match outcome {
        Err(file_error) => {
            if args.json {
                println!(
                    "{}",
                    serde_json::json!({"error": {"code": file_error.code(), "message": file_error.to_string()}})
                );
            } else {
                eprintln!("Lỗi: {file_error}");
            }
            Ok(false)
        }
        Ok(report) => {
            if args.json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                for e in &report.errors {
                    println!("Dòng {}, cột {}: {}", e.row, e.column, e.message);
                }
                println!(
                    "{} dòng, {} dòng đúng, {} lỗi. {}",
                    report.rows,
                    report.good_rows,
                    report.errors.len(),
                    if report.imported > 0 {
                        format!("Đã nhập {} người.", report.imported)
                    } else if report.dry_run {
                        "Chỉ kiểm tra, chưa nhập.".to_owned()
                    } else {
                        "Chưa nhập gì (sửa tệp, hoặc dùng --only-good để nhập các dòng đúng)."
                            .to_owned()
                    }
                );
            }
            Ok(report.errors.is_empty())
        }
    }
}
