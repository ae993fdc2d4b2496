//! Money and the calculation conventions, stated in one place.
//!
//! Money is always an `i64` count of euro cents; there are no floats anywhere in cost arithmetic.
//! Every intermediate product is computed exactly in `i128` with checked operations, and rounded to whole
//! cents exactly **once** per (module instance, calendar month), see [`Conventions`] and
//! [`crate::setting`]. Overflow is a typed error, never a panic.

use serde::{Deserialize, Serialize};

use crate::error::UserMessage;

/// Euro cents. A plain alias so the wire format stays a plain integer.
pub type Cents = i64;

/// Schema version of [`Conventions`] when stored (e.g. as a team or case setting).
pub const CONVENTIONS_SCHEMA_VERSION: u16 = 1;

/// How an exact amount is rounded to whole cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Kaufmännisch: half a cent and more rounds away from zero (0,5 ct → 1 ct). The default.
    #[default]
    HalfUp,
    /// Half a cent rounds to the even cent (Bankers' rounding).
    HalfEven,
    /// Always towards zero (abschneiden).
    Down,
    /// Always away from zero (aufrunden).
    Up,
}

/// The conversion conventions of cost calculation. These are practice, not law, so they are data:
/// a Jugendamt or Träger may agree on other values in its Einzelvereinbarung.
///
/// * weeks per month = `weeks_per_year / months_per_year` (default 52/12 ≈ 4.333),
/// * days per month = `days_per_month_hundredths / 100` (default 30.42),
/// * rounding: [`Rounding::HalfUp`] to whole cents, applied once per module instance and calendar month;
///   every total is the sum of those rounded parts, so parts always add up to the total exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Conventions {
    pub schema: u16,
    pub weeks_per_year: u32,
    pub months_per_year: u32,
    pub days_per_month_hundredths: u32,
    pub rounding: Rounding,
}

impl Default for Conventions {
    fn default() -> Self {
        Self {
            schema: CONVENTIONS_SCHEMA_VERSION,
            weeks_per_year: 52,
            months_per_year: 12,
            days_per_month_hundredths: 3042,
            rounding: Rounding::HalfUp,
        }
    }
}

impl Conventions {
    /// Checks that the conventions are usable (no zero divisors, plausible ranges).
    pub fn validate(&self) -> Result<(), MoneyError> {
        let ok = (1..=53).contains(&self.weeks_per_year)
            && (1..=12).contains(&self.months_per_year)
            && (2800..=3100).contains(&self.days_per_month_hundredths);
        if self.schema != CONVENTIONS_SCHEMA_VERSION {
            return Err(MoneyError::UnknownSchema(self.schema));
        }
        if ok {
            Ok(())
        } else {
            Err(MoneyError::InvalidConventions)
        }
    }

    /// Reads stored conventions of any known schema version.
    pub fn from_json(value: serde_json::Value) -> Result<Self, MoneyError> {
        match crate::schema::version_of(&value) {
            1 => {
                let c: Conventions =
                    serde_json::from_value(value).map_err(|e| MoneyError::Malformed(e.to_string()))?;
                c.validate()?;
                Ok(c)
            }
            v => Err(MoneyError::UnknownSchema(v)),
        }
    }
}

/// Divides `num / den` and rounds to an integer by `rounding`. `den` must be positive.
pub fn round_div(num: i128, den: i128, rounding: Rounding) -> Result<i128, MoneyError> {
    if den <= 0 {
        return Err(MoneyError::Overflow);
    }
    let q = num / den; // truncates towards zero
    let r = num % den; // same sign as num
    if r == 0 {
        return Ok(q);
    }
    let away = if num < 0 { -1 } else { 1 };
    let twice = r.unsigned_abs().checked_mul(2).ok_or(MoneyError::Overflow)?;
    let den_u = den.unsigned_abs();
    let round_away = match rounding {
        Rounding::Down => false,
        Rounding::Up => true,
        Rounding::HalfUp => twice >= den_u,
        Rounding::HalfEven => twice > den_u || (twice == den_u && q % 2 != 0),
    };
    if round_away {
        q.checked_add(away).ok_or(MoneyError::Overflow)
    } else {
        Ok(q)
    }
}

