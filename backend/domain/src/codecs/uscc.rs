//! 统一社会信用代码 (GB 32100-2015): the 18-character code that identifies an evaluation
//! institution or employer, parsed once at the boundary into [`Uscc`].
//!
//! Not personal data, so it displays and serialises as itself.

use serde::{Deserialize, Serialize};

/// 统一社会信用代码, validated and in uppercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub struct Uscc(String);

/// Why a string is not a valid 统一社会信用代码. Positions count from 1.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsccError {
    #[error("统一社会信用代码不能为空")]
    Empty,
    #[error("统一社会信用代码应为 18 位，收到 {len} 位")]
    WrongLength { len: usize },
    #[error("统一社会信用代码第 {position} 位“{found}”不是有效字符（不使用 I、O、Z、S、V）")]
    InvalidChar { position: usize, found: char },
    #[error("统一社会信用代码第 3–8 位应为行政区划码数字，第 {position} 位收到“{found}”")]
    RegionNotDigit { position: usize, found: char },
    #[error("统一社会信用代码第 18 位校验码不符，请核对代码")]
    BadChecksum,
}

impl UsccError {
    /// Stable machine code for API `details`.
    pub const fn reason(&self) -> &'static str {
        match self {
            UsccError::Empty => "empty",
            UsccError::WrongLength { .. } => "wrong_length",
            UsccError::InvalidChar { .. } => "invalid_char",
            UsccError::RegionNotDigit { .. } => "region_not_digit",
            UsccError::BadChecksum => "bad_checksum",
        }
    }
}

/// GB 32100-2015 代码字符集: the 31 code characters; a character's value is its index.
const ALPHABET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// GB 32100-2015 校验码: weight of position i is 3^(i−1) mod 31.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn value_of(c: char) -> Option<u32> {
    ALPHABET.find(c).map(|i| i as u32)
}

/// The GB 32100-2015 check character for the first 17 characters, or `None` when `first17` is
/// not exactly 17 characters of the code alphabet (uppercase).
pub fn check_char(first17: &str) -> Option<char> {
    let values: Vec<u32> = first17.chars().map(value_of).collect::<Option<_>>()?;
    if values.len() != 17 {
        return None;
    }
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    // GB 32100-2015 校验码: C18 = 31 − (Σ mod 31), and a result of 31 is written as 0.
    let check = (31 - sum % 31) % 31;
    ALPHABET.chars().nth(check as usize)
}

