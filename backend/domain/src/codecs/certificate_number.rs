//! 职业技能等级证书编号: the 22-character certificate number of the national numbering rule
//! (SPEC §6), built from its parts when certificates are issued and parsed when one is looked up.
//!
//! ```text
//! Y 0000 41 410101 24 5 000001
//! │ │    │  │      │  │ └ 17–22 流水号 000001–999999
//! │ │    │  │      │  └── 16    等级 1–5
//! │ │    │  │      └───── 14–15 发证年份后两位
//! │ │    │  └──────────── 8–13  评价（考核）站点代码
//! │ │    └─────────────── 6–7   省份代码 41（河南）
//! │ └──────────────────── 2–5   评价机构备案代码（向省备案为 0000）
//! └────────────────────── 1     评价机构类别字母
//! ```

use serde::{Deserialize, Serialize};

use crate::{InstitutionKind, Level};

/// The province code of Henan in positions 6–7 (GB/T 2260 `41`).
const PROVINCE: &str = "41";
const LENGTH: usize = 22;

/// A certificate number, validated at every position.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct CertificateNumber {
    number: String,
    parts: CertificateParts,
}

/// The fields of a certificate number, as [`CertificateNumber::build`] takes them and
/// [`CertificateNumber::parts`] returns them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CertificateParts {
    /// Position 1: the institution-kind letter, see [`default_kind_letter`].
    pub kind_letter: char,
    /// Positions 2–5: the institution's filing code, 4 digits; `0000` when filed with the
    /// province.
    pub filing_code: String,
    /// Positions 8–13: the evaluation site code, 6 digits.
    pub site_code: String,
    /// Positions 14–15 hold its last two digits, so 2000–2099.
    pub issue_year: i32,
    /// Position 16.
    pub level: Level,
    /// Positions 17–22: 1–999 999.
    pub serial: u32,
}

/// Why a string or a set of parts is not a valid certificate number. Each variant names the
/// position it is about; `found` echoes what was there (certificate numbers are public).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertificateNumberError {
    #[error("证书编号不能为空")]
    Empty,
    #[error("证书编号应为 22 位，收到 {len} 位")]
    WrongLength { len: usize },
    #[error("证书编号第 1 位应为大写英文字母（评价机构类别），收到“{found}”")]
    BadKindLetter { found: char },
    #[error("证书编号第 2–5 位应为 4 位数字的评价机构备案代码，收到“{found}”")]
    BadFilingCode { found: String },
    #[error("证书编号第 6–7 位应为河南省代码 41，收到“{found}”")]
    BadProvince { found: String },
    #[error("证书编号第 8–13 位应为 6 位数字的评价站点代码，收到“{found}”")]
    BadSiteCode { found: String },
    #[error("证书编号第 14–15 位应为发证年份（2000–2099 年）的后两位，收到“{found}”")]
    BadIssueYear { found: String },
    #[error("证书编号第 16 位应为等级 1–5，收到“{found}”")]
    BadLevel { found: String },
    #[error("证书编号第 17–22 位应为流水号 000001–999999，收到“{found}”")]
    BadSerial { found: String },
}

impl CertificateNumberError {
    /// Stable machine code for API `details`.
    pub const fn reason(&self) -> &'static str {
        match self {
            CertificateNumberError::Empty => "empty",
            CertificateNumberError::WrongLength { .. } => "wrong_length",
            CertificateNumberError::BadKindLetter { .. } => "bad_kind_letter",
            CertificateNumberError::BadFilingCode { .. } => "bad_filing_code",
            CertificateNumberError::BadProvince { .. } => "bad_province",
            CertificateNumberError::BadSiteCode { .. } => "bad_site_code",
            CertificateNumberError::BadIssueYear { .. } => "bad_issue_year",
            CertificateNumberError::BadLevel { .. } => "bad_level",
            CertificateNumberError::BadSerial { .. } => "bad_serial",
        }
    }
}