/// Converts an exact `i128` result into [`Cents`], or reports overflow.
pub fn to_cents(v: i128) -> Result<Cents, MoneyError> {
    Cents::try_from(v).map_err(|_| MoneyError::Overflow)
}

/// Sums amounts with overflow checking.
pub fn checked_sum<I: IntoIterator<Item = Cents>>(items: I) -> Result<Cents, MoneyError> {
    items.into_iter().try_fold(0i64, |acc, x| acc.checked_add(x).ok_or(MoneyError::Overflow))
}

/// Formats cents the German way: `1.243,95 €` (with a no-break space before the euro sign).
pub fn format_eur_de(cents: Cents) -> String {
    format!("{}\u{a0}€", format_amount_de(cents))
}

/// The amount without the euro sign, as it is shown in a field to type over: `1.243,95`.
/// [`parse_eur_de`] reads it back.
pub fn format_amount_de(cents: Cents) -> String {
    let neg = cents < 0;
    let abs = cents.unsigned_abs();
    let euros = (abs / 100).to_string();
    let mut grouped = String::with_capacity(euros.len() + euros.len() / 3);
    for (i, ch) in euros.chars().enumerate() {
        if i > 0 && (euros.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{}{},{:02}", if neg { "−" } else { "" }, grouped, abs % 100)
}

/// Parses a non-negative euro amount as people type it: `93,40`, `1.243,95 €`, `1243.95`, `70`.
///
/// With a comma, the comma is the decimal separator and dots group thousands. Without a comma, a dot
/// followed by one or two final digits is a decimal point; otherwise dots group thousands (`1.243` = 1243 €).
pub fn parse_eur_de(input: &str) -> Result<Cents, MoneyError> {
    let bad = || MoneyError::InvalidAmount(input.to_owned());
    let s: String =
        input.trim().trim_end_matches('€').trim().chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return Err(bad());
    }
    let (int_part, frac_part) = if let Some((i, f)) = s.rsplit_once(',') {
        (i.replace('.', ""), f.to_owned())
    } else if let Some((i, f)) = s.rsplit_once('.') {
        if (1..=2).contains(&f.len()) {
            (i.replace('.', ""), f.to_owned())
        } else {
            (s.replace('.', ""), String::new())
        }
    } else {
        (s.clone(), String::new())
    };
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(bad());
    }
    if !int_part.chars().all(|c| c.is_ascii_digit()) || !frac_part.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad());
    }
    if frac_part.len() > 2 {
        return Err(bad());
    }
    let euros: i64 = if int_part.is_empty() { 0 } else { int_part.parse().map_err(|_| bad())? };
    let cents: i64 = match frac_part.len() {
        0 => 0,
        1 => frac_part.parse::<i64>().map_err(|_| bad())? * 10,
        _ => frac_part.parse().map_err(|_| bad())?,
    };
    euros.checked_mul(100).and_then(|e| e.checked_add(cents)).ok_or(MoneyError::Overflow)
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("arithmetic overflow in cost calculation")]
    Overflow,
    #[error("invalid amount {0:?}")]
    InvalidAmount(String),
    #[error("invalid calculation conventions")]
    InvalidConventions,
    #[error("unknown conventions schema version {0}")]
    UnknownSchema(u16),
    #[error("malformed conventions record: {0}")]
    Malformed(String),
}

