//! Roster files (考生花名册, SPEC §5): reading an uploaded .xlsx, .xls or .csv row by row into
//! validated candidates, and writing the template and the export.
//!
//! Reading streams: an .xlsx sheet is read cell by cell from its XML (`XlsxCellReader`), a CSV
//! record by record from the decoded text, and each row is validated as soon as it is complete,
//! so the sheet is never held as a grid beside the candidates made from it (a legacy .xls is
//! the exception: calamine decodes it whole). Every bad row is reported with its Excel row
//! number (header = row 1), the column's header and a stable reason code with a Chinese
//! message. The ID column must be text: a number there has lost digits (Excel keeps 15
//! significant digits) and is refused as `id_stored_as_number`, never repaired.
//!
//! Pure apart from `candidates::validate` (which encrypts and blinds): no IO, no database; the
//! route module (`routes::roster`) loads the batch and the catalogue and writes the result.

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::io::Cursor;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use calamine::{Data, DataRef, Reader, SheetType, Xls, Xlsx};
use rust_xlsxwriter::{DataValidation, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use serde::{Deserialize, Serialize};
use serde_json::json;
use skillcert_domain::Level;
use skillcert_domain::codecs::{IdNumber, OccupationCode};
use skillcert_domain::rules::{RuleCode, Violation};
use utoipa::ToSchema;

use crate::batches::Loaded;
use crate::candidates::{self, CandidateInput, NewCandidate};
use crate::error::ApiError;
use crate::state::AppState;

/// Files of at most this many data rows are imported within the request (201); larger ones
/// run as a background job with a progress endpoint (202).
pub const MAX_SYNC_ROWS: usize = 2_000;
/// The most data rows one file may carry.
pub const MAX_ROWS: usize = 100_000;

/// The sample row of the template. A row exactly like it is skipped on import, so a template
/// filled in below the sample imports cleanly. 11010519491231002X is the worked example of
/// GB 11643-1999, not a person.
pub const SAMPLE_NAME: &str = "示例（导入时自动忽略此行）";
pub const SAMPLE_ID: &str = "11010519491231002X";

// ---------------------------------------------------------------------------------------------
// Columns
// ---------------------------------------------------------------------------------------------

/// A roster column: one field of [`CandidateInput`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    IdType,
    IdNumber,
    Phone,
    OccupationCode,
    Level,
    Education,
    WorkYears,
    StudentNo,
    GraduationYear,
}

impl Field {
    /// In template order.
    pub const ALL: [Field; 10] = [
        Field::Name,
        Field::IdType,
        Field::IdNumber,
        Field::Phone,
        Field::OccupationCode,
        Field::Level,
        Field::Education,
        Field::WorkYears,
        Field::StudentNo,
        Field::GraduationYear,
    ];

    /// The Chinese header (the column name in reports).
    pub const fn header(self) -> &'static str {
        match self {
            Field::Name => "姓名",
            Field::IdType => "证件类型",
            Field::IdNumber => "证件号码",
            Field::Phone => "手机号码",
            Field::OccupationCode => "职业编码",
            Field::Level => "等级",
            Field::Education => "文化程度",
            Field::WorkYears => "工作年限",
            Field::StudentNo => "学籍号",
            Field::GraduationYear => "毕业年份",
        }
    }

    /// The JSON field of the candidate API.
    pub const fn api_name(self) -> &'static str {
        match self {
            Field::Name => "name",
            Field::IdType => "id_type",
            Field::IdNumber => "id_number",
            Field::Phone => "phone",
            Field::OccupationCode => "occupation_code",
            Field::Level => "level",
            Field::Education => "education",
            Field::WorkYears => "work_years",
            Field::StudentNo => "student_no",
            Field::GraduationYear => "graduation_year",
        }
    }

    /// A file must have these columns; every row must fill them.
    pub const fn required(self) -> bool {
        matches!(
            self,
            Field::Name | Field::IdNumber | Field::OccupationCode | Field::Level
        )
    }

    const fn index(self) -> usize {
        self as usize
    }

    fn from_header(text: &str) -> Option<Field> {
        let text = normalise_header(text);
        Field::ALL
            .into_iter()
            .find(|f| f.header() == text)
            .or(match text {
                "身份证号码" | "身份证号" | "证件号" => Some(Field::IdNumber),
                "手机号" | "联系电话" | "电话" => Some(Field::Phone),
                "职业代码" => Some(Field::OccupationCode),
                "级别" | "技能等级" | "职业技能等级" => Some(Field::Level),
                "学历" => Some(Field::Education),
                _ => None,
            })
    }

    fn from_api_name(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.api_name() == name)
    }
}

/// `*姓名`, ` 姓名（必填）` → `姓名`.
fn normalise_header(text: &str) -> &str {
    let mut text = text.trim().trim_matches(['*', '＊']).trim();
    for suffix in ["（必填）", "(必填)", "（选填）", "(选填)"] {
        if let Some(stripped) = text.strip_suffix(suffix) {
            text = stripped.trim_end();
        }
    }
    text.trim_matches(['*', '＊']).trim()
}

/// Other names rosters use for the ID types of [`candidates::ID_TYPES`].
const ID_TYPE_ALIASES: [(&str, &str); 8] = [
    ("身份证", "resident_id"),
    ("居民身份证号码", "resident_id"),
    ("港澳通行证", "hk_macao_permit"),
    ("回乡证", "hk_macao_permit"),
    ("台湾通行证", "taiwan_permit"),
    ("台胞证", "taiwan_permit"),
    ("外国人永久居留证", "foreigner_permit"),
    ("外国人永久居留身份证件", "foreigner_permit"),
];

fn id_type_code(text: &str) -> Option<&'static str> {
    candidates::ID_TYPES
        .iter()
        .find(|(code, name)| *code == text || *name == text)
        .map(|(code, _)| *code)
        .or_else(|| {
            ID_TYPE_ALIASES
                .iter()
                .find(|(alias, _)| *alias == text)
                .map(|(_, code)| *code)
        })
}

fn id_type_names() -> Vec<&'static str> {
    candidates::ID_TYPES.iter().map(|(_, name)| *name).collect()
}

/// The Chinese name of an ID type code (exports), or the code itself.
pub fn id_type_name(code: &str) -> &str {
    candidates::ID_TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or(code, |(_, name)| *name)
}

