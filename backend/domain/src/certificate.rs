//! 职业技能等级证书 (SPEC §6): what a certificate says, the exact bytes the server signs, the
//! Ed25519 signature over them, and the gap-free serial rule of certificate numbers.
//!
//! # Canonical encoding
//!
//! The signed bytes are the UTF-8 text of one JSON object, with exactly these keys in this
//! (byte-sorted) order, no whitespace, strings escaped as JSON requires (`"`, `\` and control
//! characters only; everything else, Chinese included, as plain UTF-8), `level` a bare integer,
//! `issue_date` `YYYY-MM-DD`, and `work_type` `null` when the occupation has no 工种:
//!
//! ```text
//! {"format":"skillcert-certificate/1","id_number_masked":"410105********123X",
//! "id_type":"resident_id","institution_name":"…","issue_date":"2026-02-12","level":5,
//! "name":"张三","number":"S000041410101265000001","occupation_code":"4-01-02-01",
//! "occupation_name":"…","work_type":null}
//! ```
//!
//! (one line). The signature is Ed25519 (RFC 8032, pure) over those bytes, written as 128
//! lowercase hex characters. The key id is the first 16 hex characters of SHA-256 of the 32-byte
//! public key. Anyone with the published public key can check a certificate offline.

use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use time::Date;

/// The `format` member: changes if the encoding ever does.
pub const FORMAT: &str = "skillcert-certificate/1";

/// Everything a certificate states (SPEC §6, without the QR code, which only links to the
/// public lookup).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateContent {
    pub number: String,
    pub name: String,
    /// `resident_id` or another document type code.
    pub id_type: String,
    /// First 6 and last 4 digits visible.
    pub id_number_masked: String,
    pub occupation_code: String,
    pub occupation_name: String,
    /// 工种, when the occupation has one.
    pub work_type: Option<String>,
    /// 1–5.
    pub level: u8,
    pub institution_name: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub issue_date: Date,
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

impl CertificateContent {
    /// The canonical encoding described in the module documentation.
    pub fn canonical_json(&self) -> String {
        let d = self.issue_date;
        let work_type = self
            .work_type
            .as_deref()
            .map_or_else(|| "null".to_owned(), json_string);
        format!(
            concat!(
                r#"{{"format":{},"id_number_masked":{},"id_type":{},"institution_name":{},"#,
                r#""issue_date":"{:04}-{:02}-{:02}","level":{},"name":{},"number":{},"#,
                r#""occupation_code":{},"occupation_name":{},"work_type":{}}}"#
            ),
            json_string(FORMAT),
            json_string(&self.id_number_masked),
            json_string(&self.id_type),
            json_string(&self.institution_name),
            d.year(),
            u8::from(d.month()),
            d.day(),
            self.level,
            json_string(&self.name),
            json_string(&self.number),
            json_string(&self.occupation_code),
            json_string(&self.occupation_name),
            work_type,
        )
    }

    /// The bytes that are signed: [`CertificateContent::canonical_json`] as UTF-8.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        self.canonical_json().into_bytes()
    }
}

/// The server's signing key (an Ed25519 seed of 32 bytes).
pub struct CertificateSigner {
    key: SigningKey,
}

impl std::fmt::Debug for CertificateSigner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateSigner")
            .field("key_id", &self.key_id())
            .finish_non_exhaustive()
    }
}

impl CertificateSigner {
    pub fn from_seed(seed: &[u8; 32]) -> Self {
        CertificateSigner {
            key: SigningKey::from_bytes(seed),
        }
    }

    /// The 32-byte public key.
    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    pub fn key_id(&self) -> String {
        key_id(&self.public_key())
    }

    /// 128 lowercase hex characters.
    pub fn sign(&self, content: &CertificateContent) -> String {
        hex::encode(self.key.sign(&content.canonical_bytes()).to_bytes())
    }

    /// [`verify`] with this key's public half, already decoded: the public lookup checks every
    /// answer, and decompressing the key point each time costs about a fifth of a verification.
    pub fn verify(&self, content: &CertificateContent, signature_hex: &str) -> bool {
        verify_with(&self.key.verifying_key(), content, signature_hex)
    }
}

/// The first 16 hex characters of SHA-256 of the public key.
pub fn key_id(public_key: &[u8; 32]) -> String {
    let digest = Sha256::digest(public_key);
    hex::encode(&digest[..8])
}

/// Whether `signature_hex` is a valid signature of `content` under `public_key`. Malformed keys
/// or signatures are simply not valid.
pub fn verify(public_key: &[u8; 32], content: &CertificateContent, signature_hex: &str) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(public_key) else {
        return false;
    };
    verify_with(&key, content, signature_hex)
}

fn verify_with(key: &VerifyingKey, content: &CertificateContent, signature_hex: &str) -> bool {
    let Ok(bytes) = hex::decode(signature_hex) else {
        return false;
    };
    let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else {
        return false;
    };
    key.verify(&content.canonical_bytes(), &Signature::from_bytes(&bytes))
        .is_ok()
}

