//! Money in Vietnamese đồng. The đồng has no minor unit, so an amount is a whole number of VND;
//! formatting follows Vietnamese habit: `1.500.000 ₫`.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A whole amount of Vietnamese đồng (may be negative only in intermediate arithmetic).
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
#[cfg_attr(
    feature = "openapi",
    derive(utoipa::ToSchema),
    schema(description = "Whole Vietnamese đồng (no minor unit)")
)]
pub struct Vnd(pub i64);

impl Vnd {
    /// Zero đồng.
    pub const ZERO: Vnd = Vnd(0);

    /// The amount as a plain integer.
    pub fn get(self) -> i64 {
        self.0
    }

    /// Groups digits with dots, the Vietnamese way, without the currency sign: `1.500.000`.
    pub fn grouped(self) -> String {
        let digits = self.0.unsigned_abs().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
        if self.0 < 0 {
            out.push('-');
        }
        for (i, ch) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push('.');
            }
            out.push(ch);
        }
        out
    }
}

impl fmt::Display for Vnd {
    /// `1.500.000 ₫`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ₫", self.grouped())
    }
}

impl std::ops::Add for Vnd {
    type Output = Vnd;
    fn add(self, rhs: Vnd) -> Vnd {
        Vnd(self.0 + rhs.0)
    }
}

impl std::ops::Sub for Vnd {
    type Output = Vnd;
    fn sub(self, rhs: Vnd) -> Vnd {
        Vnd(self.0 - rhs.0)
    }
}

impl std::iter::Sum for Vnd {
    fn sum<I: Iterator<Item = Vnd>>(iter: I) -> Vnd {
        Vnd(iter.map(|v| v.0).sum())
    }
}

#[cfg(test)]
mod tests {
    use super::Vnd;

    #[test]
    fn formats_the_vietnamese_way() {
        for (amount, text) in [
            (0, "0 ₫"),
            (500, "500 ₫"),
            (1_000, "1.000 ₫"),
            (198_000, "198.000 ₫"),
            (1_500_000, "1.500.000 ₫"),
            (46_800_000, "46.800.000 ₫"),
            (-66_000, "-66.000 ₫"),
        ] {
            assert_eq!(Vnd(amount).to_string(), text, "formatting {amount}");
        }
    }
}