/// `5`, `5级`, `五级`, `五级/初级工`, `初级工` … → a level.
fn parse_level(text: &str) -> Option<Level> {
    let text = text.trim();
    if let Some(level) = Level::ALL.iter().find(|l| l.name_zh() == text) {
        return Some(*level);
    }
    let head = text.split(['/', '／']).next().unwrap_or(text).trim();
    let head = head.strip_suffix('级').unwrap_or(head).trim();
    let number = match head {
        "1" | "一" | "高级技师" => 1,
        "2" | "二" | "技师" => 2,
        "3" | "三" | "高级工" => 3,
        "4" | "四" | "中级工" => 4,
        "5" | "五" | "初级工" => 5,
        _ => return None,
    };
    Level::try_from(number).ok()
}

// ---------------------------------------------------------------------------------------------
// Cells and rows
// ---------------------------------------------------------------------------------------------

/// One cell as read from any of the formats.
#[derive(Debug, Clone, Default, PartialEq)]
enum Cell {
    #[default]
    Empty,
    Text(String),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// A number with a date format: still a number.
    Date(f64),
    Error,
}

impl Cell {
    fn from_data_ref(value: DataRef<'_>) -> Cell {
        match value {
            DataRef::Empty => Cell::Empty,
            DataRef::String(s) => Cell::text(s),
            DataRef::SharedString(s) => Cell::text(s.to_owned()),
            DataRef::Int(i) => Cell::Int(i),
            DataRef::Float(f) => Cell::Float(f),
            DataRef::Bool(b) => Cell::Bool(b),
            DataRef::DateTime(d) => Cell::Date(d.as_f64()),
            DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => Cell::text(s),
            DataRef::Error(_) => Cell::Error,
        }
    }

    fn from_data(value: &Data) -> Cell {
        match value {
            Data::Empty => Cell::Empty,
            Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => Cell::text(s.clone()),
            Data::Int(i) => Cell::Int(*i),
            Data::Float(f) => Cell::Float(*f),
            Data::Bool(b) => Cell::Bool(*b),
            Data::DateTime(d) => Cell::Date(d.as_f64()),
            Data::Error(_) => Cell::Error,
        }
    }

    fn text(s: String) -> Cell {
        if s.trim().is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s)
        }
    }

    fn is_empty(&self) -> bool {
        matches!(self, Cell::Empty)
    }

    fn is_number(&self) -> bool {
        matches!(self, Cell::Int(_) | Cell::Float(_) | Cell::Date(_))
    }

    /// The cell as text: numbers without a spurious `.0`.
    fn as_text(&self) -> Option<Cow<'_, str>> {
        match self {
            Cell::Empty | Cell::Error => None,
            Cell::Text(s) => Some(Cow::Borrowed(s.trim())),
            Cell::Int(i) => Some(Cow::Owned(i.to_string())),
            Cell::Float(f) | Cell::Date(f) => {
                Some(Cow::Owned(if f.fract() == 0.0 && f.abs() < 1e15 {
                    format!("{}", *f as i64)
                } else {
                    f.to_string()
                }))
            }
            Cell::Bool(b) => Some(Cow::Borrowed(if *b { "TRUE" } else { "FALSE" })),
        }
    }
}

/// One bad row (or, with no row, the file itself), as reported and stored in the import job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct RowIssue {
    /// The Excel row number (header = 1); null for a problem with the whole file.
    pub row: Option<u32>,
    /// The column's header (e.g. `证件号码`); null when no single column is at fault.
    pub column: Option<String>,
    /// Stable: `missing_field`, `id_stored_as_number`, `legacy_15_digit`, `bad_checksum` (and
    /// the other ID number reasons: `wrong_length`, `not_digit`, `invalid_check_char`,
    /// `unknown_province`, `invalid_birth_date`, `birth_year_before_1900`),
    /// `invalid_occupation_code`, `unknown_occupation`, `not_in_batch`, `invalid_level`,
    /// `unknown_id_type`, `invalid_number`, `cell_error`, `duplicate_row`,
    /// `already_registered` (the person is registered in the batch for this occupation and
    /// level already), or a candidate validation reason.
    pub reason: String,
    /// Chinese.
    pub message: String,
}

impl RowIssue {
    fn at(row: u32, field: Field, reason: &str, message: impl Into<String>) -> RowIssue {
        RowIssue {
            row: Some(row),
            column: Some(field.header().to_owned()),
            reason: reason.to_owned(),
            message: message.into(),
        }
    }

    /// The API violation: `rows[17].证件号码`, details `{row, column, reason}`.
    pub fn violation(&self) -> Violation {
        let field = match (self.row, &self.column) {
            (Some(row), Some(column)) => format!("rows[{row}].{column}"),
            (Some(row), None) => format!("rows[{row}]"),
            (None, _) => "file".to_owned(),
        };
        let message = match self.row {
            Some(row) => format!("第 {row} 行：{}", self.message),
            None => self.message.clone(),
        };
        Violation::new(RuleCode::Validation, message)
            .field(field)
            .details(json!({ "row": self.row, "column": self.column, "reason": self.reason }))
    }
}

/// Why a file cannot be read at all.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FileError {
    #[error("只支持 .xlsx、.xls 与 .csv 花名册文件")]
    Unsupported,
    #[error("文件无法读取：{0}")]
    Unreadable(&'static str),
    #[error("文件中没有工作表")]
    NoSheet,
    #[error("文件中没有表头行")]
    NoHeader,
    #[error("文件中没有考生数据行")]
    NoRows,
    #[error("表头缺少必需的列：{}", .0.join("、"))]
    MissingColumns(Vec<&'static str>),
    #[error("表头中“{0}”列出现了不止一次")]
    DuplicateColumn(&'static str),
    #[error("一个文件最多 {MAX_ROWS} 行考生数据，请拆分后分批导入")]
    TooManyRows,
}

impl FileError {
    pub const fn reason(&self) -> &'static str {
        match self {
            FileError::Unsupported => "unsupported_file",
            FileError::Unreadable(_) => "unreadable_file",
            FileError::NoSheet => "no_sheet",
            FileError::NoHeader => "no_header",
            FileError::NoRows => "no_rows",
            FileError::MissingColumns(_) => "missing_columns",
            FileError::DuplicateColumn(_) => "duplicate_column",
            FileError::TooManyRows => "too_many_rows",
        }
    }

    /// As stored in a job's `errors`.
    pub fn issue(&self) -> RowIssue {
        RowIssue {
            row: None,
            column: None,
            reason: self.reason().to_owned(),
            message: self.to_string(),
        }
    }
}

impl From<FileError> for ApiError {
    fn from(err: FileError) -> Self {
        match err {
            FileError::Unsupported => ApiError::UnsupportedMediaType(err.to_string()),
            other => {
                let details = match &other {
                    FileError::MissingColumns(missing) => {
                        json!({ "reason": other.reason(), "missing": missing })
                    }
                    _ => json!({ "reason": other.reason() }),
                };
                ApiError::Unprocessable(vec![
                    Violation::new(RuleCode::Validation, other.to_string())
                        .field("file")
                        .details(details),
                ])
            }
        }
    }
}

/// The file formats a roster may come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileFormat {
    Xlsx,
    Xls,
    Csv,
}

