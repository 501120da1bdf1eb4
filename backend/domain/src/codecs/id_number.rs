//! 居民身份证号码 (GB 11643-1999): the 18-character number a candidate registers with
//! (SPEC §5), parsed once at the boundary into [`IdNumber`].
//!
//! An ID number is personal data. [`IdNumber`] therefore implements neither `Display` nor
//! `Serialize`, and its `Debug` prints only the masked form (SPEC §6), so the full number cannot
//! reach a response body or a log line by accident; the only way out is [`IdNumber::expose`].
//! Errors carry positions and single characters, never the number or the birth date.

use serde::{Deserialize, Serialize};
use time::{Date, Month};

/// 居民身份证号码, validated: 17 digits and a check character (digit or `X`), a real
/// province-level code, a real birth date and a correct MOD 11-2 check character.
#[derive(Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct IdNumber {
    number: String,
    birth_date: Date,
}

/// 性别, read from the 17th digit (顺序码) of the ID number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    pub const fn code(self) -> &'static str {
        match self {
            Sex::Male => "male",
            Sex::Female => "female",
        }
    }

    /// 男 or 女.
    pub const fn name_zh(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

/// Why a string is not a valid 居民身份证号码. Positions count from 1, as printed on the card.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdNumberError {
    #[error("居民身份证号码不能为空")]
    Empty,
    #[error("不再受理 15 位旧版居民身份证号码，请填写 18 位号码")]
    Legacy15Digit,
    #[error("居民身份证号码应为 18 位，收到 {len} 位")]
    WrongLength { len: usize },
    #[error("居民身份证号码第 {position} 位应为数字，收到“{found}”")]
    NotDigit { position: usize, found: char },
    #[error("居民身份证号码第 18 位校验码应为数字或 X，收到“{found}”")]
    InvalidCheckChar { found: char },
    #[error("居民身份证号码第 1–2 位不是有效的省级行政区划代码")]
    UnknownProvince,
    #[error("居民身份证号码第 7–14 位不是有效的出生日期")]
    InvalidBirthDate,
    #[error("居民身份证号码第 7–10 位出生年份早于 1900 年")]
    BirthYearBefore1900,
    #[error("居民身份证号码第 18 位校验码不符，请核对号码")]
    BadChecksum,
}

impl IdNumberError {
    /// Stable machine code for API `details`.
    pub const fn reason(&self) -> &'static str {
        match self {
            IdNumberError::Empty => "empty",
            IdNumberError::Legacy15Digit => "legacy_15_digit",
            IdNumberError::WrongLength { .. } => "wrong_length",
            IdNumberError::NotDigit { .. } => "not_digit",
            IdNumberError::InvalidCheckChar { .. } => "invalid_check_char",
            IdNumberError::UnknownProvince => "unknown_province",
            IdNumberError::InvalidBirthDate => "invalid_birth_date",
            IdNumberError::BirthYearBefore1900 => "birth_year_before_1900",
            IdNumberError::BadChecksum => "bad_checksum",
        }
    }
}

/// GB 11643-1999 校验码 (ISO 7064:1983 MOD 11-2): weight of position i is 2^(18−i) mod 11.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// GB 11643-1999 校验码: check character for Σ mod 11 = 0, 1, …, 10.
const CHECK_CHARS: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];

/// GB/T 2260 province-level codes (the first two digits of the 地址码 of GB 11643-1999).
const PROVINCE_CODES: [u32; 34] = [
    11, 12, 13, 14, 15, // 华北
    21, 22, 23, // 东北
    31, 32, 33, 34, 35, 36, 37, // 华东
    41, 42, 43, 44, 45, 46, // 中南
    50, 51, 52, 53, 54, // 西南
    61, 62, 63, 64, 65, // 西北
    71, 81, 82, // 台湾、香港、澳门
];

/// The GB 11643-1999 check character for the first 17 digits, or `None` when `first17` is not
/// exactly 17 ASCII digits.
pub fn check_char(first17: &str) -> Option<char> {
    if first17.len() != 17 || !first17.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    CHECK_CHARS.get((sum % 11) as usize).copied()
}

fn number_of(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
}