/// The default position-1 letter for an institution kind (SPEC §6): employer `Y`,
/// social_training `S`, tech_school `Y` (configurable by the deployment; this is the default).
pub const fn default_kind_letter(kind: InstitutionKind) -> char {
    match kind {
        InstitutionKind::Employer => 'Y',
        InstitutionKind::SocialTraining => 'S',
        InstitutionKind::TechSchool => 'Y',
    }
}

fn all_digits(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_digit())
}

fn number_of(digits: &str) -> u32 {
    digits
        .bytes()
        .fold(0, |acc, b| acc * 10 + u32::from(b - b'0'))
}

impl CertificateNumber {
    /// Assembles a certificate number from its parts, checking each one.
    pub fn build(parts: &CertificateParts) -> Result<Self, CertificateNumberError> {
        if !parts.kind_letter.is_ascii_uppercase() {
            return Err(CertificateNumberError::BadKindLetter {
                found: parts.kind_letter,
            });
        }
        if parts.filing_code.len() != 4 || !all_digits(&parts.filing_code) {
            return Err(CertificateNumberError::BadFilingCode {
                found: parts.filing_code.clone(),
            });
        }
        if parts.site_code.len() != 6 || !all_digits(&parts.site_code) {
            return Err(CertificateNumberError::BadSiteCode {
                found: parts.site_code.clone(),
            });
        }
        if !(2000..=2099).contains(&parts.issue_year) {
            return Err(CertificateNumberError::BadIssueYear {
                found: parts.issue_year.to_string(),
            });
        }
        if !(1..=999_999).contains(&parts.serial) {
            return Err(CertificateNumberError::BadSerial {
                found: parts.serial.to_string(),
            });
        }
        let number = format!(
            "{}{}{PROVINCE}{}{:02}{}{:06}",
            parts.kind_letter,
            parts.filing_code,
            parts.site_code,
            parts.issue_year - 2000,
            parts.level.number(),
            parts.serial,
        );
        Ok(CertificateNumber {
            number,
            parts: parts.clone(),
        })
    }

    /// Parses a certificate number: surrounding whitespace is ignored and a lowercase kind letter
    /// is read as uppercase (people type numbers into the public lookup).
    pub fn parse(input: &str) -> Result<Self, CertificateNumberError> {
        let trimmed = input.trim();
        let chars: Vec<char> = trimmed.chars().collect();
        if chars.is_empty() {
            return Err(CertificateNumberError::Empty);
        }
        if chars.len() != LENGTH {
            return Err(CertificateNumberError::WrongLength { len: chars.len() });
        }
        let field = |from: usize, to: usize| -> String { chars[from - 1..to].iter().collect() };

        let kind_letter = chars[0].to_ascii_uppercase();
        if !kind_letter.is_ascii_uppercase() {
            return Err(CertificateNumberError::BadKindLetter { found: chars[0] });
        }
        let filing_code = field(2, 5);
        if !all_digits(&filing_code) {
            return Err(CertificateNumberError::BadFilingCode { found: filing_code });
        }
        let province = field(6, 7);
        if province != PROVINCE {
            return Err(CertificateNumberError::BadProvince { found: province });
        }
        let site_code = field(8, 13);
        if !all_digits(&site_code) {
            return Err(CertificateNumberError::BadSiteCode { found: site_code });
        }
        let year = field(14, 15);
        if !all_digits(&year) {
            return Err(CertificateNumberError::BadIssueYear { found: year });
        }
        let level = chars[15]
            .to_digit(10)
            .and_then(|d| Level::try_from(d as u8).ok())
            .ok_or_else(|| CertificateNumberError::BadLevel {
                found: chars[15].to_string(),
            })?;
        let serial_digits = field(17, 22);
        let serial = if all_digits(&serial_digits) {
            number_of(&serial_digits)
        } else {
            0
        };
        if serial == 0 {
            return Err(CertificateNumberError::BadSerial {
                found: serial_digits,
            });
        }

        let parts = CertificateParts {
            kind_letter,
            filing_code,
            site_code,
            issue_year: 2000 + number_of(&year) as i32,
            level,
            serial,
        };
        let number = std::iter::once(kind_letter)
            .chain(chars[1..].iter().copied())
            .collect();
        Ok(CertificateNumber { number, parts })
    }

