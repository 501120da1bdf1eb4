//! Spreadsheets for the import endpoints, written with rust_xlsxwriter.

/// A cell of a test sheet.
#[derive(Clone, Debug)]
pub enum Cell {
    S(String),
    N(f64),
    Empty,
}

/// The roster template's columns.
pub const ROSTER_HEADER: [&str; 10] = [
    "姓名",
    "证件类型",
    "证件号码",
    "手机号码",
    "职业编码",
    "等级",
    "文化程度",
    "工作年限",
    "学籍号",
    "毕业年份",
];

/// A clean roster row of a 居民身份证 holder for 电工 五级 (高中, 3 years' work).
pub fn roster_row(name: &str, id_number: &str, phone: &str) -> Vec<Cell> {
    vec![
        s(name),
        s("居民身份证"),
        s(id_number),
        s(phone),
        s("6-31-01-03"),
        Cell::N(5.0),
        s("高中"),
        Cell::N(3.0),
        Cell::Empty,
        Cell::Empty,
    ]
}

/// A text cell.
pub fn s(text: &str) -> Cell {
    Cell::S(text.to_owned())
}

/// An .xlsx file whose first sheet holds `rows` from its first row on.
pub fn xlsx_rows(rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let sheet = workbook.add_worksheet();
    for (r, row) in (0u32..).zip(rows) {
        for (col, value) in (0u16..).zip(row) {
            match value {
                Cell::S(text) => {
                    sheet.write_string(r, col, text).unwrap();
                }
                Cell::N(n) => {
                    sheet.write_number(r, col, *n).unwrap();
                }
                Cell::Empty => {}
            }
        }
    }
    workbook.save_to_buffer().unwrap()
}

/// The same with `header` as its first row, then `rows`.
pub fn xlsx(header: &[&str], rows: &[Vec<Cell>]) -> Vec<u8> {
    let mut all = Vec::with_capacity(rows.len() + 1);
    all.push(header.iter().map(|title| s(title)).collect());
    all.extend_from_slice(rows);
    xlsx_rows(&all)
}
