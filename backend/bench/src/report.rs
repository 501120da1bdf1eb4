//! `docs/benchmarks.md` is shared by the scenarios: each one owns a section between
//! `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` and replaces only that section, so running
//! one scenario keeps the others' latest figures (and any notes outside the markers).

use std::path::Path;

use crate::{BenchResult, err};

const TITLE: &str = "# skillcert — benchmark results\n\nWritten by `make bench` (see \
                     BENCHMARKS.md for the scenarios and targets); each scenario replaces only \
                     its own section.\n";

fn markers(name: &str) -> (String, String) {
    (
        format!("<!-- bench:{name} -->"),
        format!("<!-- /bench:{name} -->"),
    )
}

/// `document` with the section `name` set to `body`: replaced in place when present, appended
/// otherwise.
pub fn with_section(document: &str, name: &str, body: &str) -> String {
    let (open, close) = markers(name);
    let section = format!("{open}\n{}\n{close}", body.trim_end());
    if let Some(start) = document.find(&open)
        && let Some(end) = document[start..]
            .find(&close)
            .map(|i| start + i + close.len())
    {
        return format!("{}{section}{}", &document[..start], &document[end..]);
    }
    let mut out = if document.trim().is_empty() {
        TITLE.to_owned()
    } else {
        document.trim_end().to_owned()
    };
    out.push_str("\n\n");
    out.push_str(&section);
    out.push('\n');
    out
}

/// Replaces (or adds) the section `name` of the file at `path`.
pub fn write_section(path: &Path, name: &str, body: &str) -> BenchResult<()> {
    let document = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => return Err(err(e)),
    };
    std::fs::write(path, with_section(&document, name, body)).map_err(err)
}

/// Prints a scenario's section and, with `out`, writes it into that file.
pub fn publish(out: Option<&Path>, name: &str, section: &str) -> BenchResult<()> {
    println!("{section}");
    if let Some(out) = out {
        write_section(out, name, section)?;
        eprintln!("written to {}", out.display());
    }
    Ok(())
}

/// The combined table: the `<!-- summary: | … | -->` rows each scenario keeps in its section,
/// ordered S1 … S7, with the machine and commit of this run.
pub fn summary_table(document: &str) -> String {
    let mut rows: Vec<&str> = document
        .lines()
        .filter_map(|l| {
            l.trim()
                .strip_prefix("<!-- summary: ")?
                .strip_suffix(" -->")
        })
        .collect();
    rows.sort_by_key(|row| {
        row.trim_start_matches(['|', ' '])
            .get(..2)
            .map(str::to_owned)
    });
    let mut out = format!(
        "## Summary\n\nAll scenarios of BENCHMARKS.md, one row per scenario and backend, \
         from each scenario's latest run (details and conditions in its section below). \
         Machine: {}\n\n\
         | scenario | backend | figure | floor | ratio | p99 | serve RSS (idle / peak) | target |\n\
         |---|---|---|---|---|---|---|---|\n",
        crate::machine()
    );
    for row in rows {
        out.push_str(row);
        out.push('\n');
    }
    out
}

/// Prints the combined table and, with `out`, writes it as the file's first section.
pub fn summary(out: Option<&Path>) -> BenchResult<()> {
    let path = out.unwrap_or(Path::new("docs/benchmarks.md"));
    let document = std::fs::read_to_string(path).map_err(err)?;
    let table = summary_table(&document);
    println!("{table}");
    if out.is_some() {
        let (open, _) = markers("summary");
        let document = match (document.find(&open), document.find("<!-- bench:")) {
            // Not there yet: before the first scenario.
            (None, Some(first)) => format!(
                "{}{open}\n<!-- /bench:summary -->\n\n{}",
                &document[..first],
                &document[first..]
            ),
            _ => document,
        };
        std::fs::write(path, with_section(&document, "summary", &table)).map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_section_is_added_then_replaced_alone() {
        let one = with_section("", "S4", "## S4\n\nold");
        assert!(one.starts_with("# skillcert"));
        let two = with_section(&one, "S7", "## S7\n\nfirst");
        let three = with_section(&two, "S4", "## S4\n\nnew\n");
        assert!(three.contains("## S4\n\nnew\n<!-- /bench:S4 -->"));
        assert!(!three.contains("old"));
        assert!(three.contains("## S7\n\nfirst"));
        assert!(three.find("bench:S4").unwrap() < three.find("bench:S7").unwrap());
        assert_eq!(with_section(&three, "S4", "## S4\n\nnew"), three);
    }

    #[test]
    fn the_summary_orders_the_rows_by_scenario() {
        let doc = "<!-- summary: | S7 lookup | SQLite | 1 | 2 | 0.5 | 1 ms | 3 MiB | met | -->\n\
                   text\n<!-- summary: | S1 healthz | — | 1 | 2 | 0.5 | 1 ms | 3 MiB | met | -->";
        let table = summary_table(doc);
        assert!(table.find("| S1 healthz").unwrap() < table.find("| S7 lookup").unwrap());
    }
}
