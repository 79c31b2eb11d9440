//! The `sotay-office` binary: the office's command line. Each subcommand is one variant of
//! [`Command`] and lives in its own module, so new ones (`serve`, imports, exports) slot in
//! beside `quote` without touching the others.

mod quote_cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Sotay office: server and admin commands for voluntary social insurance collection.
#[derive(Debug, Parser)]
#[command(name = "sotay-office", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Tính mức đóng BHXH tự nguyện (báo giá) theo dữ liệu chính sách tại một ngày.
    Quote(quote_cli::QuoteArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Quote(args) => quote_cli::run(&args),
    }
}
