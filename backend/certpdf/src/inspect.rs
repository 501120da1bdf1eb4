//! Reading rendered PDFs back, for tests and the benchmark: text with `pdftotext`, the page
//! count with `pdfinfo` (both Debian `poppler-utils`), and QR codes by rendering a page with
//! `pdftoppm -r 200` and decoding it with `zbarimg` (`zbar-tools`). Behind the `inspect` feature.

use std::io;
use std::path::Path;
use std::process::Command;

fn run(command: &mut Command) -> io::Result<String> {
    let output = command.output()?;
    if !output.status.success() {
        return Err(io::Error::other(format!(
            "{command:?}: {}: {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    String::from_utf8(output.stdout).map_err(io::Error::other)
}

fn with_file<T>(pdf: &[u8], f: impl FnOnce(&Path, &Path) -> io::Result<T>) -> io::Result<T> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("doc.pdf");
    std::fs::write(&path, pdf)?;
    f(dir.path(), &path)
}

/// The PDF's text (`pdftotext -layout`, UTF-8).
pub fn text(pdf: &[u8]) -> io::Result<String> {
    with_file(pdf, |_, path| {
        run(Command::new("pdftotext")
            .args(["-enc", "UTF-8", "-layout"])
            .arg(path)
            .arg("-"))
    })
}

/// Its number of pages (`pdfinfo`).
pub fn pages(pdf: &[u8]) -> io::Result<usize> {
    with_file(pdf, |_, path| {
        let info = run(Command::new("pdfinfo").arg(path))?;
        info.lines()
            .find_map(|line| line.strip_prefix("Pages:"))
            .and_then(|n| n.trim().parse().ok())
            .ok_or_else(|| io::Error::other("pdfinfo printed no page count"))
    })
}

/// The QR codes found on page `page` (1-based), rendered at 200 dpi.
pub fn qr_codes(pdf: &[u8], page: usize) -> io::Result<Vec<String>> {
    with_file(pdf, |dir, path| {
        let prefix = dir.join("page");
        let page = page.to_string();
        run(Command::new("pdftoppm")
            .args(["-r", "200", "-png", "-singlefile", "-f", &page, "-l", &page])
            .arg(path)
            .arg(&prefix))?;
        let png = prefix.with_extension("png");
        let out = Command::new("zbarimg")
            .args(["--raw", "-q"])
            .arg(&png)
            .output()?;
        // zbarimg exits 4 when it finds no symbol.
        Ok(String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect())
    })
}
