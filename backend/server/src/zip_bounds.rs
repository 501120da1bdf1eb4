//! Decompression bounds for uploaded spreadsheets (ASVS 12.1.2). An .xlsx file is a zip
//! archive, and opening one with calamine inflates some of its parts whole (the shared strings,
//! the workbook), so a small upload could expand to gigabytes in memory before a row is read.
//! Before any spreadsheet reader sees the bytes, the archive's central directory is read and the
//! file refused when its parts declare more than [`MAX_EXPANDED_BYTES`] in all or more than
//! [`MAX_ENTRIES`] parts. The declared sizes bound what is inflated: the zip reader (zip 9,
//! which calamine reads with) fails an entry that inflates past its declared size.

use std::io::Cursor;

/// A 50,000-row roster expands to about 15 MiB; this leaves room for styles and images.
pub const MAX_EXPANDED_BYTES: u64 = 256 * 1024 * 1024;
/// Parts in one workbook (a real one has tens).
pub const MAX_ENTRIES: usize = 10_000;

/// Whether `bytes`, when it is a zip archive, stays within `max_bytes` and [`MAX_ENTRIES`]
/// expanded. Not a zip (an .xls, a .csv) or an unreadable one: true, the reader's own error
/// follows.
pub fn within(bytes: &[u8], max_bytes: u64) -> bool {
    let Ok(mut archive) = zip::ZipArchive::new(Cursor::new(bytes)) else {
        return true;
    };
    if archive.len() > MAX_ENTRIES {
        return false;
    }
    let mut total = 0u64;
    for i in 0..archive.len() {
        match archive.by_index_raw(i) {
            Ok(entry) => total = total.saturating_add(entry.size()),
            Err(_) => return true,
        }
        if total > max_bytes {
            return false;
        }
    }
    true
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
