//! The shipped arrangements for 2023–2026 (SPEC §4), embedded from `data/*.json` at compile
//! time, with a table test per year that checks each holiday and make-up workday against the line
//! of the State Council notice that announces it.
//!
//! No IO at run time: the files are compiled in with `include_str!`.

use super::{WorkCalendar, YearCalendar};

/// `(year, JSON)` of each shipped arrangement.
pub const BUILTIN_YEARS: [(i32, &str); 4] = [
    (2023, include_str!("data/2023.json")),
    (2024, include_str!("data/2024.json")),
    (2025, include_str!("data/2025.json")),
    (2026, include_str!("data/2026.json")),
];

impl WorkCalendar {
    /// The shipped 2023–2026 arrangements.
    pub fn builtin() -> Self {
        BUILTIN_YEARS
            .iter()
            .fold(Self::empty(), |calendar, (_, json)| {
                // The JSON is compiled in, and `every_builtin_year_parses_and_validates` parses each
                // file, so this cannot fail in a build whose tests pass.
                #[allow(clippy::expect_used)]
                let year = YearCalendar::from_json(json).expect("embedded calendar data is valid");
                calendar.with_year(year)
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::Date;
    use time::macros::date;

    /// One numbered line of a notice: the days off it announces (in the file's year) and the
    /// make-up workdays it names.
    struct NoticeLine {
        quote: &'static str,
        holiday: &'static str,
        off: (Date, Date),
        on: &'static [Date],
    }

    struct Notice {
        year: i32,
        title: &'static str,
        document_no: &'static str,
        url: &'static str,
        published_on: Date,
        lines: &'static [NoticeLine],
    }

    fn check_notice(notice: &Notice) {
        // -- Setup & Fixtures
        let calendar = WorkCalendar::builtin();
        let data = calendar.year(notice.year).expect("year shipped");

        // -- Check: the source
        assert_eq!(data.source.title, notice.title);
        assert_eq!(data.source.document_no, notice.document_no);
        assert_eq!(data.source.url, notice.url);
        assert_eq!(data.source.published_on, notice.published_on);

        // -- Check: every line, and nothing beyond the lines
        assert_eq!(
            data.holidays.len(),
            notice.lines.len(),
            "{} holidays",
            notice.year
        );
        let makeups: usize = notice.lines.iter().map(|l| l.on.len()).sum();
        assert_eq!(
            data.makeup_workdays.len(),
            makeups,
            "{} make-up days",
            notice.year
        );
        for line in notice.lines {
            let holiday = data
                .holidays
                .iter()
                .find(|h| h.name == line.holiday)
                .unwrap_or_else(|| panic!("{}: no holiday {}", line.quote, line.holiday));
            assert_eq!((holiday.start, holiday.end), line.off, "{}", line.quote);
            let mut day = line.off.0;
            while day <= line.off.1 {
                assert_eq!(
                    calendar.is_working_day(day),
                    Ok(false),
                    "{}: {day}",
                    line.quote
                );
                day = day.next_day().unwrap();
            }
            for &day in line.on {
                assert_eq!(
                    calendar.is_working_day(day),
                    Ok(true),
                    "{}: {day}",
                    line.quote
                );
                assert_eq!(
                    data.makeup_workday_on(day).map(|m| m.holiday.as_str()),
                    Some(line.holiday),
                    "{}: {day}",
                    line.quote
                );
            }
        }
    }

    #[test]
    fn every_builtin_year_parses_and_validates() {
        for (year, json) in BUILTIN_YEARS {
            let parsed = YearCalendar::from_json(json).unwrap_or_else(|e| panic!("{year}: {e}"));
            assert_eq!(parsed.year, year, "file name and year field agree");
        }
        assert_eq!(
            WorkCalendar::builtin().years(),
            vec![2023, 2024, 2025, 2026]
        );
    }

    #[test]
    fn notice_2023() {
        check_notice(&Notice {
            year: 2023,
            title: "国务院办公厅关于2023年部分节假日安排的通知",
            document_no: "国办发明电〔2022〕16号",
            url: "https://www.gov.cn/zhengce/content/2022-12/08/content_5730844.htm",
            published_on: date!(2022 - 12 - 08),
            lines: &[
                NoticeLine {
                    quote: "一、元旦：2022年12月31日至2023年1月2日放假调休，共3天。",
                    holiday: "元旦",
                    off: (date!(2023 - 01 - 01), date!(2023 - 01 - 02)),
                    on: &[],
                },
                NoticeLine {
                    quote: "二、春节：1月21日至27日放假调休，共7天。1月28日（星期六）、1月29日（星期日）上班。",
                    holiday: "春节",
                    off: (date!(2023 - 01 - 21), date!(2023 - 01 - 27)),
                    on: &[date!(2023 - 01 - 28), date!(2023 - 01 - 29)],
                },
                NoticeLine {
                    quote: "三、清明节：4月5日放假，共1天。",
                    holiday: "清明节",
                    off: (date!(2023 - 04 - 05), date!(2023 - 04 - 05)),
                    on: &[],
                },
                NoticeLine {
                    quote: "四、劳动节：4月29日至5月3日放假调休，共5天。4月23日（星期日）、5月6日（星期六）上班。",
                    holiday: "劳动节",
                    off: (date!(2023 - 04 - 29), date!(2023 - 05 - 03)),
                    on: &[date!(2023 - 04 - 23), date!(2023 - 05 - 06)],
                },
                NoticeLine {
                    quote: "五、端午节：6月22日至24日放假调休，共3天。6月25日（星期日）上班。",
                    holiday: "端午节",
                    off: (date!(2023 - 06 - 22), date!(2023 - 06 - 24)),
                    on: &[date!(2023 - 06 - 25)],
                },
                NoticeLine {
                    quote: "六、中秋节、国庆节：9月29日至10月6日放假调休，共8天。10月7日（星期六）、10月8日（星期日）上班。",
                    holiday: "中秋节、国庆节",
                    off: (date!(2023 - 09 - 29), date!(2023 - 10 - 06)),
                    on: &[date!(2023 - 10 - 07), date!(2023 - 10 - 08)],
                },
            ],
        });
    }

    #[test]
    fn notice_2023_new_year_keeps_only_2023_dates() {
        let calendar = WorkCalendar::builtin();
        let new_year = &calendar.year(2023).unwrap().holidays[0];
        assert!(new_year.note.as_deref().unwrap().contains("2022-12-31"));
        assert_eq!(
            calendar.is_working_day(date!(2022 - 12 - 31)),
            Err(crate::calendar::CalendarYearMissing { year: 2022 })
        );
    }

    #[test]
    fn notice_2024() {
        check_notice(&Notice {
            year: 2024,
            title: "国务院办公厅关于2024年部分节假日安排的通知",
            document_no: "国办发明电〔2023〕7号",
            url: "https://www.gov.cn/zhengce/content/202310/content_6911527.htm",
            published_on: date!(2023 - 10 - 25),
            lines: &[
                NoticeLine {
                    quote: "一、元旦：1月1日放假，与周末连休。",
                    holiday: "元旦",
                    off: (date!(2024 - 01 - 01), date!(2024 - 01 - 01)),
                    on: &[],
                },
                NoticeLine {
                    quote: "二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。",
                    holiday: "春节",
                    off: (date!(2024 - 02 - 10), date!(2024 - 02 - 17)),
                    on: &[date!(2024 - 02 - 04), date!(2024 - 02 - 18)],
                },
                NoticeLine {
                    quote: "三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。",
                    holiday: "清明节",
                    off: (date!(2024 - 04 - 04), date!(2024 - 04 - 06)),
                    on: &[date!(2024 - 04 - 07)],
                },
                NoticeLine {
                    quote: "四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。",
                    holiday: "劳动节",
                    off: (date!(2024 - 05 - 01), date!(2024 - 05 - 05)),
                    on: &[date!(2024 - 04 - 28), date!(2024 - 05 - 11)],
                },
                NoticeLine {
                    quote: "五、端午节：6月10日放假，与周末连休。",
                    holiday: "端午节",
                    off: (date!(2024 - 06 - 10), date!(2024 - 06 - 10)),
                    on: &[],
                },
                NoticeLine {
                    quote: "六、中秋节：9月15日至17日放假调休，共3天。9月14日（星期六）上班。",
                    holiday: "中秋节",
                    off: (date!(2024 - 09 - 15), date!(2024 - 09 - 17)),
                    on: &[date!(2024 - 09 - 14)],
                },
                NoticeLine {
                    quote: "七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。",
                    holiday: "国庆节",
                    off: (date!(2024 - 10 - 01), date!(2024 - 10 - 07)),
                    on: &[date!(2024 - 09 - 29), date!(2024 - 10 - 12)],
                },
            ],
        });
    }

    #[test]
    fn notice_2024_new_years_eve_was_a_working_day() {
        // “鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。” — encouraged, not a
        // day off: Fri 2024-02-09 counts as a working day.
        let calendar = WorkCalendar::builtin();
        assert_eq!(calendar.is_working_day(date!(2024 - 02 - 09)), Ok(true));
        assert_eq!(
            calendar
                .working_days_after(date!(2024 - 02 - 07), 3)
                .unwrap(),
            vec![
                date!(2024 - 02 - 08),
                date!(2024 - 02 - 09),
                date!(2024 - 02 - 18)
            ]
        );
        // “与周末连休”: the weekends around 元旦 and 端午节 are days off as weekends.
        for day in [
            date!(2023 - 12 - 30),
            date!(2023 - 12 - 31),
            date!(2024 - 06 - 08),
            date!(2024 - 06 - 09),
        ] {
            assert_eq!(calendar.is_working_day(day), Ok(false), "{day}");
        }
    }

    #[test]
    fn notice_2025() {
        check_notice(&Notice {
            year: 2025,
            title: "国务院办公厅关于2025年部分节假日安排的通知",
            document_no: "国办发明电〔2024〕12号",
            url: "https://www.gov.cn/zhengce/content/202411/content_6986382.htm",
            published_on: date!(2024 - 11 - 12),
            lines: &[
                NoticeLine {
                    quote: "一、元旦：1月1日（周三）放假1天，不调休。",
                    holiday: "元旦",
                    off: (date!(2025 - 01 - 01), date!(2025 - 01 - 01)),
                    on: &[],
                },
                NoticeLine {
                    quote: "二、春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。",
                    holiday: "春节",
                    off: (date!(2025 - 01 - 28), date!(2025 - 02 - 04)),
                    on: &[date!(2025 - 01 - 26), date!(2025 - 02 - 08)],
                },
                NoticeLine {
                    quote: "三、清明节：4月4日（周五）至6日（周日）放假，共3天。",
                    holiday: "清明节",
                    off: (date!(2025 - 04 - 04), date!(2025 - 04 - 06)),
                    on: &[],
                },
                NoticeLine {
                    quote: "四、劳动节：5月1日（周四）至5日（周一）放假调休，共5天。4月27日（周日）上班。",
                    holiday: "劳动节",
                    off: (date!(2025 - 05 - 01), date!(2025 - 05 - 05)),
                    on: &[date!(2025 - 04 - 27)],
                },
                NoticeLine {
                    quote: "五、端午节：5月31日（周六）至6月2日（周一）放假，共3天。",
                    holiday: "端午节",
                    off: (date!(2025 - 05 - 31), date!(2025 - 06 - 02)),
                    on: &[],
                },
                NoticeLine {
                    quote: "六、国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。",
                    holiday: "国庆节、中秋节",
                    off: (date!(2025 - 10 - 01), date!(2025 - 10 - 08)),
                    on: &[date!(2025 - 09 - 28), date!(2025 - 10 - 11)],
                },
            ],
        });
    }

    #[test]
    fn notice_2026() {
        check_notice(&Notice {
            year: 2026,
            title: "国务院办公厅关于2026年部分节假日安排的通知",
            document_no: "国办发明电〔2025〕7号",
            url: "https://www.gov.cn/zhengce/content/202511/content_7047090.htm",
            published_on: date!(2025 - 11 - 04),
            lines: &[
                NoticeLine {
                    quote: "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。",
                    holiday: "元旦",
                    off: (date!(2026 - 01 - 01), date!(2026 - 01 - 03)),
                    on: &[date!(2026 - 01 - 04)],
                },
                NoticeLine {
                    quote: "二、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。",
                    holiday: "春节",
                    off: (date!(2026 - 02 - 15), date!(2026 - 02 - 23)),
                    on: &[date!(2026 - 02 - 14), date!(2026 - 02 - 28)],
                },
                NoticeLine {
                    quote: "三、清明节：4月4日（周六）至6日（周一）放假，共3天。",
                    holiday: "清明节",
                    off: (date!(2026 - 04 - 04), date!(2026 - 04 - 06)),
                    on: &[],
                },
                NoticeLine {
                    quote: "四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。",
                    holiday: "劳动节",
                    off: (date!(2026 - 05 - 01), date!(2026 - 05 - 05)),
                    on: &[date!(2026 - 05 - 09)],
                },
                NoticeLine {
                    quote: "五、端午节：6月19日（周五）至21日（周日）放假，共3天。",
                    holiday: "端午节",
                    off: (date!(2026 - 06 - 19), date!(2026 - 06 - 21)),
                    on: &[],
                },
                NoticeLine {
                    quote: "六、中秋节：9月25日（周五）至27日（周日）放假，共3天。",
                    holiday: "中秋节",
                    off: (date!(2026 - 09 - 25), date!(2026 - 09 - 27)),
                    on: &[],
                },
                NoticeLine {
                    quote: "七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。",
                    holiday: "国庆节",
                    off: (date!(2026 - 10 - 01), date!(2026 - 10 - 07)),
                    on: &[date!(2026 - 09 - 20), date!(2026 - 10 - 10)],
                },
            ],
        });
    }

    #[test]
    fn ordinary_days_follow_the_weekday() {
        let calendar = WorkCalendar::builtin();
        for (day, working) in [
            (date!(2026 - 03 - 02), true),  // Monday
            (date!(2026 - 03 - 06), true),  // Friday
            (date!(2026 - 03 - 07), false), // Saturday
            (date!(2026 - 03 - 08), false), // Sunday
            (date!(2026 - 02 - 24), true),  // the Tuesday after 春节
        ] {
            assert_eq!(calendar.is_working_day(day), Ok(working), "{day}");
        }
    }
}