    /// The fields; `issue_year` is `2000 + yy`.
    pub fn parts(&self) -> CertificateParts {
        self.parts.clone()
    }

    pub fn as_str(&self) -> &str {
        &self.number
    }
}

impl std::fmt::Display for CertificateNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.number)
    }
}

impl Serialize for CertificateNumber {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.number)
    }
}

super::parse_impls!(CertificateNumber, CertificateNumberError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parts() -> CertificateParts {
        CertificateParts {
            kind_letter: 'S',
            filing_code: "0000".into(),
            site_code: "410101".into(),
            issue_year: 2024,
            level: Level::Five,
            serial: 1,
        }
    }

    #[test]
    fn builds_the_spec_layout() {
        // SPEC §6: [1] letter, [2–5] filing code, [6–7] 41, [8–13] site, [14–15] year,
        // [16] level, [17–22] serial.
        let number = CertificateNumber::build(&parts()).unwrap();
        assert_eq!(number.as_str(), "S000041410101245000001");
        assert_eq!(number.as_str().len(), 22);
        assert_eq!(number.to_string(), number.as_str());

        let last = CertificateParts {
            kind_letter: 'Y',
            filing_code: "1234".into(),
            site_code: "419001".into(),
            issue_year: 2099,
            level: Level::One,
            serial: 999_999,
        };
        assert_eq!(
            CertificateNumber::build(&last).unwrap().as_str(),
            "Y123441419001991999999"
        );
    }

    #[test]
    fn parses_into_parts() {
        let number = CertificateNumber::parse("y123441419001003000042").unwrap();
        assert_eq!(number.as_str(), "Y123441419001003000042");
        assert_eq!(
            number.parts(),
            CertificateParts {
                kind_letter: 'Y',
                filing_code: "1234".into(),
                site_code: "419001".into(),
                issue_year: 2000,
                level: Level::Three,
                serial: 42,
            }
        );
        assert!(CertificateNumber::parse("  S000041410101245000001\t").is_ok());
    }

    #[test]
    fn default_kind_letters_follow_spec() {
        // SPEC §6: employer `Y`, social_training `S`, tech_school default `Y`.
        assert_eq!(default_kind_letter(InstitutionKind::Employer), 'Y');
        assert_eq!(default_kind_letter(InstitutionKind::SocialTraining), 'S');
        assert_eq!(default_kind_letter(InstitutionKind::TechSchool), 'Y');
    }

    #[test]
    fn table_of_invalid_numbers() {
        use CertificateNumberError as E;
        let found = |s: &str| s.to_owned();
        let cases = [
            ("", E::Empty),
            ("S00004141010124500000", E::WrongLength { len: 21 }),
            ("S0000414101012450000011", E::WrongLength { len: 23 }),
            ("1000041410101245000001", E::BadKindLetter { found: '1' }),
            ("É000041410101245000001", E::BadKindLetter { found: 'É' }),
            (
                "S00A041410101245000001",
                E::BadFilingCode {
                    found: found("00A0"),
                },
            ),
            (
                "S000042410101245000001",
                E::BadProvince { found: found("42") },
            ),
            (
                "S0000４1410101245000001",
                E::BadProvince {
                    found: found("４1"),
                },
            ),
            (
                "S00004141O101245000001",
                E::BadSiteCode {
                    found: found("41O101"),
                },
            ),
            (
                "S0000414101012X5000001",
                E::BadIssueYear { found: found("2X") },
            ),
            ("S000041410101240000001", E::BadLevel { found: found("0") }),
            ("S000041410101246000001", E::BadLevel { found: found("6") }),
            ("S00004141010124A000001", E::BadLevel { found: found("A") }),
            (
                "S000041410101245000000",
                E::BadSerial {
                    found: found("000000"),
                },
            ),
            (
                "S00004141010124500000a",
                E::BadSerial {
                    found: found("00000a"),
                },
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(CertificateNumber::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn build_rejects_bad_parts() {
        let p = parts;
        let cases = [
            (
                CertificateParts {
                    kind_letter: 's',
                    ..p()
                },
                "bad_kind_letter",
            ),
            (
                CertificateParts {
                    kind_letter: '甲',
                    ..p()
                },
                "bad_kind_letter",
            ),
            (
                CertificateParts {
                    filing_code: "000".into(),
                    ..p()
                },
                "bad_filing_code",
            ),
            (
                CertificateParts {
                    filing_code: "00a0".into(),
                    ..p()
                },
                "bad_filing_code",
            ),
            (
                CertificateParts {
                    site_code: "4101011".into(),
                    ..p()
                },
                "bad_site_code",
            ),
            (
                CertificateParts {
                    site_code: "".into(),
                    ..p()
                },
                "bad_site_code",
            ),
            (
                CertificateParts {
                    issue_year: 1999,
                    ..p()
                },
                "bad_issue_year",
            ),
            (
                CertificateParts {
                    issue_year: 2100,
                    ..p()
                },
                "bad_issue_year",
            ),
            (CertificateParts { serial: 0, ..p() }, "bad_serial"),
            (
                CertificateParts {
                    serial: 1_000_000,
                    ..p()
                },
                "bad_serial",
            ),
        ];
        for (bad, reason) in cases {
            let err = CertificateNumber::build(&bad).unwrap_err();
            assert_eq!(err.reason(), reason, "{bad:?}");
        }
        assert_eq!(
            CertificateNumber::build(&CertificateParts {
                issue_year: 2100,
                ..p()
            }),
            Err(CertificateNumberError::BadIssueYear {
                found: "2100".into()
            })
        );
    }

    #[test]
    fn every_error_has_a_distinct_reason() {
        use CertificateNumberError as E;
        let s = String::new;
        let errors = [
            E::Empty,
            E::WrongLength { len: 1 },
            E::BadKindLetter { found: '1' },
            E::BadFilingCode { found: s() },
            E::BadProvince { found: s() },
            E::BadSiteCode { found: s() },
            E::BadIssueYear { found: s() },
            E::BadLevel { found: s() },
            E::BadSerial { found: s() },
        ];
        let mut reasons: Vec<_> = errors.iter().map(E::reason).collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), errors.len());
    }

    #[test]
    fn serde_round_trip_and_rejection() {
        let number = CertificateNumber::build(&parts()).unwrap();
        let json = serde_json::to_string(&number).unwrap();
        assert_eq!(json, "\"S000041410101245000001\"");
        assert_eq!(
            serde_json::from_str::<CertificateNumber>(&json).unwrap(),
            number
        );
        let err =
            serde_json::from_str::<CertificateNumber>("\"S000042410101245000001\"").unwrap_err();
        assert!(err.to_string().contains("第 6–7 位"), "{err}");
    }

    fn valid_parts() -> impl Strategy<Value = CertificateParts> {
        (
            proptest::char::range('A', 'Z'),
            "[0-9]{4}",
            "[0-9]{6}",
            2000..=2099i32,
            proptest::sample::select(Level::ALL.to_vec()),
            1..=999_999u32,
        )
            .prop_map(
                |(kind_letter, filing_code, site_code, issue_year, level, serial)| {
                    CertificateParts {
                        kind_letter,
                        filing_code,
                        site_code,
                        issue_year,
                        level,
                        serial,
                    }
                },
            )
    }

    proptest! {
        #[test]
        fn build_then_parse_gives_the_same_parts(parts in valid_parts()) {
            // -- Exec
            let built = CertificateNumber::build(&parts).unwrap();
            let parsed = CertificateNumber::parse(&built.to_string()).unwrap();

            // -- Check
            prop_assert_eq!(built.as_str().len(), 22);
            prop_assert_eq!(built.as_str().chars().count(), 22);
            prop_assert_eq!(&parsed.parts(), &parts);
            prop_assert_eq!(&parsed, &built);
        }
    }
}
