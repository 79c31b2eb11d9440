//! Support code for Sotay's whole-system tests and benchmarks: things we cannot take off the
//! shelf, chiefly a fault-injecting proxy that stands between a real sync client and a real
//! office server on 127.0.0.1 (this machine's kernel has no netem, so bad links are simulated in
//! user space), and a way to fill an office with a whole generated area.

pub mod fault_proxy;
pub mod office_seed;
