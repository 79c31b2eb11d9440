//! Whole-system tests: one test binary (fast to link) with a module per subject.

mod fault_rounds;
mod lifecycle;
mod proxy;
mod sync_e2e;
mod world;
