//! Calendar dates as the app writes them: `YYYY-MM-DD` on the wire, in the stores and in the
//! browser's date fields.
//!
//! `time` can parse and format dates from format descriptions, and its `serde-human-readable`
//! feature does so for every `Date` field. That machinery is general (any layout of any component)
//! and large: in the browser it sat in the first load, because serde parses a `Date` wherever a
//! record has one. One layout needs a few lines, so the domain's types (de)serialize their dates
//! through [`serde_iso`] and [`serde_iso_opt`] instead, with the same text as before: the tests
//! compare every day of four centuries and arbitrary strings with `time`'s own parser and formatter.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::{Date, Month};

/// Parses `YYYY-MM-DD` exactly as `time` parses `[year]-[month]-[day]`: four-digit year with an
/// optional sign, two-digit month and day, a real calendar day, nothing before or after.
pub fn parse_iso(s: &str) -> Option<Date> {
    let b = s.as_bytes();
    let (negative, rest) = match b.first()? {
        b'-' => (true, &b[1..]),
        b'+' => (false, &b[1..]),
        _ => (false, b),
    };
    let [y0, y1, y2, y3, b'-', m0, m1, b'-', d0, d1] = *rest else { return None };
    let year = digits(&[y0, y1, y2, y3])?;
    let month = Month::try_from(u8::try_from(digits(&[m0, m1])?).ok()?).ok()?;
    let day = u8::try_from(digits(&[d0, d1])?).ok()?;
    let year = i32::try_from(year).ok()?;
    Date::from_calendar_date(if negative { -year } else { year }, month, day).ok()
}

fn digits(ds: &[u8]) -> Option<u32> {
    ds.iter().try_fold(0u32, |n, &c| c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0')))
}

/// Formats `d` as `YYYY-MM-DD` (a sign only before years before 0, as `time` writes them).
pub fn iso(d: Date) -> String {
    let y = d.year();
    let sign = if y < 0 { "-" } else { "" };
    format!("{sign}{:04}-{:02}-{:02}", y.unsigned_abs(), u8::from(d.month()), d.day())
}

/// A `Date` that (de)serializes as `YYYY-MM-DD`; the field modules below are made of it.
struct Iso(Date);

impl Serialize for Iso {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&iso(self.0))
    }
}

impl<'de> Deserialize<'de> for Iso {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        parse_iso(&text).map(Iso).ok_or_else(|| {
            serde::de::Error::invalid_value(serde::de::Unexpected::Str(&text), &"a date as YYYY-MM-DD")
        })
    }
}

/// Serde for a `Date` field: `#[serde(with = "crate::date::serde_iso")]`.
pub mod serde_iso {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Date, s: S) -> Result<S::Ok, S::Error> {
        Iso(*d).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Date, D::Error> {
        Ok(Iso::deserialize(d)?.0)
    }
}

/// Serde for an `Option<Date>` field. Give it `default` too, so that a missing field is `None`
/// as it is without `with`: `#[serde(default, with = "crate::date::serde_iso_opt")]`.
pub mod serde_iso_opt {
    use super::*;

    pub fn serialize<S: Serializer>(d: &Option<Date>, s: S) -> Result<S::Ok, S::Error> {
        d.map(Iso).serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Date>, D::Error> {
        Ok(Option::<Iso>::deserialize(d)?.map(|Iso(d)| d))
    }
}

/// Serde for a `Vec<(T, Date)>` field (a list of what happened when), written as before: a list of
/// two-element lists. `#[serde(default, with = "crate::date::serde_iso_pairs")]`.
pub mod serde_iso_pairs {
    use super::*;

    pub fn serialize<S: Serializer, T: Serialize>(pairs: &[(T, Date)], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(pairs.iter().map(|(t, d)| (t, Iso(*d))))
    }

    pub fn deserialize<'de, D, T>(d: D) -> Result<Vec<(T, Date)>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Ok(Vec::<(T, Iso)>::deserialize(d)?.into_iter().map(|(t, Iso(d))| (t, d)).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;
    use time::macros::{date, format_description};