impl IdNumber {
    /// Parses a 居民身份证号码: surrounding whitespace is ignored and a lowercase `x` check
    /// character is read as `X`.
    pub fn parse(input: &str) -> Result<Self, IdNumberError> {
        let trimmed = input.trim();
        let chars: Vec<char> = trimmed.chars().collect();
        if chars.is_empty() {
            return Err(IdNumberError::Empty);
        }
        // GB 11643-1999 replaced the 15-digit number of GB 11643-1989; it is no longer issued.
        if chars.len() == 15 && chars.iter().all(char::is_ascii_digit) {
            return Err(IdNumberError::Legacy15Digit);
        }
        if chars.len() != 18 {
            return Err(IdNumberError::WrongLength { len: chars.len() });
        }
        // GB 11643-1999 号码的结构: 17 digits (本体码) followed by one check character.
        if let Some((i, &found)) = chars[..17]
            .iter()
            .enumerate()
            .find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(IdNumberError::NotDigit {
                position: i + 1,
                found,
            });
        }
        let check = chars[17].to_ascii_uppercase();
        if !(check.is_ascii_digit() || check == 'X') {
            return Err(IdNumberError::InvalidCheckChar { found: chars[17] });
        }
        let number: String = chars[..17].iter().chain([&check]).collect();

        // GB 11643-1999 地址码: a GB/T 2260 division code, whose first two digits are the province.
        if !PROVINCE_CODES.contains(&number_of(&number[0..2])) {
            return Err(IdNumberError::UnknownProvince);
        }

        // GB 11643-1999 出生日期码: YYYYMMDD (GB/T 7408).
        let year = number_of(&number[6..10]);
        let birth_date = u8::try_from(number_of(&number[10..12]))
            .ok()
            .and_then(|m| Month::try_from(m).ok())
            .and_then(|month| {
                let day = u8::try_from(number_of(&number[12..14])).ok()?;
                Date::from_calendar_date(year as i32, month, day).ok()
            })
            .ok_or(IdNumberError::InvalidBirthDate)?;
        if year < 1900 {
            return Err(IdNumberError::BirthYearBefore1900);
        }

        // GB 11643-1999 校验码: ISO 7064:1983 MOD 11-2.
        if check_char(&number[..17]) != Some(check) {
            return Err(IdNumberError::BadChecksum);
        }

        Ok(IdNumber { number, birth_date })
    }

    /// 出生日期 (digits 7–14).
    pub fn birth_date(&self) -> Date {
        self.birth_date
    }

    /// 性别: the 17th digit (顺序码的末位) is odd for men and even for women
    /// (GB 11643-1999 顺序码).
    pub fn sex(&self) -> Sex {
        if (self.number.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// Age in completed years on `date` (周岁), negative when `date` is before the birth date.
    ///
    /// Someone born on 29 February has their birthday on 28 February in non-leap years, so they
    /// come of age on 28 February rather than 1 March.
    pub fn age_on(&self, date: Date) -> i32 {
        let birth = self.birth_date;
        let birthday = if birth.month() == Month::February
            && birth.day() == 29
            && !time::util::is_leap_year(date.year())
        {
            (Month::February as u8, 28)
        } else {
            (birth.month() as u8, birth.day())
        };
        let years = date.year() - birth.year();
        if (date.month() as u8, date.day()) < birthday {
            years - 1
        } else {
            years
        }
    }

    /// The 6-digit 地址码 (GB/T 2260 county-level division where the number was issued).
    pub fn region_prefix(&self) -> &str {
        &self.number[..6]
    }

    /// First 6 and last 4 characters visible, the rest `*` (SPEC §5, §6): `410105********123X`.
    pub fn masked(&self) -> String {
        format!("{}********{}", &self.number[..6], &self.number[14..])
    }

    /// The full number, normalised (uppercase `X`). Only for encrypting it at rest and for keyed
    /// hashing (duplicate and blacklist look-ups); never put it in a response or a log.
    pub fn expose(&self) -> &str {
        &self.number
    }
}

impl std::fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("IdNumber").field(&self.masked()).finish()
    }
}