impl UserMessage for MoneyError {
    fn message_de(&self) -> String {
        match self {
            MoneyError::Overflow => {
                "Der Betrag ist zu groß, um ihn zu berechnen. Bitte die Eingaben prüfen.".into()
            }
            MoneyError::InvalidAmount(s) => {
                format!("„{s}“ ist kein gültiger Betrag. Bitte z. B. 93,40 eingeben.")
            }
            MoneyError::InvalidConventions => {
                "Die Berechnungsregeln (Wochen bzw. Tage pro Monat) sind ungültig.".into()
            }
            MoneyError::UnknownSchema(v) => {
                format!("Dieser Datensatz stammt aus einer unbekannten Version ({v}). Bitte die App aktualisieren.")
            }
            MoneyError::Malformed(_) => {
                "Der Datensatz ist beschädigt und konnte nicht gelesen werden.".into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rounding_modes() {
        assert_eq!(round_div(5, 2, Rounding::HalfUp), Ok(3));
        assert_eq!(round_div(-5, 2, Rounding::HalfUp), Ok(-3));
        assert_eq!(round_div(5, 2, Rounding::HalfEven), Ok(2));
        assert_eq!(round_div(7, 2, Rounding::HalfEven), Ok(4));
        assert_eq!(round_div(149, 100, Rounding::HalfUp), Ok(1));
        assert_eq!(round_div(101, 100, Rounding::Up), Ok(2));
        assert_eq!(round_div(199, 100, Rounding::Down), Ok(1));
        assert_eq!(round_div(1, 0, Rounding::Down), Err(MoneyError::Overflow));
    }

    #[test]
    fn german_format_and_parse() {
        assert_eq!(format_eur_de(124_395), "1.243,95\u{a0}€");
        assert_eq!(format_eur_de(9_340), "93,40\u{a0}€");
        assert_eq!(format_eur_de(5), "0,05\u{a0}€");
        assert_eq!(format_eur_de(-123_456_789), "−1.234.567,89\u{a0}€");
        assert_eq!(format_amount_de(124_395), "1.243,95");
        for c in [0, 5, 9_340, 124_395, 1_000_000_000] {
            assert_eq!(parse_eur_de(&format_amount_de(c)), Ok(c), "a field's amount reads back");
        }
        assert_eq!(parse_eur_de("93,40"), Ok(9_340));
        assert_eq!(parse_eur_de("1.243,95 €"), Ok(124_395));
        assert_eq!(parse_eur_de("1243.95"), Ok(124_395));
        assert_eq!(parse_eur_de("1.243"), Ok(124_300));
        assert_eq!(parse_eur_de("69,8"), Ok(6_980));
        assert_eq!(parse_eur_de(",5"), Ok(50));
        assert!(parse_eur_de("").is_err());
        assert!(parse_eur_de("12,345").is_err());
        assert!(parse_eur_de("-5").is_err());
        assert!(parse_eur_de("abc").is_err());
        assert_eq!(
            parse_eur_de("99999999999999999999"),
            Err(MoneyError::InvalidAmount("99999999999999999999".into()))
        );
        assert_eq!(parse_eur_de("999999999999999999"), Err(MoneyError::Overflow));
    }

    #[test]
    fn conventions_default_and_validation() {
        let c = Conventions::default();
        assert_eq!(c.validate(), Ok(()));
        let v = serde_json::to_value(c).unwrap();
        assert_eq!(v["schema"], 1);
        assert_eq!(Conventions::from_json(v), Ok(c));
        let bad = Conventions { months_per_year: 0, ..c };
        assert_eq!(bad.validate(), Err(MoneyError::InvalidConventions));
        let v = serde_json::json!({"schema": 7});
        assert_eq!(Conventions::from_json(v), Err(MoneyError::UnknownSchema(7)));
    }

    proptest! {
        #[test]
        fn round_div_is_within_one_unit(num in any::<i64>(), den in 1i64..1_000_000) {
            for mode in [Rounding::HalfUp, Rounding::HalfEven, Rounding::Down, Rounding::Up] {
                let q = round_div(num as i128, den as i128, mode).unwrap();
                let exact_floor = (num as i128).div_euclid(den as i128);
                prop_assert!(q == exact_floor || q == exact_floor + 1);
            }
        }

        #[test]
        fn half_up_is_nearest(num in 0i64..i64::MAX, den in 1i64..100_000) {
            let q = round_div(num as i128, den as i128, Rounding::HalfUp).unwrap();
            // |q*den - num| <= den/2
            let diff = (q * den as i128 - num as i128).abs();
            prop_assert!(diff * 2 <= den as i128);
        }

        #[test]
        fn format_parse_round_trip(c in 0i64..1_000_000_000_000) {
            let s = format_eur_de(c);
            prop_assert_eq!(parse_eur_de(&s), Ok(c));
        }

        #[test]
        fn checked_sum_never_panics(v in proptest::collection::vec(any::<i64>(), 0..8)) {
            let r = checked_sum(v.iter().copied());
            let exact: i128 = v.iter().map(|&x| x as i128).sum();
            match r {
                Ok(s) => prop_assert_eq!(s as i128, exact),
                Err(e) => prop_assert_eq!(e, MoneyError::Overflow),
            }
        }
    }
}
