//! 河南省地市: the 17 prefecture-level cities and 济源示范区, which own institutions,
//! evaluation sites and batches. Serialised as a 4-character code: the first four digits of the
//! GB/T 2260 division code (`4101` 郑州市), and `9001` for 济源示范区 (division code 419001).

use serde::{Deserialize, Serialize};

/// A Henan 地市 (or 济源示范区).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(try_from = "String")]
pub enum Region {
    Zhengzhou,
    Kaifeng,
    Luoyang,
    Pingdingshan,
    Anyang,
    Hebi,
    Xinxiang,
    Jiaozuo,
    Puyang,
    Xuchang,
    Luohe,
    Sanmenxia,
    Nanyang,
    Shangqiu,
    Xinyang,
    Zhoukou,
    Zhumadian,
    Jiyuan,
}

/// A code that names no Henan 地市.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("未知的河南省地市代码“{code}”（应为 4101–4117 或 9001）")]
pub struct UnknownRegion {
    pub code: String,
}

impl UnknownRegion {
    /// Stable machine code for API `details`.
    pub const fn reason(&self) -> &'static str {
        "unknown_region"
    }
}

impl Region {
    /// In GB/T 2260 order.
    pub const ALL: &'static [Region] = &[
        Region::Zhengzhou,
        Region::Kaifeng,
        Region::Luoyang,
        Region::Pingdingshan,
        Region::Anyang,
        Region::Hebi,
        Region::Xinxiang,
        Region::Jiaozuo,
        Region::Puyang,
        Region::Xuchang,
        Region::Luohe,
        Region::Sanmenxia,
        Region::Nanyang,
        Region::Shangqiu,
        Region::Xinyang,
        Region::Zhoukou,
        Region::Zhumadian,
        Region::Jiyuan,
    ];

    /// The stable API/database code, e.g. `4101`.
    pub const fn code(self) -> &'static str {
        match self {
            Region::Zhengzhou => "4101",
            Region::Kaifeng => "4102",
            Region::Luoyang => "4103",
            Region::Pingdingshan => "4104",
            Region::Anyang => "4105",
            Region::Hebi => "4106",
            Region::Xinxiang => "4107",
            Region::Jiaozuo => "4108",
            Region::Puyang => "4109",
            Region::Xuchang => "4110",
            Region::Luohe => "4111",
            Region::Sanmenxia => "4112",
            Region::Nanyang => "4113",
            Region::Shangqiu => "4114",
            Region::Xinyang => "4115",
            Region::Zhoukou => "4116",
            Region::Zhumadian => "4117",
            Region::Jiyuan => "9001",
        }
    }

    /// The 6-digit GB/T 2260 division code: `410100` … `411700`, and `419001` for 济源示范区 (a
    /// province-administered county-level unit, hence not `xx00`).
    pub const fn division_code(self) -> &'static str {
        match self {
            Region::Zhengzhou => "410100",
            Region::Kaifeng => "410200",
            Region::Luoyang => "410300",
            Region::Pingdingshan => "410400",
            Region::Anyang => "410500",
            Region::Hebi => "410600",
            Region::Xinxiang => "410700",
            Region::Jiaozuo => "410800",
            Region::Puyang => "410900",
            Region::Xuchang => "411000",
            Region::Luohe => "411100",
            Region::Sanmenxia => "411200",
            Region::Nanyang => "411300",
            Region::Shangqiu => "411400",
            Region::Xinyang => "411500",
            Region::Zhoukou => "411600",
            Region::Zhumadian => "411700",
            Region::Jiyuan => "419001",
        }
    }

    pub const fn name_zh(self) -> &'static str {
        match self {
            Region::Zhengzhou => "郑州市",
            Region::Kaifeng => "开封市",
            Region::Luoyang => "洛阳市",
            Region::Pingdingshan => "平顶山市",
            Region::Anyang => "安阳市",
            Region::Hebi => "鹤壁市",
            Region::Xinxiang => "新乡市",
            Region::Jiaozuo => "焦作市",
            Region::Puyang => "濮阳市",
            Region::Xuchang => "许昌市",
            Region::Luohe => "漯河市",
            Region::Sanmenxia => "三门峡市",
            Region::Nanyang => "南阳市",
            Region::Shangqiu => "商丘市",
            Region::Xinyang => "信阳市",
            Region::Zhoukou => "周口市",
            Region::Zhumadian => "驻马店市",
            Region::Jiyuan => "济源示范区",
        }
    }
}

impl std::fmt::Display for Region {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

impl Serialize for Region {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.code())
    }
}

impl std::str::FromStr for Region {
    type Err = UnknownRegion;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Region::ALL
            .iter()
            .copied()
            .find(|region| region.code() == s)
            .ok_or_else(|| UnknownRegion { code: s.to_owned() })
    }
}

impl TryFrom<&str> for Region {
    type Error = UnknownRegion;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl TryFrom<String> for Region {
    type Error = UnknownRegion;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_regions() {
        let cases = [
            ("4101", Region::Zhengzhou, "郑州市"),
            ("4103", Region::Luoyang, "洛阳市"),
            ("4112", Region::Sanmenxia, "三门峡市"),
            ("4117", Region::Zhumadian, "驻马店市"),
            ("9001", Region::Jiyuan, "济源示范区"),
        ];
        for (code, region, name) in cases {
            assert_eq!(code.parse::<Region>().unwrap(), region);
            assert_eq!(region.code(), code);
            assert_eq!(region.name_zh(), name);
        }
        assert_eq!(Region::Jiyuan.division_code(), "419001");
    }

    #[test]
    fn all_has_every_region_once_with_consistent_codes() {
        assert_eq!(Region::ALL.len(), 18);
        for (i, region) in Region::ALL.iter().enumerate() {
            assert_eq!(region.code().len(), 4);
            assert_eq!(region.division_code().len(), 6);
            if *region != Region::Jiyuan {
                assert_eq!(region.code(), format!("41{:02}", i + 1));
                assert_eq!(region.division_code(), format!("{}00", region.code()));
            }
            assert_eq!(region.code().parse::<Region>().unwrap(), *region);
        }
    }

    #[test]
    fn rejects_unknown_codes() {
        for code in [
            "",
            "4100",
            "4118",
            "4190",
            "419001",
            "410100",
            "9002",
            " 4101",
            "郑州市",
        ] {
            let err = code.parse::<Region>().unwrap_err();
            assert_eq!(err.reason(), "unknown_region");
            assert_eq!(err.code, code);
        }
    }

    #[test]
    fn serde_uses_the_code() {
        let json = serde_json::to_string(&Region::Jiyuan).unwrap();
        assert_eq!(json, "\"9001\"");
        assert_eq!(
            serde_json::from_str::<Region>(&json).unwrap(),
            Region::Jiyuan
        );
        assert_eq!(
            serde_json::from_str::<Vec<Region>>("[\"4101\",\"4117\"]").unwrap(),
            vec![Region::Zhengzhou, Region::Zhumadian]
        );
        let err = serde_json::from_str::<Region>("\"4118\"").unwrap_err();
        assert!(err.to_string().contains("未知的河南省地市代码"), "{err}");
        assert!(serde_json::from_str::<Region>("4101").is_err());
    }
}
