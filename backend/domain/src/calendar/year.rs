//! One year's State Council holiday arrangement (国务院办公厅关于某年部分节假日安排的通知) as
//! data: its source notice, holiday ranges and make-up workdays (调休上班), parsed from JSON and
//! validated before the working-day calendar may use it (SPEC §4: admins load later years).
//!
//! Pure data and checks: no IO. Error messages are Chinese and name the offending field and date,
//! because an admin reads them when an upload is refused.

use serde::{Deserialize, Serialize};
use time::{Date, Weekday};

use super::iso_date;

/// The only site a notice may be cited from: the central government portal that publishes the
/// State Council notices (SPEC §4: "with their gov.cn notice URLs").
pub const GOV_CN_PREFIX: &str = "https://www.gov.cn/";

/// One year's arrangement, as published by the State Council General Office.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct YearCalendar {
    pub year: i32,
    pub source: NoticeSource,
    pub holidays: Vec<Holiday>,
    /// 调休上班: weekend days that are working days.
    pub makeup_workdays: Vec<MakeupWorkday>,
}

/// The notice a year's arrangement comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoticeSource {
    /// e.g. 国务院办公厅关于2026年部分节假日安排的通知
    pub title: String,
    /// e.g. 国办发明电〔2025〕7号
    pub document_no: String,
    /// The notice on www.gov.cn.
    pub url: String,
    #[serde(with = "iso_date")]
    pub published_on: Date,
}

/// A run of days off (放假), both ends included.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Holiday {
    /// The notice's heading for it, e.g. 春节 or 中秋节、国庆节.
    pub name: String,
    #[serde(with = "iso_date")]
    pub start: Date,
    #[serde(with = "iso_date")]
    pub end: Date,
    /// Where the data differs from the notice's wording, why: e.g. a range that began in the
    /// previous year is cut at 1 January, because each file holds only its own year.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// A weekend day that the notice makes a working day (调休上班).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MakeupWorkday {
    #[serde(with = "iso_date")]
    pub date: Date,
    /// The name of the holiday it makes up for, as in `holidays`.
    pub holiday: String,
}

/// Why a year's arrangement was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarDataError {
    #[error("日历数据无法解析：{0}")]
    Json(String),
    #[error("{field} 不能为空")]
    EmptyField { field: String },
    #[error("source.url 必须是中国政府网上的通知原文（以 {GOV_CN_PREFIX} 开头），实为“{url}”")]
    UrlNotGovCn { url: String },
    #[error("source.published_on 为 {date}，晚于 {year} 年末，不可能是该年度的安排通知")]
    PublishedAfterYear { date: Date, year: i32 },
    #[error("{field} 为 {date}，不在 {year} 年内（每个文件只记本年度的日期）")]
    DateOutsideYear {
        field: String,
        date: Date,
        year: i32,
    },
    #[error("{year} 年的安排中没有任何假期")]
    NoHolidays { year: i32 },
    #[error("{field}：假期“{name}”的开始日 {start} 晚于结束日 {end}")]
    HolidayStartAfterEnd {
        field: String,
        name: String,
        start: Date,
        end: Date,
    },
    #[error("假期“{first}”与“{second}”在 {date} 重叠")]
    HolidaysOverlap {
        first: String,
        second: String,
        date: Date,
    },
    #[error("{field}：调休上班日 {date} 是{weekday}，不是周六或周日")]
    MakeupNotWeekend {
        field: String,
        date: Date,
        weekday: &'static str,
    },
    #[error("{field}：调休上班日 {date} 落在假期“{holiday}”内")]
    MakeupInsideHoliday {
        field: String,
        date: Date,
        holiday: String,
    },
    #[error("{field}：调休上班日 {date} 重复")]
    DuplicateMakeupWorkday { field: String, date: Date },
    #[error("{field}：调休上班日 {date} 所补的假期“{holiday}”不在本年度的假期列表中")]
    MakeupUnknownHoliday {
        field: String,
        date: Date,
        holiday: String,
    },
}

impl YearCalendar {
    /// Parses one year's arrangement and validates it.
    pub fn from_json(json: &str) -> Result<Self, CalendarDataError> {
        let year: Self =
            serde_json::from_str(json).map_err(|e| CalendarDataError::Json(e.to_string()))?;
        year.validate()?;
        Ok(year)
    }

    /// Checks that the arrangement is internally consistent; the first problem found is returned.
    pub fn validate(&self) -> Result<(), CalendarDataError> {
        self.validate_source()?;
        self.validate_holidays()?;
        self.validate_makeup_workdays()
    }

