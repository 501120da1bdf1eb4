//! Decompression and declared-count bounds for uploaded spreadsheets (ASVS 12.1.2). An .xlsx
//! file is a zip archive, and opening one with calamine inflates some of its parts whole (the
//! shared strings, the workbook), so a small upload could expand to gigabytes in memory before a
//! row is read. Before any spreadsheet reader sees the bytes, the archive's central directory is
//! read and the file refused when its parts declare more than [`MAX_EXPANDED_BYTES`] in all or
//! more than [`MAX_ENTRIES`] parts, or when a part's local header cannot be read (the reader
//! would then stop checking, and the parts behind it would go unchecked). The declared sizes
//! bound what is inflated: the zip reader (zip 9, which calamine reads with) fails an entry that
//! inflates past its declared size.
//!
//! calamine also reserves memory from what a part declares rather than from what it holds: the
//! shared-strings table reserves `uniqueCount` strings (24 bytes each) before reading one, so a
//! 1 KiB file declaring 10^14 strings asks for petabytes and the failed allocation aborts the
//! process. The `<sst>` element of every shared-strings part is read here, with the XML reader
//! calamine uses, and its `uniqueCount` checked against what the part can hold (an `<si/>` takes
//! at least five bytes) and [`MAX_SHARED_STRINGS`]. calamine reads nothing else to reserve
//! from: a sheet's `<dimension ref>` reserves at most 100,000 cells, and `count` is not read.

use std::io::{BufReader, Cursor, Read};

use quick_xml::events::Event;

/// A 50,000-row roster expands to about 15 MiB; this leaves room for styles and images.
pub const MAX_EXPANDED_BYTES: u64 = 256 * 1024 * 1024;
/// Parts in one workbook (a real one has tens).
pub const MAX_ENTRIES: usize = 10_000;
/// Distinct strings one workbook may declare: 100,000 rows of 20 distinct texts.
pub const MAX_SHARED_STRINGS: u64 = 2_000_000;
/// The shortest shared string, `<si/>`.
const MIN_SHARED_STRING_BYTES: u64 = 5;

/// Whether `bytes`, when it is a zip archive, stays within `max_bytes` and [`MAX_ENTRIES`]
/// expanded, every part's header reads, and every shared-strings table declares no more
/// strings than its part can hold. Not a zip (an .xls, a .csv): true, the reader's own error
/// follows.
pub fn within(bytes: &[u8], max_bytes: u64) -> bool {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return true;
    };
    if archive.len() > MAX_ENTRIES {
        return false;
    }
    let mut total = 0u64;
    let mut shared_strings = Vec::new();
    for i in 0..archive.len() {
        // An entry whose local header does not read is a refusal: calamine would stop at it or
        // skip it, and nothing here would have looked at the entries behind it.
        let Ok(entry) = archive.by_index_raw(i) else {
            return false;
        };
        total = total.saturating_add(entry.size());
        if total > max_bytes {
            return false;
        }
        // calamine looks the part up as `{dir}sharedStrings.xml`, case-insensitively.
        let Ok(name) = entry.name() else {
            return false;
        };
        if name
            .replace('\\', "/")
            .to_ascii_lowercase()
            .ends_with("sharedstrings.xml")
        {
            shared_strings.push(i);
        }
    }
    shared_strings
        .into_iter()
        .all(|i| match archive.by_index(i) {
            Ok(entry) => {
                let size = entry.size();
                declared_strings_within(entry, size)
            }
            Err(_) => false,
        })
}

/// Whether the first `<sst>` element of a shared-strings part (read from `part`, `size` bytes
/// declared) declares at most as many strings as the part can hold. Tokenized as calamine
/// tokenizes it, stopping at the same element; a part that ends or fails before one: true
/// (calamine fails on it the same way, before reserving anything).
fn declared_strings_within(part: impl Read, size: u64) -> bool {
    let most = (size / MIN_SHARED_STRING_BYTES).min(MAX_SHARED_STRINGS);
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(part));
    let config = xml.config_mut();
    config.check_end_names = false;
    config.trim_text(false);
    config.check_comments = false;
    config.expand_empty_elements = true;
    let mut buf = Vec::with_capacity(1024);
    loop {
        buf.clear();
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "sst" => {
                return counts_within(e.attributes_raw(), most);
            }
            Ok(Event::Eof) | Err(_) => return true,
            _ => {}
        }
    }
}