impl FileFormat {
    /// By content first (a renamed file still reads), then by the name's extension.
    pub fn detect(bytes: &[u8], file_name: &str) -> Result<FileFormat, FileError> {
        const ZIP: &[u8] = b"PK\x03\x04";
        const CFB: &[u8] = &[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
        if bytes.starts_with(ZIP) {
            return Ok(FileFormat::Xlsx);
        }
        if bytes.starts_with(CFB) {
            return Ok(FileFormat::Xls);
        }
        let extension = file_name
            .rsplit_once('.')
            .map(|(_, ext)| ext.to_ascii_lowercase())
            .unwrap_or_default();
        match extension.as_str() {
            "xlsx" | "xls" => Err(FileError::Unreadable("不是有效的 Excel 文件")),
            "csv" | "txt" | "" => {
                let binary =
                    bytes.iter().take(4096).any(|b| *b == 0) && !bytes.starts_with(&[0xFF, 0xFE]);
                if binary {
                    Err(FileError::Unsupported)
                } else {
                    Ok(FileFormat::Csv)
                }
            }
            _ => Err(FileError::Unsupported),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Validation of rows
// ---------------------------------------------------------------------------------------------

/// What rows are checked against.
pub struct RowContext<'a> {
    pub state: &'a AppState,
    pub batch: &'a Loaded,
    /// Occupation codes of the catalogue (职业分类大典).
    pub catalogue: HashSet<String>,
}

/// The result of reading a file.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Data rows read (blank rows and the template's sample row not counted).
    pub rows: usize,
    pub good: Vec<NewCandidate>,
    /// The Excel row number of each of `good`, in the same order.
    pub good_rows: Vec<u32>,
    /// Every bad row, in file order.
    pub issues: Vec<RowIssue>,
}

impl Outcome {
    /// Moves the good rows whose (blind index, occupation, level) is in `registered` — people
    /// already registered in the batch for that occupation and level — to the bad rows as
    /// `already_registered` (SPEC §5: importing the same file twice registers nobody twice).
    /// The bad rows stay in file order. How many rows moved.
    pub fn refuse_registered(&mut self, registered: &HashSet<(String, String, i16)>) -> usize {
        if registered.is_empty() {
            return 0;
        }
        let good = std::mem::take(&mut self.good);
        let rows = std::mem::take(&mut self.good_rows);
        let mut refused = Vec::new();
        for (candidate, row) in good.into_iter().zip(rows) {
            let key = (
                candidate.id_blind.clone(),
                candidate.occupation_code.clone(),
                candidate.level,
            );
            if registered.contains(&key) {
                refused.push(RowIssue::at(
                    row,
                    Field::IdNumber,
                    "already_registered",
                    "此人已在本批次报名同一职业（工种）等级，不能重复报名",
                ));
            } else {
                self.good.push(candidate);
                self.good_rows.push(row);
            }
        }
        let moved = refused.len();
        if moved > 0 {
            self.issues.extend(refused);
            // Stable: a row's own issues keep their order; the file-level ones (no row) first.
            self.issues.sort_by_key(|issue| issue.row);
        }
        moved
    }
}

/// How many required columns there are.
const REQUIRED: usize = 4;
/// Title rows tolerated above the header.
const MAX_TITLE_ROWS: usize = 5;

struct Collector<'c, 'a> {
    ctx: &'c RowContext<'a>,
    progress: &'c AtomicUsize,
    /// The last row number the file declares (1-based), if it does.
    last_row: Option<u32>,
    /// Told the estimated number of data rows once the header has been read.
    on_total: Option<Box<dyn FnOnce(Option<usize>) + 'c>>,
    /// Column index → field, once the header row is read.
    header: Option<Vec<Option<Field>>>,
    /// Title rows above the header (e.g. a merged 「××考生花名册」 row), skipped so far, and why
    /// the first of them was not the header.
    titles: usize,
    not_header: Option<FileError>,
    /// Batch lines (occupation, level).
    lines: HashSet<(String, i16)>,
    /// (blind index, occupation, level) → first row, for `duplicate_row`.
    seen: HashMap<(String, String, i16), u32>,
    out: Outcome,
}

impl<'c, 'a> Collector<'c, 'a> {
    fn new(
        ctx: &'c RowContext<'a>,
        progress: &'c AtomicUsize,
        on_total: Box<dyn FnOnce(Option<usize>) + 'c>,
    ) -> Self {
        let lines = ctx
            .batch
            .occupations
            .iter()
            .map(|line| (line.occupation_code.clone(), line.level))
            .collect();
        Collector {
            ctx,
            progress,
            last_row: None,
            on_total: Some(on_total),
            header: None,
            titles: 0,
            not_header: None,
            lines,
            seen: HashMap::new(),
            out: Outcome::default(),
        }
    }

    /// One row: its Excel number and its cells by column index (0 = A).
    fn row(&mut self, row_no: u32, cells: Vec<(u32, Cell)>) -> Result<(), FileError> {
        if cells.iter().all(|(_, c)| c.is_empty()) {
            return Ok(());
        }
        let Some(header) = &self.header else {
            match read_header(&cells) {
                Ok(header) => self.header = Some(header),
                // A row naming no column at all is a title above the header.
                Err(FileError::MissingColumns(missing))
                    if missing.len() == REQUIRED && self.titles < MAX_TITLE_ROWS =>
                {
                    self.titles += 1;
                    self.not_header
                        .get_or_insert(FileError::MissingColumns(missing));
                    return Ok(());
                }
                Err(e) => return Err(e),
            }
            if let Some(on_total) = self.on_total.take() {
                on_total(
                    self.last_row
                        .map(|last| last.saturating_sub(row_no) as usize),
                );
            }
            return Ok(());
        };
        let mut fields: [Cell; 10] = Default::default();
        for (col, cell) in cells {
            if let Some(Some(field)) = usize::try_from(col).ok().and_then(|c| header.get(c)) {
                fields[field.index()] = cell;
            }
        }
        if is_sample(&fields) {
            return Ok(());
        }
        if self.out.rows >= MAX_ROWS {
            return Err(FileError::TooManyRows);
        }
        self.out.rows += 1;
        match self.check(row_no, &fields) {
            Ok(candidate) => {
                self.out.good.push(candidate);
                self.out.good_rows.push(row_no);
            }
            Err(issues) => self.out.issues.extend(issues),
        }
        self.progress.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    fn finish(self) -> Result<Outcome, FileError> {
        if self.header.is_none() {
            return Err(self.not_header.unwrap_or(FileError::NoHeader));
        }
        if self.out.rows == 0 {
            return Err(FileError::NoRows);
        }
        Ok(self.out)
    }

    /// Checks one row; every problem of the row's own columns at once.
    fn check(&mut self, row: u32, cells: &[Cell; 10]) -> Result<NewCandidate, Vec<RowIssue>> {
        let mut issues = Vec::new();
        for field in Field::ALL {
            let cell = &cells[field.index()];
            if matches!(cell, Cell::Error) {
                issues.push(RowIssue::at(
                    row,
                    field,
                    "cell_error",
                    format!(
                        "“{}”单元格是错误值（如 #N/A），请填写实际内容",
                        field.header()
                    ),
                ));
            } else if field.required() && cell.is_empty() {
                issues.push(RowIssue::at(
                    row,
                    field,
                    "missing_field",
                    format!("“{}”不能为空", field.header()),
                ));
            }
        }
        let text = |field: Field| cells[field.index()].as_text();
        let at_fault = |issues: &Vec<RowIssue>, field: Field| {
            issues
                .iter()
                .any(|i| i.column.as_deref() == Some(field.header()))
        };

        let name = text(Field::Name).map(Cow::into_owned).unwrap_or_default();
        let id_type = match text(Field::IdType) {
            None => "resident_id",
            Some(value) => match id_type_code(&value) {
                Some(code) => code,
                None => {
                    issues.push(RowIssue::at(
                        row,
                        Field::IdType,
                        "unknown_id_type",
                        format!(
                            "未知的证件类型“{value}”，应为{}之一",
                            id_type_names().join("、")
                        ),
                    ));
                    "resident_id"
                }
            },
        };

        let id_cell = &cells[Field::IdNumber.index()];
        let mut id_number = String::new();
        if id_cell.is_number() {
            issues.push(RowIssue::at(
                row,
                Field::IdNumber,
                "id_stored_as_number",
                "证件号码被存成了数字，末位已丢失；请把该列设为“文本”格式后重新填写号码",
            ));
        } else if let Some(value) = id_cell.as_text() {
            let value = unwrap_forced_text(&value);
            if looks_like_scientific(value) {
                issues.push(RowIssue::at(
                    row,
                    Field::IdNumber,
                    "id_stored_as_number",
                    "证件号码显示为科学计数法，末位已丢失；请把该列设为“文本”格式后重新填写号码",
                ));
            } else if id_type == "resident_id" {
                match IdNumber::parse(value) {
                    Ok(id) => id_number = id.expose().to_owned(),
                    Err(e) => issues.push(RowIssue::at(
                        row,
                        Field::IdNumber,
                        e.reason(),
                        e.to_string(),
                    )),
                }
            } else {
                id_number = value.to_owned();
            }
        }

        let level = match text(Field::Level) {
            None => None,
            Some(value) => match parse_level(&value) {
                Some(level) => Some(level),
                None => {
                    issues.push(RowIssue::at(
                        row,
                        Field::Level,
                        "invalid_level",
                        format!(
                            "等级“{value}”无效，应为 1–5（1 为一级/高级技师，5 为五级/初级工）"
                        ),
                    ));
                    None
                }
            },
        };

        let occupation = match text(Field::OccupationCode) {
            None => None,
            Some(value) => match OccupationCode::parse(&value) {
                Err(e) => {
                    issues.push(RowIssue::at(
                        row,
                        Field::OccupationCode,
                        "invalid_occupation_code",
                        e.to_string(),
                    ));
                    None
                }
                Ok(code) if !self.ctx.catalogue.contains(code.as_str()) => {
                    issues.push(RowIssue::at(
                        row,
                        Field::OccupationCode,
                        "unknown_occupation",
                        format!("职业编码 {code} 不在职业目录中"),
                    ));
                    None
                }
                Ok(code) => Some(code),
            },
        };
        if let Some(code) = &occupation {
            if !self.lines.iter().any(|(c, _)| c == code.as_str()) {
                issues.push(RowIssue::at(
                    row,
                    Field::OccupationCode,
                    "not_in_batch",
                    format!("职业 {code} 不在本批次的认定计划内"),
                ));
            } else if let Some(level) = level
                && !self
                    .lines
                    .contains(&(code.as_str().to_owned(), i16::from(level.number())))
            {
                issues.push(RowIssue::at(
                    row,
                    Field::Level,
                    "not_in_batch",
                    format!("本批次未计划职业 {code} 的{}", level.name_zh()),
                ));
            }
        }

        let mut integer = |field: Field| -> Option<i32> {
            let cell = &cells[field.index()];
            let value = cell.as_text()?;
            match value.parse::<i32>() {
                Ok(n) => Some(n),
                Err(_) => {
                    issues.push(RowIssue::at(
                        row,
                        field,
                        "invalid_number",
                        format!("“{}”应为整数，收到“{value}”", field.header()),
                    ));
                    None
                }
            }
        };
        let work_years = integer(Field::WorkYears);
        let graduation_year = integer(Field::GraduationYear);

        let (Some(occupation), Some(level), true) = (occupation, level, issues.is_empty()) else {
            return Err(issues);
        };
        let owned = |field: Field| text(field).map(Cow::into_owned);
        let input = CandidateInput {
            name,
            id_type: id_type.to_owned(),
            id_number,
            phone: owned(Field::Phone),
            occupation_code: occupation.as_str().to_owned(),
            level: level.number(),
            education: owned(Field::Education),
            work_years,
            student_no: owned(Field::StudentNo),
            graduation_year,
        };
        let candidate =
            candidates::validate(self.ctx.state, self.ctx.batch, &input).map_err(|violations| {
                let mut issues = Vec::new();
                for v in violations {
                    let field = v.field.as_deref().and_then(Field::from_api_name);
                    if let Some(field) = field
                        && at_fault(&issues, field)
                    {
                        continue;
                    }
                    issues.push(RowIssue {
                        row: Some(row),
                        column: field.map(|f| f.header().to_owned()),
                        reason: v.details["reason"].as_str().unwrap_or("invalid").to_owned(),
                        message: v.message,
                    });
                }
                if issues.is_empty() {
                    issues.push(RowIssue {
                        row: Some(row),
                        column: None,
                        reason: "invalid".to_owned(),
                        message: "该行数据不合法".to_owned(),
                    });
                }
                issues
            })?;
        let key = (
            candidate.id_blind.clone(),
            candidate.occupation_code.clone(),
            candidate.level,
        );
        if let Some(first) = self.seen.get(&key) {
            return Err(vec![RowIssue::at(
                row,
                Field::IdNumber,
                "duplicate_row",
                format!("与第 {first} 行是同一人报同一职业等级，重复"),
            )]);
        }
        self.seen.insert(key, row);
        Ok(candidate)
    }
}

fn read_header(cells: &[(u32, Cell)]) -> Result<Vec<Option<Field>>, FileError> {
    let width = cells
        .iter()
        .map(|(col, _)| *col as usize + 1)
        .max()
        .unwrap_or(0);
    let mut header = vec![None; width];
    let mut found = HashSet::new();
    for (col, cell) in cells {
        let Some(field) = cell.as_text().and_then(|t| Field::from_header(&t)) else {
            continue;
        };
        if !found.insert(field) {
            return Err(FileError::DuplicateColumn(field.header()));
        }
        header[*col as usize] = Some(field);
    }
    let missing: Vec<&'static str> = Field::ALL
        .into_iter()
        .filter(|f| f.required() && !found.contains(f))
        .map(Field::header)
        .collect();
    if !missing.is_empty() {
        return Err(FileError::MissingColumns(missing));
    }
    Ok(header)
}

fn is_sample(cells: &[Cell; 10]) -> bool {
    cells[Field::Name.index()].as_text().as_deref() == Some(SAMPLE_NAME)
        && cells[Field::IdNumber.index()].as_text().as_deref() == Some(SAMPLE_ID)
}

/// `'110105…` and `="110105…"` are the usual ways to force text in a spreadsheet.
fn unwrap_forced_text(value: &str) -> &str {
    let value = value.trim();
    if let Some(inner) = value
        .strip_prefix("=\"")
        .and_then(|rest| rest.strip_suffix('"'))
    {
        return inner.trim();
    }
    value.strip_prefix('\'').unwrap_or(value).trim()
}

/// `1.10105E+17`: how a CSV saved from Excel shows a long number.
fn looks_like_scientific(value: &str) -> bool {
    let Some((mantissa, exponent)) = value.split_once(['E', 'e']) else {
        return false;
    };
    let exponent = exponent.strip_prefix('+').unwrap_or(exponent);
    !mantissa.is_empty()
        && mantissa.chars().all(|c| c.is_ascii_digit() || c == '.')
        && mantissa.chars().filter(|c| *c == '.').count() <= 1
        && !exponent.is_empty()
        && exponent.chars().all(|c| c.is_ascii_digit())
}

// ---------------------------------------------------------------------------------------------
// Reading the formats
// ---------------------------------------------------------------------------------------------

/// Reads and checks every row of `file`. Once the header row has been read and found
/// complete, `on_total` is told how many data rows the file declares (an estimate: blank rows
/// count until they are read), or `None` when it does not say; it is not called when the file
/// or its header is unusable. `progress` counts the data rows read so far.
pub fn read<'c>(
    file: Bytes,
    format: FileFormat,
    ctx: &'c RowContext<'_>,
    progress: &'c AtomicUsize,
    on_total: impl FnOnce(Option<usize>) + 'c,
) -> Result<Outcome, FileError> {
    let mut collector = Collector::new(ctx, progress, Box::new(on_total));
    match format {
        FileFormat::Xlsx => read_xlsx(file, &mut collector)?,
        FileFormat::Xls => read_xls(file, &mut collector)?,
        FileFormat::Csv => read_csv(file, &mut collector)?,
    }
    collector.finish()
}

fn read_xlsx(file: Bytes, collector: &mut Collector<'_, '_>) -> Result<(), FileError> {
    if !crate::zip_bounds::within(&file, crate::zip_bounds::MAX_EXPANDED_BYTES) {
        return Err(FileError::Unreadable(
            "文件解压后过大（超过 256 MiB）、部件过多、声明的内容多于文件所含或结构已损坏，不像是正常的花名册",
        ));
    }
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(file))
        .map_err(|_| FileError::Unreadable("不是有效的 .xlsx 文件，或文件已加密"))?;
    let name = workbook
        .sheets_metadata()
        .iter()
        .find(|sheet| sheet.typ == SheetType::WorkSheet)
        .map(|sheet| sheet.name.clone())
        .ok_or(FileError::NoSheet)?;
    let mut cells = workbook
        .worksheet_cells_reader(&name)
        .map_err(|_| FileError::Unreadable("工作表内容无法解析"))?;
    let dimensions = cells.dimensions();
    collector.last_row =
        (dimensions != calamine::Dimensions::default()).then_some(dimensions.end.0 + 1);
    let mut current: Option<u32> = None;
    let mut row = Vec::new();
    loop {
        let cell = cells
            .next_cell()
            .map_err(|_| FileError::Unreadable("工作表内容无法解析"))?;
        let Some(cell) = cell else { break };
        let (r, c) = cell.get_position();
        if current != Some(r) {
            if let Some(previous) = current {
                collector.row(previous + 1, std::mem::take(&mut row))?;
            }
            current = Some(r);
        }
        row.push((c, Cell::from_data_ref(cell.get_value().clone())));
    }
    if let Some(previous) = current {
        collector.row(previous + 1, row)?;
    }
    Ok(())
}

fn read_xls(file: Bytes, collector: &mut Collector<'_, '_>) -> Result<(), FileError> {
    // BIFF has no streaming reader: calamine decodes the workbook whole. Keep only the sheet.
    if !crate::xls_bounds::within(&file, crate::xls_bounds::MAX_GRID_CELLS) {
        return Err(FileError::Unreadable(
            "工作表的数据范围过大或文件结构已损坏，不像是正常的花名册",
        ));
    }
    let range = {
        let mut workbook: Xls<_> = Xls::new(Cursor::new(file))
            .map_err(|_| FileError::Unreadable("不是有效的 .xls 文件，或文件已加密"))?;
        let name = workbook
            .sheets_metadata()
            .iter()
            .find(|sheet| sheet.typ == SheetType::WorkSheet)
            .map(|sheet| sheet.name.clone())
            .ok_or(FileError::NoSheet)?;
        workbook
            .worksheet_range(&name)
            .map_err(|_| FileError::Unreadable("工作表内容无法解析"))?
    };
    collector.last_row = range.end().map(|(row, _)| row + 1);
    let (start_row, start_col) = range.start().unwrap_or((0, 0));
    for (i, cells) in range.rows().enumerate() {
        let row_no = start_row + u32::try_from(i).unwrap_or(u32::MAX - 1) + 1;
        let cells = cells
            .iter()
            .enumerate()
            .map(|(j, value)| {
                (
                    start_col + u32::try_from(j).unwrap_or(0),
                    Cell::from_data(value),
                )
            })
            .collect();
        collector.row(row_no, cells)?;
    }
    Ok(())
}

/// Decoded CSV text: the upload itself when it is UTF-8, else the decoded copy (the upload is
/// dropped as soon as it is decoded, so the sheet is never held twice).
enum Text {
    Utf8 { bytes: Bytes, start: usize },
    Decoded(String),
}

impl Text {
    fn as_str(&self) -> &str {
        match self {
            // Validated in `decode`.
            Text::Utf8 { bytes, start } => {
                std::str::from_utf8(bytes.get(*start..).unwrap_or_default()).unwrap_or_default()
            }
            Text::Decoded(text) => text,
        }
    }
}

/// CSV text: UTF-8 (with or without BOM) first; UTF-16 with a BOM (Excel's "Unicode text");
/// otherwise GBK, which is what Chinese Excel writes for "CSV (逗号分隔)".
fn decode(bytes: Bytes) -> Result<Text, FileError> {
    if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        if std::str::from_utf8(rest).is_err() {
            return Err(FileError::Unreadable(
                "文件声明为 UTF-8 编码，但内容不是有效的 UTF-8",
            ));
        }
        return Ok(Text::Utf8 { bytes, start: 3 });
    }
    for (bom, encoding) in [
        (&[0xFF, 0xFE], encoding_rs::UTF_16LE),
        (&[0xFE, 0xFF], encoding_rs::UTF_16BE),
    ] {
        if let Some(rest) = bytes.strip_prefix(bom) {
            return encoding
                .decode_without_bom_handling_and_without_replacement(rest)
                .map(|text| Text::Decoded(text.into_owned()))
                .ok_or(FileError::Unreadable("文件不是有效的 UTF-16 文本"));
        }
    }
    if std::str::from_utf8(&bytes).is_ok() {
        return Ok(Text::Utf8 { bytes, start: 0 });
    }
    encoding_rs::GBK
        .decode_without_bom_handling_and_without_replacement(&bytes)
        .map(|text| Text::Decoded(text.into_owned()))
        .ok_or(FileError::Unreadable(
            "文本编码无法识别，请以 UTF-8 或 GBK 编码保存 CSV",
        ))
}

