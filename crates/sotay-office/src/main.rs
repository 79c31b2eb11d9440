//! The `sotay-office` binary: `serve` and the admin commands. Thin: parses arguments and calls
//! the library ([`sotay_office::admin`], [`sotay_office::launch`]).

mod commands;
mod estimate;
mod quote_cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Sotay office server (the sync API the field app talks to, the office dashboard at /, and the
/// contribution calculator) and the admin commands: users, areas, villages, enrolment codes,
/// policy editions, list imports.
#[derive(Parser)]
#[command(name = "sotay-office", version)]
struct Cli {
    /// Database: a SQLite file path (default `$XDG_DATA_HOME/sotay/office.sqlite3`) or a
    /// `postgres://` URL.
    #[arg(long, global = true, env = "SOTAY_DB")]
    db: Option<String>,
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Subcommand)]
enum Command {
    /// Serve the sync API and the office dashboard over HTTP, or HTTPS with --tls-cert and
    /// --tls-key.
    Serve(commands::ServeArgs),
    /// Apply the database migrations.
    Migrate,
    /// Add a user.
    CreateUser(commands::CreateUserArgs),
    /// Give a user a commune, or one village of it.
    AssignArea(commands::AssignAreaArgs),
    /// Add a village (thôn / tổ dân phố) to a commune.
    CreateVillage(commands::CreateVillageArgs),
    /// Issue a one-time enrolment code for a user.
    IssueCode(commands::IssueCodeArgs),
    /// List users with their areas and devices.
    ListUsers(commands::ListUsersArgs),
    /// Find stored records and areas whose village is not one of their commune's (exit code 1
    /// when there is any).
    CheckScopes(commands::CheckScopesArgs),
    /// Revoke a device (it keeps its data and may not sync).
    RevokeDevice(commands::RevokeDeviceArgs),
    /// Mark a device lost: at its next contact its pushes are taken, then it erases itself.
    WipeDevice(commands::WipeDeviceArgs),
    /// Copy the embedded database to a file while the office serves.
    Backup(commands::BackupArgs),
    /// Replace the embedded database by a backup (stop serve first); starts a new epoch.
    Restore(commands::RestoreArgs),
    /// Start a new epoch after restoring PostgreSQL from pg_dump: devices send again what the
    /// office lacks.
    NewEpoch,
    /// Import the official list of communes again (a fresh database has it), and villages from
    /// a CSV.
    ImportUnits(commands::ImportUnitsArgs),
    /// Publish a new edition of the policy data to the devices.
    PublishPolicy(commands::PublishPolicyArgs),
    /// Decide on a sign-up: approve, reject --reason, or needs-correction --reason.
    Review(commands::ReviewArgs),
    /// Seed a realistic demo commune (only into an empty database unless --force).
    SeedDemo(commands::SeedDemoArgs),
    /// Set a new dashboard password (read from standard input) and unlock the sign-in.
    SetPassword(commands::SetPasswordArgs),
    /// Import a list of prospects (CSV UTF-8 or XLSX); exit code 1 when a row is bad.
    Import(commands::ImportArgs),
    /// Tính mức đóng BHXH tự nguyện (báo giá) theo dữ liệu chính sách tại một ngày.
    Quote(quote_cli::QuoteArgs),
    /// Ước tính ngày nghỉ hưu, lương hưu hoặc số tháng còn thiếu, và BHXH một lần.
    Estimate(estimate::EstimateArgs),
}

#[tokio::main]
async fn main() -> ExitCode {
    // Structured logs: human-readable by default, JSON lines with SOTAY_LOG_FORMAT=json.
    let filter =
        tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into());
    if std::env::var("SOTAY_LOG_FORMAT").as_deref() == Ok("json") {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let cli = Cli::parse();
    let db = cli.db.unwrap_or_else(commands::default_db);
    // A user's mistake gets its message, never a backtrace, whatever RUST_BACKTRACE says.
    match run(&db, cli.command).await {
        Ok(code) => code,
        Err(err) => {
            eprintln!("Lỗi: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(db: &str, command: Command) -> anyhow::Result<ExitCode> {
    let db = db.to_owned();
    match command {
        Command::Serve(args) => commands::serve(&db, args).await,
        Command::Migrate => commands::migrate(&db).await,
        Command::CreateUser(args) => commands::create_user(&db, args).await,
        Command::AssignArea(args) => commands::assign_area(&db, args).await,
        Command::CreateVillage(args) => commands::create_village(&db, args).await,
        Command::IssueCode(args) => commands::issue_code(&db, args).await,
        Command::ListUsers(args) => commands::list_users(&db, args).await,
        Command::CheckScopes(args) => {
            let clean = commands::check_scopes(&db, args).await?;
            return Ok(if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Command::SetPassword(args) => commands::set_password(&db, args).await,
        Command::Import(args) => {
            let clean = commands::import(&db, args).await?;
            return Ok(if clean {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            });
        }
        Command::RevokeDevice(args) => commands::revoke_device(&db, args).await,
        Command::WipeDevice(args) => commands::wipe_device(&db, args).await,
        Command::Backup(args) => commands::backup(&db, args).await,
        Command::Restore(args) => commands::restore(&db, args).await,
        Command::NewEpoch => commands::new_epoch(&db).await,
        Command::ImportUnits(args) => commands::import_units(&db, args).await,
        Command::PublishPolicy(args) => commands::publish_policy(&db, args).await,
        Command::Review(args) => commands::review(&db, args).await,
        Command::SeedDemo(args) => commands::seed_demo(&db, args).await,
        // The quote needs no database.
        Command::Quote(args) => return Ok(quote_cli::run(&args)),
        Command::Estimate(args) => return Ok(estimate::run(&args)),
    }?;
    Ok(ExitCode::SUCCESS)
}
