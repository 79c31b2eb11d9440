//! The library's one error type. HTTP mapping lives in [`crate::api::error`]; this type is what
//! storage and admin functions return.

/// What went wrong in the office library.
#[derive(Debug, thiserror::Error)]
pub enum OfficeError {
    /// The SQLite database failed.
    #[error("SQLite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// A SQLite migration failed.
    #[error("SQLite migration: {0}")]
    SqliteMigration(#[from] rusqlite_migration::Error),
    /// The PostgreSQL database failed.
    #[error("PostgreSQL: {0}")]
    Postgres(#[from] tokio_postgres::Error),
    /// No PostgreSQL connection could be had from the pool.
    #[error("PostgreSQL pool: {0}")]
    Pool(String),
    /// A stored value could not be read back (a bug or a hand-edited database).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// An admin command was given something that does not exist or does not fit.
    #[error("{0}")]
    Invalid(String),
    /// A blocking database task panicked or was cancelled.
    #[error("background task failed: {0}")]
    Task(String),
    /// Reading a file failed.
    #[error("IO: {0}")]
    Io(#[from] std::io::Error),
}

impl From<serde_json::Error> for OfficeError {
    fn from(err: serde_json::Error) -> Self {
        OfficeError::Corrupt(err.to_string())
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = OfficeError> = std::result::Result<T, E>;