    /// The holiday whose range contains `date`, if any.
    pub fn holiday_on(&self, date: Date) -> Option<&Holiday> {
        self.holidays.iter().find(|h| h.contains(date))
    }

    /// The make-up workday on `date`, if it is one.
    pub fn makeup_workday_on(&self, date: Date) -> Option<&MakeupWorkday> {
        self.makeup_workdays.iter().find(|m| m.date == date)
    }

    fn validate_source(&self) -> Result<(), CalendarDataError> {
        let source = &self.source;
        for (field, value) in [
            ("source.title", &source.title),
            ("source.document_no", &source.document_no),
            ("source.url", &source.url),
        ] {
            non_empty(field, value)?;
        }
        if !source.url.starts_with(GOV_CN_PREFIX) {
            return Err(CalendarDataError::UrlNotGovCn {
                url: source.url.clone(),
            });
        }
        if source.published_on > super::year_end(self.year) {
            return Err(CalendarDataError::PublishedAfterYear {
                date: source.published_on,
                year: self.year,
            });
        }
        Ok(())
    }

    fn validate_holidays(&self) -> Result<(), CalendarDataError> {
        if self.holidays.is_empty() {
            return Err(CalendarDataError::NoHolidays { year: self.year });
        }
        for (i, holiday) in self.holidays.iter().enumerate() {
            non_empty(&format!("holidays[{i}].name"), &holiday.name)?;
            self.in_year(&format!("holidays[{i}].start"), holiday.start)?;
            self.in_year(&format!("holidays[{i}].end"), holiday.end)?;
            if holiday.start > holiday.end {
                return Err(CalendarDataError::HolidayStartAfterEnd {
                    field: format!("holidays[{i}]"),
                    name: holiday.name.clone(),
                    start: holiday.start,
                    end: holiday.end,
                });
            }
        }
        for (i, first) in self.holidays.iter().enumerate() {
            for second in &self.holidays[i + 1..] {
                if first.start <= second.end && second.start <= first.end {
                    return Err(CalendarDataError::HolidaysOverlap {
                        first: first.name.clone(),
                        second: second.name.clone(),
                        date: first.start.max(second.start),
                    });
                }
            }
        }
        Ok(())
    }

    fn validate_makeup_workdays(&self) -> Result<(), CalendarDataError> {
        for (i, makeup) in self.makeup_workdays.iter().enumerate() {
            let field = format!("makeup_workdays[{i}].date");
            let date = makeup.date;
            self.in_year(&field, date)?;
            if !is_weekend(date) {
                return Err(CalendarDataError::MakeupNotWeekend {
                    field,
                    date,
                    weekday: weekday_zh(date.weekday()),
                });
            }
            if let Some(holiday) = self.holiday_on(date) {
                return Err(CalendarDataError::MakeupInsideHoliday {
                    field,
                    date,
                    holiday: holiday.name.clone(),
                });
            }
            if self.makeup_workdays[..i].iter().any(|m| m.date == date) {
                return Err(CalendarDataError::DuplicateMakeupWorkday { field, date });
            }
            let field = format!("makeup_workdays[{i}].holiday");
            non_empty(&field, &makeup.holiday)?;
            if !self.holidays.iter().any(|h| h.name == makeup.holiday) {
                return Err(CalendarDataError::MakeupUnknownHoliday {
                    field,
                    date,
                    holiday: makeup.holiday.clone(),
                });
            }
        }
        Ok(())
    }

    fn in_year(&self, field: &str, date: Date) -> Result<(), CalendarDataError> {
        if date.year() == self.year {
            Ok(())
        } else {
            Err(CalendarDataError::DateOutsideYear {
                field: field.to_owned(),
                date,
                year: self.year,
            })
        }
    }
}

impl Holiday {
    /// Whether `date` is one of this holiday's days off.
    pub fn contains(&self, date: Date) -> bool {
        self.start <= date && date <= self.end
    }
}

/// Saturday or Sunday.
pub(crate) fn is_weekend(date: Date) -> bool {
    matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday)
}

fn weekday_zh(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Monday => "星期一",
        Weekday::Tuesday => "星期二",
        Weekday::Wednesday => "星期三",
        Weekday::Thursday => "星期四",
        Weekday::Friday => "星期五",
        Weekday::Saturday => "星期六",
        Weekday::Sunday => "星期日",
    }
}