/// The largest serial a certificate number can hold (positions 17–22).
pub const MAX_SERIAL: u32 = 999_999;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("该站点、年份和等级的证书流水号已用尽（已用 {last}，还需 {count} 个）")]
pub struct SerialsExhausted {
    pub last: u32,
    pub count: u32,
}

/// Serials are allocated per (evaluation site code, issue year, level), consecutively and
/// without gaps: after `last` (0 when none was issued), `count` certificates take
/// `last + 1 ..= last + count`. Returns that range, or an error when it would pass 999 999.
pub fn allocate_serials(
    last: u32,
    count: u32,
) -> Result<std::ops::RangeInclusive<u32>, SerialsExhausted> {
    match last.checked_add(count) {
        // `count` 0 gives the empty range `last + 1..=last`.
        Some(end) if end <= MAX_SERIAL => Ok(last + 1..=end),
        _ => Err(SerialsExhausted { last, count }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn content() -> CertificateContent {
        CertificateContent {
            number: "S000041410101265000001".into(),
            name: "张三".into(),
            id_type: "resident_id".into(),
            id_number_masked: "410105********123X".into(),
            occupation_code: "4-01-02-01".into(),
            occupation_name: "电工".into(),
            work_type: None,
            level: 5,
            institution_name: "河南\"测试\"培训学校".into(),
            issue_date: date!(2026 - 02 - 12),
        }
    }

    fn signer() -> CertificateSigner {
        CertificateSigner::from_seed(&[7u8; 32])
    }

    #[test]
    fn canonical_json_is_sorted_compact_utf8() {
        let json = content().canonical_json();
        assert_eq!(
            json,
            concat!(
                r#"{"format":"skillcert-certificate/1","id_number_masked":"410105********123X","#,
                r#""id_type":"resident_id","institution_name":"河南\"测试\"培训学校","#,
                r#""issue_date":"2026-02-12","level":5,"name":"张三","#,
                r#""number":"S000041410101265000001","occupation_code":"4-01-02-01","#,
                r#""occupation_name":"电工","work_type":null}"#
            )
        );
        // It is JSON, and its keys are in sorted order.
        let value: serde_json::Value = serde_json::from_str(&json).unwrap();
        let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        let with_type = CertificateContent {
            work_type: Some("维修电工".into()),
            ..content()
        };
        assert!(
            with_type
                .canonical_json()
                .ends_with(r#""work_type":"维修电工"}"#)
        );
    }

    #[test]
    fn signature_verifies_and_any_changed_field_fails() {
        let s = signer();
        let signature = s.sign(&content());
        assert_eq!(signature.len(), 128);
        assert!(verify(&s.public_key(), &content(), &signature));

        let changed = [
            CertificateContent {
                name: "张四".into(),
                ..content()
            },
            CertificateContent {
                number: "S000041410101265000002".into(),
                ..content()
            },
            CertificateContent {
                id_type: "passport".into(),
                ..content()
            },
            CertificateContent {
                id_number_masked: "410105********1234".into(),
                ..content()
            },
            CertificateContent {
                occupation_code: "4-01-02-02".into(),
                ..content()
            },
            CertificateContent {
                occupation_name: "焊工".into(),
                ..content()
            },
            CertificateContent {
                work_type: Some("电工".into()),
                ..content()
            },
            CertificateContent {
                level: 4,
                ..content()
            },
            CertificateContent {
                institution_name: "别的机构".into(),
                ..content()
            },
            CertificateContent {
                issue_date: date!(2026 - 02 - 13),
                ..content()
            },
        ];
        for c in &changed {
            assert!(!verify(&s.public_key(), c, &signature), "{c:?}");
            // The signer's own check (its decoded public key) agrees.
            assert!(!s.verify(c, &signature), "{c:?}");
        }
        assert!(s.verify(&content(), &signature));
        // Another key, or a malformed signature, fails too.
        let other = CertificateSigner::from_seed(&[8u8; 32]);
        assert!(!verify(&other.public_key(), &content(), &signature));
        assert!(!other.verify(&content(), &signature));
        assert!(!verify(&s.public_key(), &content(), "zz"));
        assert!(!verify(&s.public_key(), &content(), &signature[..126]));
        assert!(!s.verify(&content(), &signature[..126]));
    }

    #[test]
    fn signatures_are_deterministic_and_key_id_is_stable() {
        let s = signer();
        assert_eq!(s.sign(&content()), s.sign(&content()));
        assert_eq!(s.key_id().len(), 16);
        assert_eq!(s.key_id(), key_id(&s.public_key()));
        assert_ne!(
            s.key_id(),
            CertificateSigner::from_seed(&[8u8; 32]).key_id()
        );
    }

    #[test]
    fn serials_follow_on_without_gaps() {
        assert_eq!(allocate_serials(0, 3), Ok(1..=3));
        assert_eq!(allocate_serials(3, 2), Ok(4..=5));
        assert_eq!(allocate_serials(999_998, 1), Ok(999_999..=999_999));
        assert_eq!(
            allocate_serials(999_999, 1),
            Err(SerialsExhausted {
                last: 999_999,
                count: 1
            })
        );
        assert_eq!(allocate_serials(5, 0).map(|r| r.count()), Ok(0));
        assert!(allocate_serials(u32::MAX, 1).is_err());
    }
}
