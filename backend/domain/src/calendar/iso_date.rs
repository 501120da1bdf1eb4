//! Serde for calendar dates as `"YYYY-MM-DD"` strings, the form the calendar JSON files and the
//! API use. Use with `#[serde(with = "iso_date")]`, `iso_date::option` or `iso_date::vec`.
//!
//! Pure formatting: no IO, no time zone (a `Date` is already a China calendar date, SPEC §4).

use serde::de::Error as _;
use serde::ser::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use time::Date;
use time::format_description::StaticFormatDescription;
use time::macros::format_description;

/// `YYYY-MM-DD`, four-digit year, zero-padded month and day.
pub const FORMAT: StaticFormatDescription = format_description!("[year]-[month]-[day]");

/// Formats `date` as `YYYY-MM-DD`.
pub fn format(date: Date) -> Result<String, time::error::Format> {
    date.format(FORMAT)
}

/// Parses a `YYYY-MM-DD` string.
pub fn parse(text: &str) -> Result<Date, time::error::Parse> {
    Date::parse(text, FORMAT)
}

pub fn serialize<S: Serializer>(date: &Date, serializer: S) -> Result<S::Ok, S::Error> {
    let text = format(*date).map_err(S::Error::custom)?;
    serializer.serialize_str(&text)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Date, D::Error> {
    let text = String::deserialize(deserializer)?;
    parse(&text).map_err(|e| D::Error::custom(format!("日期“{text}”不是 YYYY-MM-DD 格式：{e}")))
}

/// A `Date` that serializes as `YYYY-MM-DD`, for collections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct IsoDate(Date);

impl Serialize for IsoDate {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serialize(&self.0, serializer)
    }
}

impl<'de> Deserialize<'de> for IsoDate {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserialize(deserializer).map(IsoDate)
    }
}

/// `Option<Date>` as `YYYY-MM-DD` or `null`.
pub mod option {
    use super::IsoDate;
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(date: &Option<Date>, serializer: S) -> Result<S::Ok, S::Error> {
        date.map(IsoDate).serialize(serializer)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Date>, D::Error> {
        Ok(Option::<IsoDate>::deserialize(deserializer)?.map(|d| d.0))
    }
}

/// `Vec<Date>` as an array of `YYYY-MM-DD`.
pub mod vec {
    use super::IsoDate;
    use serde::{Deserialize, Deserializer, Serializer};
    use time::Date;

    pub fn serialize<S: Serializer>(dates: &[Date], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(dates.iter().copied().map(IsoDate))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<Date>, D::Error> {
        Ok(Vec::<IsoDate>::deserialize(deserializer)?
            .into_iter()
            .map(|d| d.0)
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::{Deserialize, Serialize};
    use time::macros::date;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Sample {
        #[serde(with = "super")]
        one: Date,
        #[serde(with = "super::option")]
        maybe: Option<Date>,
        #[serde(with = "super::vec")]
        many: Vec<Date>,
    }

    #[test]
    fn round_trips_as_yyyy_mm_dd() {
        // -- Setup & Fixtures
        let sample = Sample {
            one: date!(2026 - 02 - 12),
            maybe: None,
            many: vec![date!(2026 - 02 - 13), date!(2026 - 02 - 14)],
        };

        // -- Exec
        let json = serde_json::to_string(&sample).unwrap();
        let back: Sample = serde_json::from_str(&json).unwrap();

        // -- Check
        assert_eq!(
            json,
            r#"{"one":"2026-02-12","maybe":null,"many":["2026-02-13","2026-02-14"]}"#
        );
        assert_eq!(back, sample);
    }

    #[test]
    fn rejects_other_shapes() {
        for bad in [
            "2026-2-12",
            "2026/02/12",
            "20260212",
            "2026-02-30",
            "2026-02-12T00:00:00",
        ] {
            let json = format!(r#"{{"one":"{bad}","maybe":null,"many":[]}}"#);
            let err = serde_json::from_str::<Sample>(&json).unwrap_err();
            assert!(err.to_string().contains(bad), "{bad}: {err}");
        }
    }
}
