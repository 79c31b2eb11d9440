//! `sotay-store` is the device database: one SQLite file per user, opened with WAL, every write
//! committed together with its outbox op so sync never misses a saved change.