fn non_empty(field: &str, value: &str) -> Result<(), CalendarDataError> {
    if value.trim().is_empty() {
        Err(CalendarDataError::EmptyField {
            field: field.to_owned(),
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const VALID: &str = r#"{
        "year": 2026,
        "source": {
            "title": "国务院办公厅关于2026年部分节假日安排的通知",
            "document_no": "国办发明电〔2025〕7号",
            "url": "https://www.gov.cn/zhengce/content/202511/content_7047090.htm",
            "published_on": "2025-11-04"
        },
        "holidays": [
            { "name": "元旦", "start": "2026-01-01", "end": "2026-01-03" },
            { "name": "春节", "start": "2026-02-15", "end": "2026-02-23" }
        ],
        "makeup_workdays": [
            { "date": "2026-01-04", "holiday": "元旦" },
            { "date": "2026-02-14", "holiday": "春节" }
        ]
    }"#;

    fn valid() -> YearCalendar {
        YearCalendar::from_json(VALID).unwrap()
    }

    #[test]
    fn valid_arrangement_parses_and_round_trips() {
        // -- Exec
        let year = valid();
        let json = serde_json::to_string(&year).unwrap();

        // -- Check
        assert_eq!(year.year, 2026);
        assert_eq!(year.holidays[1].end, date!(2026 - 02 - 23));
        assert!(json.contains(r#""published_on":"2025-11-04""#), "{json}");
        assert!(
            !json.contains("note"),
            "an absent note is not written: {json}"
        );
        assert_eq!(YearCalendar::from_json(&json).unwrap(), year);
    }

    #[test]
    fn lookups_find_the_holiday_and_the_makeup_day() {
        let year = valid();
        assert_eq!(
            year.holiday_on(date!(2026 - 02 - 15))
                .map(|h| h.name.as_str()),
            Some("春节")
        );
        assert_eq!(
            year.holiday_on(date!(2026 - 02 - 23))
                .map(|h| h.name.as_str()),
            Some("春节")
        );
        assert_eq!(year.holiday_on(date!(2026 - 02 - 24)), None);
        assert_eq!(
            year.makeup_workday_on(date!(2026 - 02 - 14))
                .map(|m| m.holiday.as_str()),
            Some("春节")
        );
        assert_eq!(year.makeup_workday_on(date!(2026 - 02 - 21)), None);
    }

    #[test]
    fn validation_rejects_each_bad_input() {
        type Mutation = fn(&mut YearCalendar);
        let cases: Vec<(&str, Mutation, CalendarDataError)> = vec![
            (
                "empty title",
                |y| y.source.title = " ".into(),
                CalendarDataError::EmptyField {
                    field: "source.title".into(),
                },
            ),
            (
                "empty document number",
                |y| y.source.document_no = String::new(),
                CalendarDataError::EmptyField {
                    field: "source.document_no".into(),
                },
            ),
            (
                "empty url",
                |y| y.source.url = String::new(),
                CalendarDataError::EmptyField {
                    field: "source.url".into(),
                },
            ),
            (
                "url not on www.gov.cn",
                |y| y.source.url = "http://www.gov.cn/zhengce/content/x.htm".into(),
                CalendarDataError::UrlNotGovCn {
                    url: "http://www.gov.cn/zhengce/content/x.htm".into(),
                },
            ),
            (
                "look-alike host",
                |y| y.source.url = "https://www.gov.cn.example.com/x".into(),
                CalendarDataError::UrlNotGovCn {
                    url: "https://www.gov.cn.example.com/x".into(),
                },
            ),
            (
                "published after the year",
                |y| y.source.published_on = date!(2027 - 01 - 01),
                CalendarDataError::PublishedAfterYear {
                    date: date!(2027 - 01 - 01),
                    year: 2026,
                },
            ),
            (
                "no holidays",
                |y| {
                    y.holidays.clear();
                    y.makeup_workdays.clear();
                },
                CalendarDataError::NoHolidays { year: 2026 },
            ),
            (
                "empty holiday name",
                |y| y.holidays[1].name = String::new(),
                CalendarDataError::EmptyField {
                    field: "holidays[1].name".into(),
                },
            ),
            (
                "holiday starting in the previous year",
                |y| y.holidays[0].start = date!(2025 - 12 - 31),
                CalendarDataError::DateOutsideYear {
                    field: "holidays[0].start".into(),
                    date: date!(2025 - 12 - 31),
                    year: 2026,
                },
            ),
            (
                "holiday ending in the next year",
                |y| y.holidays[1].end = date!(2027 - 01 - 01),
                CalendarDataError::DateOutsideYear {
                    field: "holidays[1].end".into(),
                    date: date!(2027 - 01 - 01),
                    year: 2026,
                },
            ),
            (
                "start after end",
                |y| y.holidays[1].start = date!(2026 - 02 - 24),
                CalendarDataError::HolidayStartAfterEnd {
                    field: "holidays[1]".into(),
                    name: "春节".into(),
                    start: date!(2026 - 02 - 24),
                    end: date!(2026 - 02 - 23),
                },
            ),
            (
                "overlapping holidays",
                |y| y.holidays[0].end = date!(2026 - 02 - 16),
                CalendarDataError::HolidaysOverlap {
                    first: "元旦".into(),
                    second: "春节".into(),
                    date: date!(2026 - 02 - 15),
                },
            ),
            (
                "make-up day in another year",
                |y| y.makeup_workdays[0].date = date!(2025 - 12 - 28),
                CalendarDataError::DateOutsideYear {
                    field: "makeup_workdays[0].date".into(),
                    date: date!(2025 - 12 - 28),
                    year: 2026,
                },
            ),
            (
                "make-up day on a weekday",
                |y| y.makeup_workdays[1].date = date!(2026 - 02 - 12),
                CalendarDataError::MakeupNotWeekend {
                    field: "makeup_workdays[1].date".into(),
                    date: date!(2026 - 02 - 12),
                    weekday: "星期四",
                },
            ),
            (
                "make-up day inside a holiday",
                |y| y.makeup_workdays[1].date = date!(2026 - 02 - 21),
                CalendarDataError::MakeupInsideHoliday {
                    field: "makeup_workdays[1].date".into(),
                    date: date!(2026 - 02 - 21),
                    holiday: "春节".into(),
                },
            ),
            (
                "duplicate make-up day",
                |y| y.makeup_workdays[1].date = date!(2026 - 01 - 04),
                CalendarDataError::DuplicateMakeupWorkday {
                    field: "makeup_workdays[1].date".into(),
                    date: date!(2026 - 01 - 04),
                },
            ),
            (
                "make-up day for no holiday",
                |y| y.makeup_workdays[1].holiday = String::new(),
                CalendarDataError::EmptyField {
                    field: "makeup_workdays[1].holiday".into(),
                },
            ),
            (
                "make-up day for an unknown holiday",
                |y| y.makeup_workdays[1].holiday = "国庆节".into(),
                CalendarDataError::MakeupUnknownHoliday {
                    field: "makeup_workdays[1].holiday".into(),
                    date: date!(2026 - 02 - 14),
                    holiday: "国庆节".into(),
                },
            ),
        ];

        for (case, mutate, expected) in cases {
            // -- Setup & Fixtures
            let mut year = valid();
            mutate(&mut year);

            // -- Exec
            let got = year.validate();
            let via_json = YearCalendar::from_json(&serde_json::to_string(&year).unwrap());

            // -- Check
            assert_eq!(got, Err(expected.clone()), "{case}");
            assert_eq!(via_json, Err(expected), "{case} (from_json)");
        }
    }

    #[test]
    fn error_messages_name_the_offending_date_and_field() {
        let err = CalendarDataError::MakeupNotWeekend {
            field: "makeup_workdays[1].date".into(),
            date: date!(2026 - 02 - 12),
            weekday: "星期四",
        };
        assert_eq!(
            err.to_string(),
            "makeup_workdays[1].date：调休上班日 2026-02-12 是星期四，不是周六或周日"
        );
    }

    #[test]
    fn malformed_json_is_refused() {
        for (case, json) in [
            ("not json", "{"),
            ("bad date", &VALID.replace("2026-02-23", "2026-02-30")),
            ("slashed date", &VALID.replace("2026-02-23", "2026/02/23")),
            (
                "unknown field",
                &VALID.replace(r#""year": 2026,"#, r#""year": 2026, "yaer": 1,"#),
            ),
            (
                "missing field",
                &VALID.replace(r#""document_no": "国办发明电〔2025〕7号","#, ""),
            ),
        ] {
            match YearCalendar::from_json(json) {
                Err(CalendarDataError::Json(message)) => assert!(!message.is_empty(), "{case}"),
                other => panic!("{case}: expected a JSON error, got {other:?}"),
            }
        }
    }

    #[test]
    fn note_is_kept() {
        let json = VALID.replace(
            r#""end": "2026-01-03" }"#,
            r#""end": "2026-01-03", "note": "说明" }"#,
        );
        let year = YearCalendar::from_json(&json).unwrap();
        assert_eq!(year.holidays[0].note.as_deref(), Some("说明"));
    }
}
