//! What guards the public certificate lookup (SPEC §6): its rate limit per client network and
//! the certificates' verification codes.
//!
//! **Rate limit.** One budget per IPv4 address and per IPv6 /64 (a single subscriber line is
//! given a whole /64, so counting per address would hand one client 2^64 budgets). The budget is
//! a GCRA quota (`certificates.lookup_per_minute`, `certificates.lookup_burst`) in governor's
//! sharded keyed store; a check is one hash-map access. Entries whose allowance is full again
//! carry no information and are dropped by a sweep that runs on the blocking pool, at most once
//! per [`SWEEP_EVERY`] and only above [`SWEEP_ABOVE`] entries, so no request ever walks the map.
//! Bound: at most [`SWEEP_ABOVE`] entries, or else the client networks seen within the time an
//! allowance takes to refill (`lookup_burst × 60 / lookup_per_minute` s, 20 s by default) plus
//! [`SWEEP_EVERY`]; an entry takes about 64 bytes, so even 100,000 new networks a second stay
//! below 250 MB (docs/security.md).
//!
//! **Verification code.** The QR code on a certificate carries its number and a code that stands
//! in for the holder's name: the first 40 bits of HMAC-SHA256(number) under a key derived from
//! the certificate signing key, as 8 characters of Crockford base32. Derived, not stored: the same
//! in every process and after every restart, as long as the signing key is (a new signing key
//! changes the codes, as it changes the signatures). 40 bits under the rate limit cannot be
//! guessed, and the code names no one.

use std::net::{IpAddr, Ipv6Addr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use hmac::digest::KeyInit;
use hmac::digest::generic_array::GenericArray;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

type HmacSha256 = Hmac<Sha256>;

/// Below this many entries the limiter is never swept.
pub const SWEEP_ABOVE: usize = 10_000;
/// The least time between two sweeps.
pub const SWEEP_EVERY: Duration = Duration::from_secs(10);

/// Crockford's base32 alphabet: no I, L, O or U to misread.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters in a verification code (5 bits each).
pub const CODE_LEN: usize = 8;

pub struct PublicLookup {
    limiter: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    /// When the limiter was made; sweeps are timed from it.
    started: Instant,
    /// Milliseconds after `started` before which no sweep starts.
    next_sweep_ms: AtomicU64,
    codes: HmacSha256,
}

impl std::fmt::Debug for PublicLookup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PublicLookup(..)")
    }
}

/// The key a client is counted under: its IPv4 address, or its IPv6 address cut to the /64.
pub fn client_network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
        },
    }
}

/// HMAC-SHA256 under a 32-byte key: HMAC pads a short key with zeros to the 64-byte block, so
/// the padded key is the same key, and taking a full block cannot fail.
fn code_mac(key: &[u8; 32]) -> HmacSha256 {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    <HmacSha256 as KeyInit>::new(GenericArray::from_slice(&block))
}

impl PublicLookup {
    /// `signing_seed` is the certificate signing key's seed; the code key is derived from it.
    pub fn new(quota: Quota, signing_seed: &[u8; 32]) -> PublicLookup {
        let key: [u8; 32] = Sha256::new()
            .chain_update(b"skillcert/certificate/verification-code/v1")
            .chain_update(signing_seed)
            .finalize()
            .into();
        PublicLookup {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            started: Instant::now(),
            next_sweep_ms: AtomicU64::new(0),
            codes: code_mac(&key),
        }
    }

    /// Counts one lookup from `client`; `Err(seconds)` to wait when its network is over budget.
    pub fn check(&self, client: IpAddr) -> Result<(), u64> {
        self.sweep_if_due();
        self.limiter
            .check_key(&client_network(client))
            .map_err(|not_until| {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
            })
    }

    /// Entries the limiter holds now.
    pub fn tracked(&self) -> usize {
        self.limiter.len()
    }

