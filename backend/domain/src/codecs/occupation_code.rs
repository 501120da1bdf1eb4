//! 职业编码 of the 中华人民共和国职业分类大典 (2022 年版): `N-NN-NN-NN` — 大类, 中类, 小类,
//! 细类 (职业) — e.g. `6-31-01-03` 电工. Candidates, plans and certificates name their occupation by
//! this code (SPEC §5).

use serde::{Deserialize, Serialize};

/// A 大典 (2022) occupation code in the shape `N-NN-NN-NN`, 大类 1–8.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct OccupationCode(String);

/// Why a string is not a 大典 occupation code. Positions count characters from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OccupationCodeError {
    #[error("职业编码不能为空")]
    Empty,
    #[error("职业编码应为 N-NN-NN-NN 格式共 10 位（如 6-31-01-03），收到 {len} 位")]
    WrongLength { len: usize },
    #[error("职业编码第 {position} 位应为“-”，收到“{found}”")]
    MissingHyphen { position: usize, found: char },
    #[error("职业编码第 {position} 位应为数字，收到“{found}”")]
    NotDigit { position: usize, found: char },
    #[error("职业编码第 1 位大类应为 1–8，收到“{found}”")]
    UnknownMajorGroup { found: char },
}

impl OccupationCodeError {
    /// Stable machine code for API `details`.
    pub const fn reason(&self) -> &'static str {
        match self {
            OccupationCodeError::Empty => "empty",
            OccupationCodeError::WrongLength { .. } => "wrong_length",
            OccupationCodeError::MissingHyphen { .. } => "missing_hyphen",
            OccupationCodeError::NotDigit { .. } => "not_digit",
            OccupationCodeError::UnknownMajorGroup { .. } => "unknown_major_group",
        }
    }
}

const HYPHEN_POSITIONS: [usize; 3] = [1, 4, 7];

impl OccupationCode {
    /// Parses `N-NN-NN-NN`; surrounding whitespace is ignored.
    pub fn parse(input: &str) -> Result<Self, OccupationCodeError> {
        let code = input.trim();
        let chars: Vec<char> = code.chars().collect();
        if chars.is_empty() {
            return Err(OccupationCodeError::Empty);
        }
        if chars.len() != 10 {
            return Err(OccupationCodeError::WrongLength { len: chars.len() });
        }
        for (i, &c) in chars.iter().enumerate() {
            let position = i + 1;
            if HYPHEN_POSITIONS.contains(&i) {
                if c != '-' {
                    return Err(OccupationCodeError::MissingHyphen { position, found: c });
                }
            } else if !c.is_ascii_digit() {
                return Err(OccupationCodeError::NotDigit { position, found: c });
            }
        }
        // 大典 (2022): eight 大类, numbered 1–8.
        if !('1'..='8').contains(&chars[0]) {
            return Err(OccupationCodeError::UnknownMajorGroup { found: chars[0] });
        }
        Ok(OccupationCode(code.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 大类, 1–8.
    pub fn major(&self) -> u8 {
        self.0.as_bytes()[0] - b'0'
    }
}

impl std::fmt::Display for OccupationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for OccupationCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

super::parse_impls!(OccupationCode, OccupationCodeError);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_valid_codes() {
        let cases = [
            ("6-31-01-03", 6), // 电工
            ("4-10-01-02", 4), // 育婴员
            ("1-01-00-00", 1),
            ("8-00-00-00", 8), // 不便分类的其他从业人员
            (" 4-10-01-02 ", 4),
        ];
        for (input, major) in cases {
            let code = OccupationCode::parse(input).unwrap();
            assert_eq!(code.major(), major, "{input}");
            assert_eq!(code.as_str(), input.trim());
        }
    }

    #[test]
    fn table_of_invalid_codes() {
        use OccupationCodeError as E;
        let cases = [
            ("", E::Empty),
            ("6310103", E::WrongLength { len: 7 }),
            ("6-31-01-03-01", E::WrongLength { len: 13 }),
            ("6-31-01-3", E::WrongLength { len: 9 }),
            (
                "6.31.01.03",
                E::MissingHyphen {
                    position: 2,
                    found: '.',
                },
            ),
            (
                "6-31-01 03",
                E::MissingHyphen {
                    position: 8,
                    found: ' ',
                },
            ),
            (
                "6-3a-01-03",
                E::NotDigit {
                    position: 4,
                    found: 'a',
                },
            ),
            (
                "6-31-01-0３",
                E::NotDigit {
                    position: 10,
                    found: '３',
                },
            ),
            ("0-31-01-03", E::UnknownMajorGroup { found: '0' }),
            ("9-31-01-03", E::UnknownMajorGroup { found: '9' }),
        ];
        for (input, expected) in cases {
            assert_eq!(OccupationCode::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn every_error_has_a_distinct_reason() {
        use OccupationCodeError as E;
        let errors = [
            E::Empty,
            E::WrongLength { len: 1 },
            E::MissingHyphen {
                position: 2,
                found: '.',
            },
            E::NotDigit {
                position: 3,
                found: 'a',
            },
            E::UnknownMajorGroup { found: '9' },
        ];
        let mut reasons: Vec<_> = errors.iter().map(E::reason).collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), errors.len());
    }

    #[test]
    fn serde_round_trip_and_rejection() {
        let code = OccupationCode::parse("6-31-01-03").unwrap();
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"6-31-01-03\"");
        assert_eq!(serde_json::from_str::<OccupationCode>(&json).unwrap(), code);
        assert_eq!(code.to_string(), "6-31-01-03");
        let err = serde_json::from_str::<OccupationCode>("\"9-31-01-03\"").unwrap_err();
        assert!(err.to_string().contains("大类应为 1–8"), "{err}");
    }
}