fn read_csv(file: Bytes, collector: &mut Collector<'_, '_>) -> Result<(), FileError> {
    let text = decode(file)?;
    let text = text.as_str();
    let first_line = text.lines().next().unwrap_or_default();
    let delimiter = if !first_line.contains(',') && first_line.contains('\t') {
        '\t'
    } else {
        ','
    };
    let lines = text.bytes().filter(|b| *b == b'\n').count()
        + usize::from(!text.ends_with('\n') && !text.is_empty());
    collector.last_row = Some(u32::try_from(lines).unwrap_or(u32::MAX));
    for (row_no, record) in (1u32..).zip(CsvRecords::new(text, delimiter)) {
        let cells = (0u32..)
            .zip(record)
            .map(|(col, value)| (col, Cell::text(value)))
            .collect();
        collector.row(row_no, cells)?;
    }
    Ok(())
}

/// RFC 4180 records: quoted fields may hold delimiters, quotes (`""`) and line breaks; CRLF,
/// LF and CR all end a record.
struct CsvRecords<'t> {
    chars: std::iter::Peekable<std::str::Chars<'t>>,
    delimiter: char,
}

impl<'t> CsvRecords<'t> {
    fn new(text: &'t str, delimiter: char) -> Self {
        CsvRecords {
            chars: text.chars().peekable(),
            delimiter,
        }
    }
}