    /// Starts a sweep on the blocking pool when the map is large and none ran lately; the
    /// request that starts it does not wait for it.
    fn sweep_if_due(&self) {
        if self.limiter.len() <= SWEEP_ABOVE {
            return;
        }
        let now = u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX);
        let due = self.next_sweep_ms.load(Ordering::Relaxed);
        let next = now.saturating_add(u64::try_from(SWEEP_EVERY.as_millis()).unwrap_or(0));
        if now < due
            || self
                .next_sweep_ms
                .compare_exchange(due, next, Ordering::Relaxed, Ordering::Relaxed)
                .is_err()
        {
            return;
        }
        let limiter = self.limiter.clone();
        let sweep = move || {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        };
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn_blocking(sweep);
            }
            Err(_) => sweep(),
        }
    }

    /// The verification code of a certificate number (upper case, as stored).
    pub fn code(&self, number: &str) -> String {
        let mut mac = self.codes.clone();
        mac.update(number.to_ascii_uppercase().as_bytes());
        let digest = mac.finalize().into_bytes();
        let mut bits = digest
            .iter()
            .take(5)
            .fold(0u64, |acc, byte| (acc << 8) | u64::from(*byte));
        let mut code = [0u8; CODE_LEN];
        for slot in code.iter_mut().rev() {
            *slot = ALPHABET[usize::from((bits & 31) as u8)];
            bits >>= 5;
        }
        code.iter().map(|b| char::from(*b)).collect()
    }

    /// Whether `given` is the code of `number`: case-insensitive, Crockford's O/I/L read as
    /// 0/1/1, compared in constant time.
    pub fn code_matches(&self, number: &str, given: &str) -> bool {
        let given: Vec<u8> = given
            .trim()
            .bytes()
            .filter(|b| *b != b'-')
            .map(|b| match b.to_ascii_uppercase() {
                b'O' => b'0',
                b'I' | b'L' => b'1',
                other => other,
            })
            .collect();
        let expected = self.code(number);
        given.len() == CODE_LEN
            && expected
                .bytes()
                .zip(given)
                .fold(0u8, |diff, (a, b)| diff | (a ^ b))
                == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::num::NonZeroU32;

    fn lookup(seed: u8) -> PublicLookup {
        let quota = Quota::per_minute(NonZeroU32::MIN).allow_burst(NonZeroU32::MIN);
        PublicLookup::new(quota, &[seed; 32])
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn ipv6_counts_per_64_and_ipv4_per_address() {
        assert_eq!(
            client_network(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")),
            ip("2001:db8:1:2::")
        );
        assert_eq!(client_network(ip("1.2.3.4")), ip("1.2.3.4"));
        assert_eq!(client_network(ip("::ffff:1.2.3.4")), ip("1.2.3.4"));
        let limit = lookup(1);
        assert!(limit.check(ip("2001:db8:1:2::1")).is_ok());
        // Same /64, other address: the same, spent budget.
        assert!(limit.check(ip("2001:db8:1:2::ffff")).is_err());
        // The neighbouring /64 and another IPv4 address have their own.
        assert!(limit.check(ip("2001:db8:1:3::1")).is_ok());
        assert!(limit.check(ip("1.2.3.4")).is_ok());
        assert!(limit.check(ip("1.2.3.5")).is_ok());
        assert_eq!(limit.tracked(), 4);
    }

    #[test]
    fn codes_are_stable_keyed_and_forgiving_to_type() {
        let a = lookup(1);
        // The padded block key is the 32-byte key.
        let mut mac = <HmacSha256 as Mac>::new_from_slice(&[7; 32]).unwrap();
        mac.update(b"x");
        let mut padded = code_mac(&[7; 32]);
        padded.update(b"x");
        assert_eq!(mac.finalize().into_bytes(), padded.finalize().into_bytes());
        let code = a.code("Y000041410001265000001");
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| ALPHABET.contains(&b)));
        assert_eq!(lookup(1).code("y000041410001265000001"), code);
        assert_ne!(lookup(2).code("Y000041410001265000001"), code);
        assert_ne!(a.code("Y000041410001265000002"), code);
        assert!(a.code_matches("Y000041410001265000001", &code.to_lowercase()));
        let misread = code.replace('0', "o").replace('1', "l");
        assert!(a.code_matches("Y000041410001265000001", &misread));
        assert!(!a.code_matches("Y000041410001265000002", &code));
        assert!(!a.code_matches("Y000041410001265000001", &code[..7]));
        assert!(!a.code_matches("Y000041410001265000001", ""));
    }
}
