//! Test 居民身份证号码 (GB 11643-1999): the check character computed here, independently of
//! the code under test.

/// A valid number from its first 17 digits (MOD 11-2 check character).
pub fn id_number(first17: &str) -> String {
    const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    assert_eq!(first17.len(), 17, "17 digits: {first17}");
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    let check = b"10X98765432"[(sum % 11) as usize] as char;
    format!("{first17}{check}")
}

/// The `n`-th test person (`n` < 1000), born 1990-01-01 in 郑州 (410105).
pub fn person(n: u32) -> String {
    born("19900101", n)
}

/// The `n`-th person (`n` < 1000) born on `yyyymmdd` in 郑州 (410105).
pub fn born(yyyymmdd: &str, n: u32) -> String {
    id_number(&format!("410105{yyyymmdd}{n:03}"))
}

/// A valid number different for every `n`, however large: born 1980-01-01 plus `n / 1000`
/// days, sequence `n % 1000` (郑州).
pub fn distinct_id(n: u32) -> String {
    let birth = time::macros::date!(1980 - 01 - 01) + time::Duration::days(i64::from(n / 1000));
    id_number(&format!(
        "410105{:04}{:02}{:02}{:03}",
        birth.year(),
        u8::from(birth.month()),
        birth.day(),
        n % 1000
    ))
}

/// `id` with a wrong check character.
pub fn wrong_check(id: &str) -> String {
    let (first17, last) = id.split_at(17);
    let wrong = if last == "0" { '1' } else { '0' };
    format!("{first17}{wrong}")
}
