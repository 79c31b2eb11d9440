//! Whole-system tests: one test binary (fast to link) with a module per subject.

mod proxy;
