//! What the PIN costs on this machine with the parameters the app uses (Argon2id, 19 MiB, 2
//! passes, 1 lane): setting or changing a PIN (one Argon2id run and a seal, the key file written
//! and flushed), and unlocking (one Argon2id run and an unseal), right or wrong. Prints a
//! Markdown table for `docs/benchmarks.md`.
//!
//! Run: `cargo bench -p sotay-device --bench pin_bench`. Without `--bench` (as `cargo test
//! --all-targets` runs it) it does one of each.

use std::time::Instant;

use sotay_device::store_key::{self, Unlocked};
use sotay_device::{NoPlatformKeystore, PinCost};

fn summary(mut samples: Vec<f64>) -> String {
    samples.sort_by(|a, b| a.total_cmp(b));
    let at = |p: f64| samples[((p / 100.0) * (samples.len() - 1) as f64).round() as usize];
    format!(
        "p50 {:.0} ms, p95 {:.0} ms (n = {})",
        at(50.0),
        at(95.0),
        samples.len()
    )
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs = if std::env::args().any(|a| a == "--bench") {
        21
    } else {
        1
    };
    let dir = tempfile::tempdir()?;
    let key = [7u8; 32];
    let keystore = NoPlatformKeystore;
    let time = |work: &mut dyn FnMut() -> Result<(), Box<dyn std::error::Error>>| {
        let mut samples = Vec::new();
        for _ in 0..runs {
            let start = Instant::now();
            work()?;
            samples.push(start.elapsed().as_secs_f64() * 1000.0);
        }
        Ok::<_, Box<dyn std::error::Error>>(samples)
    };
    let set = time(&mut || {
        store_key::protect(dir.path(), &key, "2468", PinCost::DEFAULT, &keystore)?;
        Ok(())
    })?;
    let right = time(
        &mut || match store_key::unlock(dir.path(), "2468", None, &keystore)? {
            Unlocked::Key(k) if *k == key => Ok(()),
            _ => Err("the right PIN did not open the key".into()),
        },
    )?;
    let wrong = time(
        &mut || match store_key::unlock(dir.path(), "1357", None, &keystore)? {
            Unlocked::WrongPin => Ok(()),
            Unlocked::Key(_) => Err("a wrong PIN opened the key".into()),
        },
    )?;
    println!("## The PIN and the database key (release build, Argon2id 19 MiB, 2 passes, 1 lane)");
    println!();
    println!("| measure | result |");
    println!("|---|---|");
    println!(
        "| set or change the PIN (Argon2id, seal, key file written and flushed) | {} |",
        summary(set)
    );
    println!(
        "| unlock with the right PIN (Argon2id, unseal) | {} |",
        summary(right)
    );
    println!(
        "| a wrong PIN (Argon2id, verifier refuses) | {} |",
        summary(wrong)
    );
    Ok(())
}
