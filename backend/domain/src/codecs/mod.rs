//! Codecs for the identifiers the regulation and the national standards define: 居民身份证号码
//! (GB 11643-1999), 统一社会信用代码 (GB 32100-2015), 职业编码 (职业分类大典 2022), 河南省地市
//! and the 22-character 证书编号 (SPEC §6).
//!
//! Each is a newtype with private fields, validated on construction (`parse`, `FromStr`,
//! `TryFrom`) and on `Deserialize`, so a value of the type is always valid. Each error type has
//! a Chinese message for users and a stable `reason()` code for API `details`. Pure: no IO.

/// `FromStr`, `TryFrom<&str>` and `TryFrom<String>` (the last for `#[serde(try_from)]`), all
/// through the type's validating `parse`.
macro_rules! parse_impls {
    ($ty:ident, $err:ident) => {
        impl std::str::FromStr for $ty {
            type Err = $err;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $ty::parse(s)
            }
        }

        impl TryFrom<&str> for $ty {
            type Error = $err;
            fn try_from(s: &str) -> Result<Self, Self::Error> {
                $ty::parse(s)
            }
        }

        impl TryFrom<String> for $ty {
            type Error = $err;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                $ty::parse(&s)
            }
        }
    };
}
use parse_impls;

pub mod certificate_number;
pub mod id_number;
pub mod occupation_code;
pub mod region;
pub mod uscc;

pub use certificate_number::{
    CertificateNumber, CertificateNumberError, CertificateParts, default_kind_letter,
};
pub use id_number::{IdNumber, IdNumberError, Sex};
pub use occupation_code::{OccupationCode, OccupationCodeError};
pub use region::{Region, UnknownRegion};
pub use uscc::{Uscc, UsccError};
