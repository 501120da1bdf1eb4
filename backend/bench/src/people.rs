//! Synthetic people: person `p` has one fixed, valid 居民身份证 number (GB 11643 checksum), so
//! the seeded candidates, certificates, blacklist and the generated rosters can name the same
//! person on purpose and nobody else by accident.

use skillcert_domain::codecs::id_number::check_char;
use time::{Date, Duration, Month};

/// Henan county-level codes the numbers are spread over.
const REGIONS: [&str; 6] = ["410102", "410105", "410302", "410702", "411002", "410922"];
/// Sequence codes per (region, birth date).
const SEQUENCES: u64 = 1000;
/// Birth dates per region: 1960-01-01 plus up to 15,000 days (born 1960–2001).
const DAYS: u64 = 15_000;

fn base_birth() -> Date {
    Date::from_calendar_date(1960, Month::January, 1).unwrap_or(Date::MIN)
}

/// The ID number of person `p` (distinct for every `p` below 90,000,000).
pub fn id_number(p: u64) -> String {
    let seq = p % SEQUENCES;
    let day = (p / SEQUENCES) % DAYS;
    let region = REGIONS[((p / (SEQUENCES * DAYS)) as usize) % REGIONS.len()];
    let birth = base_birth() + Duration::days(day as i64);
    with_birth(region, birth, seq)
}

/// A number with a given birth date (the under-age rows).
pub fn id_number_born(birth: Date, seq: u64) -> String {
    with_birth(REGIONS[0], birth, seq % SEQUENCES)
}

fn with_birth(region: &str, birth: Date, seq: u64) -> String {
    let first17 = format!(
        "{region}{:04}{:02}{:02}{seq:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day()
    );
    let check = check_char(&first17).unwrap_or('X');
    format!("{first17}{check}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use skillcert_domain::codecs::IdNumber;

    #[test]
    fn numbers_are_valid_and_distinct() {
        let mut seen = std::collections::HashSet::new();
        for p in (0..3_000_000u64).step_by(997).chain([89_999_999]) {
            let n = id_number(p);
            assert!(IdNumber::parse(&n).is_ok(), "{p}: {n}");
            assert!(seen.insert(n), "{p} repeats");
        }
    }
}