/// Whether every `uniqueCount="…"` in an element's raw attributes, read as calamine reads it
/// (decimal digits, an optional `+`), is at most `most`. Every occurrence is checked, not only
/// the one calamine would take, so the two need not agree on malformed attribute lists. A value
/// that is not a number reserves nothing.
fn counts_within(attributes: &str, most: u64) -> bool {
    attributes.match_indices("uniqueCount").all(|(at, key)| {
        let rest = attributes[at + key.len()..].trim_start();
        let Some(rest) = rest.strip_prefix('=') else {
            return true;
        };
        let rest = rest.trim_start();
        let Some(quote) = rest.chars().next().filter(|c| *c == '"' || *c == '\'') else {
            return true;
        };
        let value = rest[1..].split(quote).next().unwrap_or_default();
        count_within(value, most)
    })
}

fn count_within(value: &str, most: u64) -> bool {
    let digits = value.strip_prefix('+').unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|d| d.is_ascii_digit()) {
        return true;
    }
    let significant = digits.trim_start_matches('0').len();
    significant <= 19 && digits.parse::<u64>().is_ok_and(|n| n <= most)
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn zip_of(parts: &[(&str, usize)]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, size) in parts {
            writer.start_file(*name, options).unwrap();
            writer.write_all(&vec![b'a'; *size]).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn zip_with(parts: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in parts {
            writer.start_file(*name, options).unwrap();
            writer.write_all(body).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    fn sst(attrs: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><!-- <sst uniqueCount="1"> --><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" {attrs}><si><t>a</t></si><si><t>b</t></si></sst>"#
        )
        .into_bytes()
    }

    #[test]
    fn a_shared_strings_table_declaring_more_than_it_holds_is_refused() {
        let ok = zip_with(&[("xl/sharedStrings.xml", &sst(r#"count="2" uniqueCount="2""#))]);
        assert!(within(&ok, MAX_EXPANDED_BYTES));
        // The part is about 200 bytes: it cannot hold 100 strings of at least 5 bytes.
        for lie in [
            "100",
            "99999999999999",
            "+99999999999999",
            "184467440737095516160",
        ] {
            let attrs = format!(r#"count="2" uniqueCount="{lie}""#);
            let bomb = zip_with(&[("xl/sharedStrings.xml", &sst(&attrs))]);
            assert!(!within(&bomb, MAX_EXPANDED_BYTES), "{lie}");
            let elsewhere = zip_with(&[("XL\\Other/SharedStrings.XML", &sst(&attrs))]);
            assert!(!within(&elsewhere, MAX_EXPANDED_BYTES), "{lie}");
        }
        // Room for 2,000,001 strings, but more than any roster needs.
        let big = vec![b' '; 10_000_100];
        let mut part = sst(r#"uniqueCount="2000001""#);
        part.extend_from_slice(&big);
        assert!(!within(
            &zip_with(&[("xl/sharedStrings.xml", &part)]),
            MAX_EXPANDED_BYTES
        ));
        // Values calamine does not read as a number reserve nothing; `count` is not read.
        for harmless in [
            r#"uniqueCount="many""#,
            r#"uniqueCount="""#,
            r#"count="99999999999""#,
        ] {
            let file = zip_with(&[("xl/sharedStrings.xml", &sst(harmless))]);
            assert!(within(&file, MAX_EXPANDED_BYTES), "{harmless}");
        }
        // Another part may say what it likes.
        let other = zip_with(&[(
            "xl/worksheets/sheet1.xml",
            &sst(r#"uniqueCount="99999999999""#),
        )]);
        assert!(within(&other, MAX_EXPANDED_BYTES));
    }

    #[test]
    fn an_entry_whose_local_header_does_not_read_is_refused() {
        let file = zip_of(&[("docProps/app.xml", 10), ("xl/sharedStrings.xml", 100)]);
        assert!(within(&file, MAX_EXPANDED_BYTES));
        let mut broken = file.clone();
        broken[..4].copy_from_slice(b"XXXX");
        assert!(!within(&broken, MAX_EXPANDED_BYTES));
    }

    #[test]
    fn archives_expanding_past_the_bound_are_refused() {
        let bomb = zip_of(&[("xl/sharedStrings.xml", 3 << 20), ("xl/workbook.xml", 10)]);
        assert!(bomb.len() < 64 * 1024, "{} bytes compressed", bomb.len());
        assert!(!within(&bomb, 2 << 20));
        assert!(within(&bomb, 4 << 20));
    }

    #[test]
    fn too_many_parts_are_refused_and_non_zips_pass_to_their_reader() {
        let names: Vec<String> = (0..=MAX_ENTRIES).map(|i| format!("p{i}")).collect();
        let parts: Vec<(&str, usize)> = names.iter().map(|n| (n.as_str(), 0)).collect();
        assert!(!within(&zip_of(&parts), MAX_EXPANDED_BYTES));
        assert!(within(b"\xD0\xCF\x11\xE0 an old .xls", MAX_EXPANDED_BYTES));
        assert!(within("姓名,证件号码\n".as_bytes(), MAX_EXPANDED_BYTES));
    }
}