super::parse_impls!(IdNumber, IdNumberError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use time::macros::date;

    fn id(s: &str) -> IdNumber {
        IdNumber::parse(s).unwrap()
    }

    /// A valid number from a 6-digit region, a birth date and a 3-digit sequence.
    fn valid(region: &str, birth: &str, seq: &str) -> String {
        let first17 = format!("{region}{birth}{seq}");
        let check = check_char(&first17).unwrap();
        format!("{first17}{check}")
    }

    #[test]
    fn accepts_the_gb_11643_examples() {
        // GB 11643-1999 附录 A: 北京市朝阳区 1949-12-31 女, and 广东省汕头市潮阳县 1880-01-01 男
        // (the latter is born before 1900 and so rejected here; its checksum is still right).
        let beijing = id("11010519491231002X");
        assert_eq!(beijing.birth_date(), date!(1949 - 12 - 31));
        assert_eq!(beijing.sex(), Sex::Female);
        assert_eq!(beijing.region_prefix(), "110105");
        assert_eq!(check_char("44052418800101001"), Some('4'));
        assert_eq!(
            IdNumber::parse("440524188001010014"),
            Err(IdNumberError::BirthYearBefore1900)
        );
    }

    #[test]
    fn normalises_whitespace_and_lowercase_x() {
        let n = id("  11010519491231002x\n");
        assert_eq!(n.expose(), "11010519491231002X");
        assert_eq!(n, id("11010519491231002X"));
    }

    #[test]
    fn table_of_valid_numbers() {
        let cases = [
            (
                valid("410105", "19900307", "124"),
                date!(1990 - 03 - 07),
                Sex::Female,
            ),
            (
                valid("410102", "20000229", "011"),
                date!(2000 - 02 - 29),
                Sex::Male,
            ),
            (
                valid("419001", "19000101", "001"),
                date!(1900 - 01 - 01),
                Sex::Male,
            ),
            (
                valid("820000", "20101231", "997"),
                date!(2010 - 12 - 31),
                Sex::Male,
            ),
        ];
        for (number, birth, sex) in cases {
            let n = id(&number);
            assert_eq!(n.birth_date(), birth, "{number}");
            assert_eq!(n.sex(), sex, "{number}");
            assert_eq!(n.expose(), number);
        }
    }

    #[test]
    fn table_of_invalid_numbers() {
        let good = valid("410105", "19900307", "123");
        let cases: Vec<(String, IdNumberError)> = vec![
            ("".into(), IdNumberError::Empty),
            ("   ".into(), IdNumberError::Empty),
            // GB 11643-1989 15-digit number (no century, no check character).
            ("410105900307123".into(), IdNumberError::Legacy15Digit),
            (
                "41010519900307123".into(),
                IdNumberError::WrongLength { len: 17 },
            ),
            (format!("{good}0"), IdNumberError::WrongLength { len: 19 }),
            (
                "41010a19900307123X".into(),
                IdNumberError::NotDigit {
                    position: 6,
                    found: 'a',
                },
            ),
            (
                "４10105199003071234".into(),
                IdNumberError::NotDigit {
                    position: 1,
                    found: '４',
                },
            ),
            (
                "41010519900307123Y".into(),
                IdNumberError::InvalidCheckChar { found: 'Y' },
            ),
            (
                valid("000000", "19900307", "123"),
                IdNumberError::UnknownProvince,
            ),
            (
                valid("910105", "19900307", "123"),
                IdNumberError::UnknownProvince,
            ),
            (
                valid("720000", "19900307", "123"),
                IdNumberError::UnknownProvince,
            ),
            (
                valid("410105", "19900230", "123"),
                IdNumberError::InvalidBirthDate,
            ),
            (
                valid("410105", "19901301", "123"),
                IdNumberError::InvalidBirthDate,
            ),
            (
                valid("410105", "19900000", "123"),
                IdNumberError::InvalidBirthDate,
            ),
            (
                valid("410105", "19010229", "123"),
                IdNumberError::InvalidBirthDate,
            ),
            (
                valid("410105", "18991231", "123"),
                IdNumberError::BirthYearBefore1900,
            ),
            ("110105194912310021".into(), IdNumberError::BadChecksum),
            ("110105194912310027".into(), IdNumberError::BadChecksum),
        ];
        for (input, expected) in cases {
            assert_eq!(IdNumber::parse(&input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn every_error_has_a_distinct_reason_and_a_chinese_message() {
        let errors = [
            IdNumberError::Empty,
            IdNumberError::Legacy15Digit,
            IdNumberError::WrongLength { len: 3 },
            IdNumberError::NotDigit {
                position: 6,
                found: 'a',
            },
            IdNumberError::InvalidCheckChar { found: 'Y' },
            IdNumberError::UnknownProvince,
            IdNumberError::InvalidBirthDate,
            IdNumberError::BirthYearBefore1900,
            IdNumberError::BadChecksum,
        ];
        let mut reasons: Vec<_> = errors.iter().map(IdNumberError::reason).collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), errors.len());
        assert_eq!(
            IdNumberError::NotDigit {
                position: 6,
                found: 'a'
            }
            .to_string(),
            "居民身份证号码第 6 位应为数字，收到“a”"
        );
    }

    #[test]
    fn check_char_needs_exactly_17_digits() {
        assert_eq!(check_char("11010519491231002"), Some('X'));
        assert_eq!(check_char("1101051949123100"), None);
        assert_eq!(check_char("110105194912310021"), None);
        assert_eq!(check_char("1101051949123100a"), None);
    }

    #[test]
    fn age_counts_completed_years() {
        let n = id(&valid("410105", "20080615", "123"));
        assert_eq!(n.age_on(date!(2024 - 06 - 14)), 15);
        assert_eq!(n.age_on(date!(2024 - 06 - 15)), 16);
        assert_eq!(n.age_on(date!(2008 - 06 - 15)), 0);
        assert_eq!(n.age_on(date!(2008 - 06 - 14)), -1);
    }

    #[test]
    fn leap_day_birthday_falls_on_28_february_in_common_years() {
        let n = id(&valid("410105", "20080229", "123"));
        assert_eq!(n.age_on(date!(2024 - 02 - 27)), 15);
        assert_eq!(n.age_on(date!(2023 - 02 - 28)), 15);
        assert_eq!(n.age_on(date!(2024 - 02 - 28)), 15);
        assert_eq!(n.age_on(date!(2024 - 02 - 29)), 16);
        assert_eq!(n.age_on(date!(2025 - 02 - 28)), 17);
    }

    #[test]
    fn masked_shows_first_six_and_last_four() {
        // SPEC §6: "first 6 and last 4 digits visible".
        let n = id("11010519491231002X");
        assert_eq!(n.masked(), "110105********002X");
        assert_eq!(n.masked().chars().count(), 18);
    }

    #[test]
    fn debug_prints_only_the_masked_form() {
        let n = id("11010519491231002X");
        let debug = format!("{n:?}");
        assert_eq!(debug, "IdNumber(\"110105********002X\")");
        assert!(!debug.contains("11010519491231002X"));
        assert!(!format!("{:?}", Some(&n)).contains("19491231"));
    }

    #[test]
    fn deserialize_validates() {
        let n: IdNumber = serde_json::from_str("\"11010519491231002x\"").unwrap();
        assert_eq!(n.expose(), "11010519491231002X");
        let err = serde_json::from_str::<IdNumber>("\"110105194912310021\"").unwrap_err();
        assert!(err.to_string().contains("校验码不符"), "{err}");
        assert!(serde_json::from_str::<IdNumber>("110105194912310021").is_err());
    }

    #[test]
    fn sex_serialises_snake_case() {
        assert_eq!(serde_json::to_string(&Sex::Male).unwrap(), "\"male\"");
        assert_eq!(
            serde_json::from_str::<Sex>("\"female\"").unwrap(),
            Sex::Female
        );
        assert_eq!(Sex::Male.name_zh(), "男");
        assert_eq!(Sex::Female.name_zh(), "女");
        assert_eq!(Sex::Female.code(), "female");
    }

    fn valid_id() -> impl Strategy<Value = String> {
        let province = proptest::sample::select(PROVINCE_CODES.to_vec());
        let first = date!(1900 - 01 - 01).to_julian_day();
        let last = date!(2099 - 12 - 31).to_julian_day();
        (province, "[0-9]{4}", first..=last, "[0-9]{3}").prop_map(|(p, county, day, seq)| {
            let birth = Date::from_julian_day(day).unwrap();
            let birth = format!(
                "{:04}{:02}{:02}",
                birth.year(),
                birth.month() as u8,
                birth.day()
            );
            valid(&format!("{p}{county}"), &birth, &seq)
        })
    }

    proptest! {
        #[test]
        fn generated_numbers_parse(number in valid_id()) {
            let n = IdNumber::parse(&number).unwrap();
            prop_assert_eq!(n.expose(), number.as_str());
            let debug = format!("{n:?}");
            prop_assert!(!debug.contains(&number));
        }

        #[test]
        fn any_single_substitution_is_rejected(
            number in valid_id(),
            position in 0usize..18,
            replacement in 0usize..11,
        ) {
            // -- Setup & Fixtures
            let alphabet: &[u8] = if position == 17 { b"0123456789X" } else { b"0123456789" };
            let original = number.as_bytes()[position];
            let others: Vec<u8> = alphabet.iter().copied().filter(|&c| c != original).collect();
            let mut changed = number.into_bytes();
            changed[position] = others[replacement % others.len()];
            let changed = String::from_utf8(changed).unwrap();

            // -- Exec & Check
            prop_assert!(IdNumber::parse(&changed).is_err(), "{} accepted", changed);
        }
    }
}