impl Uscc {
    /// Parses a 统一社会信用代码: surrounding whitespace is ignored and lowercase letters are read
    /// as uppercase.
    pub fn parse(input: &str) -> Result<Self, UsccError> {
        let code = input.trim().to_ascii_uppercase();
        let chars: Vec<char> = code.chars().collect();
        if chars.is_empty() {
            return Err(UsccError::Empty);
        }
        if chars.len() != 18 {
            return Err(UsccError::WrongLength { len: chars.len() });
        }
        // GB 32100-2015 代码字符集: every position uses the 31-character alphabet.
        if let Some((i, &found)) = chars
            .iter()
            .enumerate()
            .find(|(_, c)| value_of(**c).is_none())
        {
            return Err(UsccError::InvalidChar {
                position: i + 1,
                found,
            });
        }
        // GB 32100-2015 代码结构: positions 3–8 are the GB/T 2260 登记管理机关行政区划码.
        if let Some((i, &found)) = chars
            .iter()
            .enumerate()
            .take(8)
            .skip(2)
            .find(|(_, c)| !c.is_ascii_digit())
        {
            return Err(UsccError::RegionNotDigit {
                position: i + 1,
                found,
            });
        }
        if check_char(&code[..17]) != Some(chars[17]) {
            return Err(UsccError::BadChecksum);
        }
        Ok(Uscc(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// 登记管理机关行政区划码 (positions 3–8).
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }
}

impl std::fmt::Display for Uscc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Serialize for Uscc {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

super::parse_impls!(Uscc, UsccError);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Published codes, each checked independently of this module (a separate script
    /// implementing the GB 32100-2015 校验码).
    const PUBLISHED: [&str; 5] = [
        "914403001922038216", // 华为技术有限公司
        "9144030071526726XG", // 深圳市腾讯计算机系统有限公司
        "91350100M000100Y43",
        "91110108551385082Q",
        "91330100716105852F",
    ];

    #[test]
    fn accepts_published_codes() {
        for code in PUBLISHED {
            let uscc = Uscc::parse(code).unwrap();
            assert_eq!(uscc.as_str(), code);
            assert_eq!(uscc.to_string(), code);
        }
        assert_eq!(Uscc::parse(PUBLISHED[0]).unwrap().region_code(), "440300");
    }

    #[test]
    fn check_char_maps_31_to_0() {
        // Σ = 0 → 31 − 0 = 31 → '0'.
        assert_eq!(check_char("00000000000000000"), Some('0'));
        assert!(Uscc::parse("000000000000000000").is_ok());
        assert_eq!(check_char("91440300192203821"), Some('6'));
        assert_eq!(check_char("9144030019220382"), None);
        assert_eq!(check_char("9144030019220382I"), None);
    }

    #[test]
    fn normalises_whitespace_and_lowercase() {
        let uscc = Uscc::parse(" 9144030071526726xg\t").unwrap();
        assert_eq!(uscc.as_str(), "9144030071526726XG");
    }

    #[test]
    fn table_of_invalid_codes() {
        let cases = [
            ("", UsccError::Empty),
            ("  ", UsccError::Empty),
            ("91440300192203821", UsccError::WrongLength { len: 17 }),
            ("9144030019220382160", UsccError::WrongLength { len: 19 }),
            (
                "91440300I92203821X",
                UsccError::InvalidChar {
                    position: 9,
                    found: 'I',
                },
            ),
            (
                "914403001922038O16",
                UsccError::InvalidChar {
                    position: 16,
                    found: 'O',
                },
            ),
            (
                "Z14403001922038216",
                UsccError::InvalidChar {
                    position: 1,
                    found: 'Z',
                },
            ),
            (
                "914403001922038S16",
                UsccError::InvalidChar {
                    position: 16,
                    found: 'S',
                },
            ),
            (
                "914403001922038V16",
                UsccError::InvalidChar {
                    position: 16,
                    found: 'V',
                },
            ),
            (
                "9144030-1922038216",
                UsccError::InvalidChar {
                    position: 8,
                    found: '-',
                },
            ),
            (
                "91A4030071526726XG",
                UsccError::RegionNotDigit {
                    position: 3,
                    found: 'A',
                },
            ),
            (
                "914403M071526726XG",
                UsccError::RegionNotDigit {
                    position: 7,
                    found: 'M',
                },
            ),
            ("914403001922038217", UsccError::BadChecksum),
            ("9144030071526726XH", UsccError::BadChecksum),
            ("914403001922083216", UsccError::BadChecksum),
        ];
        for (input, expected) in cases {
            assert_eq!(Uscc::parse(input), Err(expected), "{input:?}");
        }
    }

    #[test]
    fn every_error_has_a_distinct_reason() {
        let errors = [
            UsccError::Empty,
            UsccError::WrongLength { len: 1 },
            UsccError::InvalidChar {
                position: 1,
                found: 'I',
            },
            UsccError::RegionNotDigit {
                position: 3,
                found: 'A',
            },
            UsccError::BadChecksum,
        ];
        let mut reasons: Vec<_> = errors.iter().map(UsccError::reason).collect();
        reasons.sort_unstable();
        reasons.dedup();
        assert_eq!(reasons.len(), errors.len());
    }

    #[test]
    fn serde_round_trip_and_rejection() {
        let uscc = Uscc::parse(PUBLISHED[1]).unwrap();
        let json = serde_json::to_string(&uscc).unwrap();
        assert_eq!(json, "\"9144030071526726XG\"");
        assert_eq!(serde_json::from_str::<Uscc>(&json).unwrap(), uscc);
        let err = serde_json::from_str::<Uscc>("\"914403001922038217\"").unwrap_err();
        assert!(err.to_string().contains("校验码不符"), "{err}");
    }

    fn valid_code() -> impl Strategy<Value = String> {
        let body = "[0-9A-HJ-NPQRTUW-Y]{2}[0-9]{6}[0-9A-HJ-NPQRTUW-Y]{9}";
        body.prop_map(|first17| {
            let check = check_char(&first17).unwrap();
            format!("{first17}{check}")
        })
    }

    proptest! {
        #[test]
        fn generated_codes_parse(code in valid_code()) {
            let uscc = Uscc::parse(&code).unwrap();
            prop_assert_eq!(uscc.as_str(), code.as_str());
        }

        #[test]
        fn any_single_substitution_is_rejected(
            code in valid_code(),
            position in 0usize..18,
            replacement in 0usize..30,
        ) {
            // -- Setup & Fixtures
            let original = code.as_bytes()[position];
            let others: Vec<u8> = ALPHABET.bytes().filter(|&c| c != original).collect();
            let mut changed = code.into_bytes();
            changed[position] = others[replacement];
            let changed = String::from_utf8(changed).unwrap();

            // -- Exec & Check
            prop_assert!(Uscc::parse(&changed).is_err(), "{} accepted", changed);
        }
    }
}