impl Iterator for CsvRecords<'_> {
    type Item = Vec<String>;

    fn next(&mut self) -> Option<Vec<String>> {
        self.chars.peek()?;
        let mut record = Vec::new();
        let mut field = String::new();
        let mut quoted = false;
        let mut at_field_start = true;
        while let Some(c) = self.chars.next() {
            if quoted {
                if c == '"' {
                    if self.chars.peek() == Some(&'"') {
                        self.chars.next();
                        field.push('"');
                    } else {
                        quoted = false;
                    }
                } else {
                    field.push(c);
                }
                continue;
            }
            match c {
                '"' if at_field_start => {
                    quoted = true;
                    at_field_start = false;
                }
                c if c == self.delimiter => {
                    record.push(std::mem::take(&mut field));
                    at_field_start = true;
                }
                '\r' => {
                    if self.chars.peek() == Some(&'\n') {
                        self.chars.next();
                    }
                    record.push(field);
                    return Some(record);
                }
                '\n' => {
                    record.push(field);
                    return Some(record);
                }
                c => {
                    field.push(c);
                    at_field_start = false;
                }
            }
        }
        record.push(field);
        Some(record)
    }
}

// ---------------------------------------------------------------------------------------------
// Writing: the template and the export
// ---------------------------------------------------------------------------------------------