    const FMT: &[time::format_description::BorrowedFormatItem<'static>] =
        format_description!("[year]-[month]-[day]");

    #[test]
    fn every_day_of_four_centuries_reads_and_writes_as_time_does() {
        let mut d = date!(1800 - 01 - 01);
        while d <= date!(2200 - 12 - 31) {
            let text = d.format(&FMT).unwrap();
            assert_eq!(iso(d), text);
            assert_eq!(parse_iso(&text), Some(d));
            d = d.next_day().unwrap();
        }
    }

    #[test]
    fn the_ends_of_the_range_and_years_before_zero() {
        for d in [Date::MIN, Date::MAX, date!(-0001 - 12 - 31), date!(0000 - 01 - 01), date!(0009 - 02 - 03)]
        {
            let text = d.format(&FMT).unwrap();
            assert_eq!(iso(d), text);
            assert_eq!(parse_iso(&text), Some(d), "{text}");
        }
    }

    #[test]
    fn what_time_rejects_is_rejected() {
        for bad in [
            "",
            "2026",
            "2026-02",
            "2026-2-01",
            "2026-02-1",
            "26-02-01",
            "2026-02-30",
            "2026-13-01",
            "2026-00-10",
            "2026-01-00",
            "2026-01-01 ",
            " 2026-01-01",
            "2026/01/01",
            "２０２６-01-01",
            "2026-01-01T00:00",
            "--2026-01-01",
            "+-2026-01-01",
            "2025-02-29",
        ] {
            assert_eq!(parse_iso(bad), None, "{bad:?}");
            assert!(Date::parse(bad, &FMT).is_err(), "time accepts {bad:?}");
        }
        assert_eq!(parse_iso("2024-02-29"), Some(date!(2024 - 02 - 29)));
        assert_eq!(parse_iso("+2024-02-29"), Some(date!(2024 - 02 - 29)));
    }

    /// The JSON of a record is what it was with `time`'s `serde-human-readable`.
    #[test]
    fn serde_writes_and_reads_the_same_json_as_time() {
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Ours {
            #[serde(with = "serde_iso")]
            a: Date,
            #[serde(default, with = "serde_iso_opt")]
            b: Option<Date>,
            #[serde(default, with = "serde_iso_opt")]
            c: Option<Date>,
            #[serde(default, with = "serde_iso_pairs")]
            p: Vec<(String, Date)>,
        }
        #[derive(Serialize, Deserialize, PartialEq, Debug)]
        struct Times {
            a: Date,
            #[serde(default)]
            b: Option<Date>,
            #[serde(default)]
            c: Option<Date>,
            #[serde(default)]
            p: Vec<(String, Date)>,
        }
        let ours = Ours {
            a: date!(2026 - 09 - 01),
            b: Some(date!(2027 - 03 - 01)),
            c: None,
            p: vec![("jugendamt".into(), date!(2026 - 10 - 02))],
        };
        let theirs = Times { a: ours.a, b: ours.b, c: ours.c, p: ours.p.clone() };
        let json = serde_json::to_string(&ours).unwrap();
        assert_eq!(json, serde_json::to_string(&theirs).unwrap());
        assert_eq!(json, r#"{"a":"2026-09-01","b":"2027-03-01","c":null,"p":[["jugendamt","2026-10-02"]]}"#);
        assert_eq!(serde_json::from_str::<Ours>(&json).unwrap(), ours);
        // A record written before a field existed reads as it did.
        let old: Ours = serde_json::from_str(r#"{"a":"2026-09-01"}"#).unwrap();
        assert_eq!((old.b, old.c, old.p.len()), (None, None, 0));
        // A wrong date is an error naming the value, as before.
        let err = serde_json::from_str::<Ours>(r#"{"a":"2026-02-30"}"#).unwrap_err().to_string();
        assert!(err.contains("2026-02-30"), "{err}");
        assert!(serde_json::from_str::<Times>(r#"{"a":"2026-02-30"}"#).is_err());
        // Escaped JSON strings (not borrowed) are read too.
        let escaped: Ours = serde_json::from_str(r#"{"a":"2026\u002d09-01"}"#).unwrap();
        assert_eq!(escaped.a, date!(2026 - 09 - 01));
    }

    proptest! {
        #[test]
        fn parses_what_time_parses(s in "[-+]?[0-9]{0,5}-?[0-9]{0,3}-?[0-9]{0,3}x?") {
            prop_assert_eq!(parse_iso(&s), Date::parse(&s, &FMT).ok(), "{:?}", s);
        }

        #[test]
        fn agrees_on_near_dates(y in 0i32..10_000, m in 0u8..14, d in 0u8..33) {
            let s = format!("{y:04}-{m:02}-{d:02}");
            prop_assert_eq!(parse_iso(&s), Date::parse(&s, &FMT).ok(), "{:?}", s);
        }
    }
}
