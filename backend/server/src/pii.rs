//! Personal data at rest (SPEC §9, issue 4): ID and phone numbers are stored only as AEAD
//! ciphertext (XChaCha20-Poly1305, a random 192-bit nonce per value), with a keyed blind index
//! (HMAC-SHA256) for exact lookup and duplicate detection, and a masked form for display. Both
//! keys are derived from one configured master key, so rotating it is one setting (plus a
//! re-encryption job). Nothing here logs a value.

use base64::Engine;
use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

const NONCE_LEN: usize = 24;

#[derive(Clone)]
pub struct FieldCipher {
    aead: XChaCha20Poly1305,
    blind: HmacSha256,
}

impl std::fmt::Debug for FieldCipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FieldCipher(..)")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    #[error("stored personal data cannot be decrypted (wrong key or damaged value)")]
    Decrypt,
    #[error("personal data cannot be encrypted")]
    Encrypt,
    #[error("the field key cannot be used")]
    Key,
}

/// An independent 256-bit key per purpose from the 256-bit master key: SHA-256(label ‖ master).
fn derive(master: &[u8; 32], label: &str) -> [u8; 32] {
    Sha256::new()
        .chain_update(label.as_bytes())
        .chain_update(master)
        .finalize()
        .into()
}

impl FieldCipher {
    pub fn new(master: &[u8; 32]) -> Result<Self, PiiError> {
        let aead_key = derive(master, "skillcert/pii/aead/v1");
        let blind =
            <HmacSha256 as Mac>::new_from_slice(&derive(master, "skillcert/pii/blind-index/v1"))
                .map_err(|_| PiiError::Key)?;
        Ok(FieldCipher {
            aead: XChaCha20Poly1305::new(&aead_key.into()),
            blind,
        })
    }

    /// base64(nonce ‖ ciphertext ‖ tag).
    pub fn encrypt(&self, plaintext: &str) -> Result<String, PiiError> {
        let nonce = XChaCha20Poly1305::generate_nonce(&mut OsRng);
        let sealed = self
            .aead
            .encrypt(&nonce, plaintext.as_bytes())
            .map_err(|_| PiiError::Encrypt)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(base64::engine::general_purpose::STANDARD.encode(out))
    }

    pub fn decrypt(&self, stored: &str) -> Result<String, PiiError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(stored)
            .map_err(|_| PiiError::Decrypt)?;
        if bytes.len() <= NONCE_LEN {
            return Err(PiiError::Decrypt);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let plain = self
            .aead
            .decrypt(XNonce::from_slice(nonce), sealed)
            .map_err(|_| PiiError::Decrypt)?;
        String::from_utf8(plain).map_err(|_| PiiError::Decrypt)
    }

    /// The blind index of an (already normalised) value: equal values, equal index; without
    /// the key it reveals nothing and cannot be brute-forced offline.
    pub fn blind(&self, normalised: &str) -> String {
        let mut mac = self.blind.clone();
        mac.update(normalised.as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// A phone number with the first 3 and last 4 digits visible (`138****5678`).
pub fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..3].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 7))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_is_randomised_and_tamper_evident() {
        let cipher = FieldCipher::new(&[9u8; 32]).unwrap();
        let a = cipher.encrypt("11010519491231002X").unwrap();
        let b = cipher.encrypt("11010519491231002X").unwrap();
        assert_ne!(a, b, "a fresh nonce per value");
        assert!(!a.contains("1101051949"));
        assert_eq!(cipher.decrypt(&a).unwrap(), "11010519491231002X");
        let mut bytes = base64::engine::general_purpose::STANDARD
            .decode(&a)
            .unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let tampered = base64::engine::general_purpose::STANDARD.encode(bytes);
        assert!(cipher.decrypt(&tampered).is_err());
        assert!(FieldCipher::new(&[8u8; 32]).unwrap().decrypt(&a).is_err());
    }

    #[test]
    fn blind_index_is_deterministic_and_keyed() {
        let cipher = FieldCipher::new(&[9u8; 32]).unwrap();
        assert_eq!(cipher.blind("x"), cipher.blind("x"));
        assert_ne!(cipher.blind("x"), cipher.blind("y"));
        assert_ne!(
            cipher.blind("x"),
            FieldCipher::new(&[8u8; 32]).unwrap().blind("x")
        );
        assert_eq!(cipher.blind("x").len(), 64);
    }

    #[test]
    fn phones_are_masked() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("12345"), "*****");
    }
}