fn xlsx_error(err: XlsxError) -> ApiError {
    ApiError::Internal(format!("xlsx: {err}"))
}

fn header_format() -> Format {
    Format::new()
        .set_bold()
        .set_background_color(0xDDEBF7)
        .set_align(FormatAlign::Center)
}

/// Widths (characters) per column, template order.
const WIDTHS: [f64; 10] = [14.0, 26.0, 22.0, 15.0, 13.0, 8.0, 12.0, 10.0, 18.0, 10.0];

fn write_header(sheet: &mut Worksheet, extra: &[&str]) -> Result<(), XlsxError> {
    let bold = header_format();
    for (col, field) in (0u16..).zip(Field::ALL) {
        sheet.write_string_with_format(0, col, field.header(), &bold)?;
        sheet.set_column_width(col, WIDTHS[field.index()])?;
    }
    for (col, title) in (10u16..).zip(extra) {
        sheet.write_string_with_format(0, col, *title, &bold)?;
        sheet.set_column_width(col, 18)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    Ok(())
}

/// The downloadable template: the header, the text-formatted ID column (so Excel keeps all 18
/// characters), a sample row, drop-down lists for 证件类型, 等级 and the batch's occupations,
/// and a sheet of instructions.
pub fn template(
    batch: &Loaded,
    occupation_names: &HashMap<String, String>,
) -> Result<Vec<u8>, ApiError> {
    build_template(batch, occupation_names).map_err(xlsx_error)
}

fn build_template(
    batch: &Loaded,
    occupation_names: &HashMap<String, String>,
) -> Result<Vec<u8>, XlsxError> {
    const LAST_ROW: u32 = 1_048_575;
    let mut workbook = Workbook::new();
    let text = Format::new().set_num_format("@");
    let sample = Format::new()
        .set_num_format("@")
        .set_italic()
        .set_font_color(0x808080);

    let sheet = workbook.add_worksheet();
    sheet.set_name("考生花名册")?;
    write_header(sheet, &[])?;
    // Text everywhere a long digit string goes: 证件号码, 手机号码, 职业编码, 学籍号.
    for field in [
        Field::IdNumber,
        Field::Phone,
        Field::OccupationCode,
        Field::StudentNo,
    ] {
        sheet.set_column_format(field.index() as u16, &text)?;
    }
    let first = batch.occupations.first();
    let sample_row = [
        SAMPLE_NAME.to_owned(),
        "居民身份证".to_owned(),
        SAMPLE_ID.to_owned(),
        "13800000000".to_owned(),
        first.map_or_else(|| "6-31-01-03".to_owned(), |l| l.occupation_code.clone()),
        first.map_or(5, |l| l.level).to_string(),
        "高中".to_owned(),
        "3".to_owned(),
        String::new(),
        String::new(),
    ];
    for (col, value) in (0u16..).zip(sample_row) {
        sheet.write_string_with_format(1, col, value, &sample)?;
    }

    let id_types = id_type_names();
    let validations = [
        (
            Field::IdType,
            DataValidation::new()
                .allow_list_strings(&id_types)?
                .set_input_title("证件类型")?
                .set_input_message("留空即为居民身份证")?,
        ),
        (
            Field::IdNumber,
            DataValidation::new()
                .allow_any_value()
                .set_input_title("证件号码")?
                .set_input_message(
                    "本列为文本格式：请完整填写 18 位居民身份证号码，勿改为数字格式",
                )?,
        ),
        (
            Field::Level,
            DataValidation::new()
                .allow_list_strings(&["1", "2", "3", "4", "5"])?
                .set_input_title("等级")?
                .set_input_message(
                    "1 一级/高级技师，2 二级/技师，3 三级/高级工，4 四级/中级工，5 五级/初级工",
                )?
                .set_error_title("等级无效")?
                .set_error_message("等级应为 1–5")?,
        ),
    ];
    for (field, validation) in &validations {
        let col = field.index() as u16;
        sheet.add_data_validation(1, col, LAST_ROW, col, validation)?;
    }
    let mut codes: Vec<&str> = batch
        .occupations
        .iter()
        .map(|l| l.occupation_code.as_str())
        .collect();
    codes.dedup();
    // Excel caps a literal list at 255 characters; a longer one is left to the instructions.
    if !codes.is_empty() && codes.iter().map(|c| c.len() + 1).sum::<usize>() <= 255 {
        let col = Field::OccupationCode.index() as u16;
        let validation = DataValidation::new()
            .allow_list_strings(&codes)?
            .set_input_title("职业编码")?
            .set_input_message("本批次计划的职业，见“填写说明”")?;
        sheet.add_data_validation(1, col, LAST_ROW, col, &validation)?;
    }

    let help = workbook.add_worksheet();
    help.set_name("填写说明")?;
    let bold = header_format();
    help.set_column_width(0, 14)?;
    help.set_column_width(1, 90)?;
    help.write_string_with_format(0, 0, "列", &bold)?;
    help.write_string_with_format(0, 1, "填写要求", &bold)?;
    let notes = [
        (Field::Name, "必填"),
        (
            Field::IdType,
            "选填，默认居民身份证；可选：居民身份证、护照、港澳居民来往内地通行证、台湾居民来往大陆通行证、外国人永久居留身份证",
        ),
        (
            Field::IdNumber,
            "必填；居民身份证须为 18 位并通过校验（不受理 15 位旧号码）；本列须保持“文本”格式，存成数字的号码会被拒绝",
        ),
        (Field::Phone, "选填，11 位手机号码"),
        (
            Field::OccupationCode,
            "必填，职业分类大典编码，如 6-31-01-03，须为本批次计划内的职业",
        ),
        (Field::Level, "必填，1–5，须为本批次计划内的等级"),
        (Field::Education, "选填"),
        (Field::WorkYears, "选填，整数"),
        (Field::StudentNo, "技工院校学生填写"),
        (Field::GraduationYear, "技工院校学生填写，如 2026"),
    ];
    for (row, (field, note)) in (1u32..).zip(notes) {
        help.write_string(row, 0, field.header())?;
        help.write_string(row, 1, note)?;
    }
    let mut row = 12u32;
    help.write_string(row, 0, "示例行")?;
    help.write_string(
        row,
        1,
        "第 2 行为示例，导入时自动忽略；可直接在其下方填写，也可删除",
    )?;
    row += 2;
    help.write_string_with_format(row, 0, "本批次职业", &bold)?;
    help.write_string_with_format(row, 1, "职业编码 / 名称 / 等级", &bold)?;
    for line in &batch.occupations {
        row += 1;
        let name = occupation_names
            .get(&line.occupation_code)
            .map_or("", String::as_str);
        let level = u8::try_from(line.level)
            .ok()
            .and_then(|n| Level::try_from(n).ok())
            .map_or_else(
                || line.level.to_string(),
                |l| format!("{}（{}）", l.number(), l.name_zh()),
            );
        help.write_string(row, 0, &line.occupation_code)?;
        help.write_string(row, 1, format!("{name}　{level}"))?;
    }
    workbook.save_to_buffer()
}

/// One exported candidate (masked personal data only).
pub struct ExportRow {
    pub name: String,
    pub id_type: String,
    pub id_masked: String,
    pub phone_masked: Option<String>,
    pub occupation_code: String,
    pub level: i16,
    pub education: Option<String>,
    pub work_years: Option<i32>,
    pub student_no: Option<String>,
    pub graduation_year: Option<i32>,
    pub eligibility: String,
    pub warnings: Vec<String>,
}

fn eligibility_name(code: &str) -> &str {
    match code {
        "pending" => "待审核",
        "eligible" => "符合报名条件",
        "ineligible" => "不符合报名条件",
        other => other,
    }
}

/// The current roster as .xlsx: the template's columns with masked ID and phone numbers, plus
/// 资格审核 and 预警信息 (warning codes).
pub fn export(rows: &[ExportRow]) -> Result<Vec<u8>, ApiError> {
    build_export(rows).map_err(xlsx_error)
}

fn build_export(rows: &[ExportRow]) -> Result<Vec<u8>, XlsxError> {
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("考生花名册")?;
    write_header(sheet, &["资格审核", "预警信息"])?;
    for (r, row) in (1u32..).zip(rows) {
        sheet.write_string(r, 0, &row.name)?;
        sheet.write_string(r, 1, id_type_name(&row.id_type))?;
        sheet.write_string(r, 2, &row.id_masked)?;
        if let Some(phone) = &row.phone_masked {
            sheet.write_string(r, 3, phone)?;
        }
        sheet.write_string(r, 4, &row.occupation_code)?;
        sheet.write_number(r, 5, f64::from(row.level))?;
        if let Some(education) = &row.education {
            sheet.write_string(r, 6, education)?;
        }
        if let Some(years) = row.work_years {
            sheet.write_number(r, 7, f64::from(years))?;
        }
        if let Some(student_no) = &row.student_no {
            sheet.write_string(r, 8, student_no)?;
        }
        if let Some(year) = row.graduation_year {
            sheet.write_number(r, 9, f64::from(year))?;
        }
        sheet.write_string(r, 10, eligibility_name(&row.eligibility))?;
        sheet.write_string(r, 11, row.warnings.join(","))?;
    }
    sheet.autofilter(0, 0, u32::try_from(rows.len()).unwrap_or(u32::MAX), 11)?;
    workbook.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_columns_are_counted() {
        assert_eq!(Field::ALL.iter().filter(|f| f.required()).count(), REQUIRED);
    }

    #[test]
    fn headers_are_normalised() {
        assert_eq!(Field::from_header(" *姓名 "), Some(Field::Name));
        assert_eq!(
            Field::from_header("证件号码（必填）"),
            Some(Field::IdNumber)
        );
        assert_eq!(Field::from_header("身份证号码"), Some(Field::IdNumber));
        assert_eq!(Field::from_header("序号"), None);
    }

    #[test]
    fn levels_read_in_every_spelling() {
        for (text, n) in [
            ("5", 5),
            ("1", 1),
            ("三级", 3),
            ("4级", 4),
            ("五级/初级工", 5),
            ("高级技师", 1),
            ("技师", 2),
        ] {
            assert_eq!(parse_level(text).map(Level::number), Some(n), "{text}");
        }
        for bad in ["0", "6", "六级", "", "初级"] {
            assert_eq!(parse_level(bad), None, "{bad}");
        }
    }

    #[test]
    fn csv_records_follow_rfc_4180() {
        let text = "a,b,c\r\n\"x,1\",\"say \"\"hi\"\"\",\"two\nlines\"\n,,\nlast";
        let records: Vec<Vec<String>> = CsvRecords::new(text, ',').collect();
        assert_eq!(
            records,
            vec![
                vec!["a", "b", "c"],
                vec!["x,1", "say \"hi\"", "two\nlines"],
                vec!["", "", ""],
                vec!["last"],
            ]
        );
        assert_eq!(CsvRecords::new("", ',').count(), 0);
    }

    #[test]
    fn text_is_decoded_as_utf8_then_gbk() {
        let text = |bytes: Vec<u8>| decode(Bytes::from(bytes)).unwrap().as_str().to_owned();
        assert_eq!(text("姓名".as_bytes().to_vec()), "姓名");
        let mut bom = vec![0xEF, 0xBB, 0xBF];
        bom.extend_from_slice("姓名".as_bytes());
        assert_eq!(text(bom), "姓名");
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,证件号码");
        assert!(std::str::from_utf8(&gbk).is_err());
        assert_eq!(text(gbk.into_owned()), "姓名,证件号码");
        // Excel's "Unicode text" is UTF-16LE with a BOM.
        let utf16le: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("姓名".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(text(utf16le), "姓名");
        let mut bad = vec![0xEF, 0xBB, 0xBF];
        bad.push(0xFF);
        assert!(decode(Bytes::from(bad)).is_err());
    }

    #[test]
    fn numbers_that_lost_digits_are_recognised() {
        assert!(looks_like_scientific("1.10105E+17"));
        assert!(looks_like_scientific("1.10105e17"));
        assert!(!looks_like_scientific("11010519491231002X"));
        assert!(!looks_like_scientific("E+17"));
        assert_eq!(unwrap_forced_text("=\"110105\""), "110105");
        assert_eq!(unwrap_forced_text("'110105"), "110105");
    }

    #[test]
    fn formats_are_detected_by_content_first() {
        assert_eq!(
            FileFormat::detect(b"PK\x03\x04rest", "a.csv"),
            Ok(FileFormat::Xlsx)
        );
        assert_eq!(
            FileFormat::detect(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1], "a"),
            Ok(FileFormat::Xls)
        );
        assert_eq!(FileFormat::detect(b"a,b", "a.csv"), Ok(FileFormat::Csv));
        assert_eq!(
            FileFormat::detect(b"%PDF-1.7", "a.pdf"),
            Err(FileError::Unsupported)
        );
        assert!(matches!(
            FileFormat::detect(b"junk", "a.xlsx"),
            Err(FileError::Unreadable(_))
        ));
    }

    #[test]
    fn issues_become_violations_naming_row_and_column() {
        let issue = RowIssue::at(17, Field::IdNumber, "bad_checksum", "校验码不符");
        let v = issue.violation();
        assert_eq!(v.field.as_deref(), Some("rows[17].证件号码"));
        assert_eq!(v.details["row"], 17);
        assert_eq!(v.details["column"], "证件号码");
        assert_eq!(v.details["reason"], "bad_checksum");
        assert!(v.message.starts_with("第 17 行"));
    }
}
