//! The license authority's enterprise registry: the source record of each market entity, from
//! which its electronic business license is issued and against which real-name checks are made
//! (STANDARDS.md §5.1), and its import from a CSV file (`yizhao registry import FILE.csv`).
//!
//! Import is all-or-nothing: [`parse_csv`] returns every enterprise of the file, or a report of
//! every bad field with the line it is on, and nothing else.

mod demo;
mod divisions;

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;

use crate::ids::{IdNumber, Uscc};

pub use demo::{demo_people, demo_person, demo_registry, demo_registry_entry};
pub use divisions::{division_name, locality_text};

/// One market entity as the registry holds it: the face fields of its business license.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enterprise {
    /// 统一社会信用代码.
    pub uscc: Uscc,
    /// 名称.
    pub name: String,
    /// 类型, e.g. 有限责任公司(自然人投资或控股).
    pub kind: String,
    /// 法定代表人 (or 负责人, 执行事务合伙人, 经营者, by type).
    pub legal_representative: Person,
    /// 注册资本 as written on the license, e.g. "5000万元人民币".
    pub registered_capital: String,
    /// 成立日期, `YYYY-MM-DD`, a real date.
    pub established: String,
    /// 营业期限, e.g. "2010-05-12 至 长期" or "2010-05-12 至 2040-05-11".
    pub business_term: String,
    /// 住所.
    pub domicile: String,
    /// 经营范围.
    pub business_scope: String,
    /// 登记机关, e.g. 宜昌市西陵区市场监督管理局.
    pub registration_authority: String,
    /// The registration locality: a 6-digit administrative-division code, e.g. "420502".
    pub locality: String,
}

/// A natural person known to the registry: a legal representative, or a member of the demo cast.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    /// Name as on the ID card.
    pub name: String,
    /// Resident ID number (masked in `Debug`).
    pub id_number: IdNumber,
    /// Mobile phone number (masked in `Debug`).
    pub phone: Phone,
}

/// A Chinese mobile phone number: 11 digits, starting with 1 and then 3–9.
///
/// Personal data that must never reach a log: `Display` and `Debug` hide the middle four digits
/// (`138****1234`); only [`Phone::as_str`] gives the number itself.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

impl Phone {
    /// Parses a mobile number written as 11 ASCII digits, without country code or separators.
    pub fn parse(s: &str) -> Result<Self, PhoneError> {
        let found = s.chars().count();
        if found != 11 {
            return Err(PhoneError::Length { found });
        }
        let digits = s.as_bytes();
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(PhoneError::Charset);
        }
        if digits[0] != b'1' || !(b'3'..=b'9').contains(&digits[1]) {
            return Err(PhoneError::Prefix);
        }
        Ok(Self(s.to_owned()))
    }

    /// The number itself. Never log it; `Display` gives the masked form for that.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Masked: the first three and the last four digits.
impl fmt::Display for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}****{}", &self.0[..3], &self.0[7..])
    }
}

/// Masked like `Display`, so that a derived `Debug` of a larger type can't leak the number.
impl fmt::Debug for Phone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Phone({self})")
    }
}

impl FromStr for Phone {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Why a string is not a mobile phone number. Carries no part of the input, so it may be logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PhoneError {
    /// The number is not 11 characters long.
    #[error("手机号码应为11位，实为{found}位")]
    Length {
        /// Number of characters given.
        found: usize,
    },
    /// A character is not an ASCII digit.
    #[error("手机号码只能由数字组成")]
    Charset,
    /// The number does not start with 13–19.
    #[error("手机号码应以13至19开头")]
    Prefix,
}

impl PhoneError {
    /// A stable code for this error, for pages, the wallet and API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "phone.length",
            Self::Charset => "phone.charset",
            Self::Prefix => "phone.prefix",
        }
    }
}

/// The columns of an import file, in the order `yizhao` writes them; a file may order them freely.
pub const COLUMNS: [&str; 13] = [
    "uscc",
    "name",
    "kind",
    "legal_representative_name",
    "legal_representative_id_number",
    "legal_representative_phone",
    "registered_capital",
    "established",
    "business_term",
    "domicile",
    "business_scope",
    "registration_authority",
    "locality",
];

impl Enterprise {
    /// The fields in [`COLUMNS`] order, as an import file holds them.
    pub fn fields(&self) -> [&str; 13] {
        let p = &self.legal_representative;
        [
            self.uscc.as_str(),
            &self.name,
            &self.kind,
            &p.name,
            p.id_number.as_str(),
            p.phone.as_str(),
            &self.registered_capital,
            &self.established,
            &self.business_term,
            &self.domicile,
            &self.business_scope,
            &self.registration_authority,
            &self.locality,
        ]
    }
}

/// Chinese labels of [`COLUMNS`], for the "must not be empty" messages.
const LABELS: [&str; 13] = [
    "统一社会信用代码",
    "名称",
    "类型",
    "法定代表人姓名",
    "法定代表人身份证号码",
    "法定代表人手机号码",
    "注册资本",
    "成立日期",
    "营业期限",
    "住所",
    "经营范围",
    "登记机关",
    "登记地行政区划代码",
];

/// Why an import file was refused: every problem found, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The problems, at least one.
    pub errors: Vec<RowError>,
}

/// One problem of an import file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// Line number as the file shows it: the header is line 1; a quoted field spanning several
    /// lines counts them all, and the record is reported at the line it starts on.
    pub line: u64,
    /// The column concerned, as named in the header; `None` for the row as a whole.
    pub column: Option<String>,
    /// What is wrong, in Chinese. Never contains an ID number or a phone number.
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(f, "第{}行 {column}：{}", self.line, self.message),
            None => write!(f, "第{}行：{}", self.line, self.message),
        }
    }
}

/// One line per problem.
impl fmt::Display for ImportReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.errors.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ImportReport {}

/// Parses a registry import file: UTF-8 CSV (a leading BOM is ignored), a header row naming
/// exactly the [`COLUMNS`] in any order, then one enterprise per record. Fields are trimmed.
///
/// All-or-nothing: if anything is wrong, the report lists every bad field of every row, duplicate
/// codes within the file and header problems (which stop the reading, as the rows can't be
/// interpreted), and no enterprise is returned.
pub fn parse_csv(text: &str) -> Result<Vec<Enterprise>, ImportReport> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut errors = Vec::new();
    let index = match reader.headers() {
        Ok(header) => column_index(header, &mut errors),
        Err(e) => {
            errors.push(csv_error(&e, 1));
            None
        }
    };
    let Some(index) = index else {
        return Err(ImportReport { errors });
    };
    let mut enterprises = Vec::new();
    let mut first_seen = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(record) => record,
            Err(e) => {
                // The reader can't be trusted to resynchronise after a malformed record.
                errors.push(csv_error(&e, 0));
                break;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.len() != COLUMNS.len() {
            errors.push(RowError {
                line,
                column: None,
                message: format!("应有{}列，实有{}列", COLUMNS.len(), record.len()),
            });
            continue;
        }
        let fields: [&str; 13] = index.map(|i| record.get(i).unwrap_or(""));
        match parse_row(fields, line, &mut first_seen) {
            Ok(enterprise) => enterprises.push(enterprise),
            Err(row_errors) => errors.extend(row_errors),
        }
    }
    if errors.is_empty() {
        Ok(enterprises)
    } else {
        Err(ImportReport { errors })
    }
}

/// For each of [`COLUMNS`], its position in the header; `None` (with the problems recorded) if
/// the header is not exactly those columns.
fn column_index(header: &csv::StringRecord, errors: &mut Vec<RowError>) -> Option<[usize; 13]> {
    let line = header.position().map_or(1, csv::Position::line);
    let header_error = |column: Option<&str>, message: &str| RowError {
        line,
        column: column.map(str::to_owned),
        message: message.to_owned(),
    };
    if header.iter().all(str::is_empty) {
        errors.push(header_error(None, "缺少表头"));
        return None;
    }
    let mut index = [None; 13];
    let before = errors.len();
    for (position, name) in header.iter().enumerate() {
        match COLUMNS.iter().position(|&c| c == name) {
            Some(c) if index[c].is_some() => errors.push(header_error(Some(name), "列重复")),
            Some(c) => index[c] = Some(position),
            None => errors.push(header_error(Some(name), "未知的列")),
        }
    }
    for (c, found) in index.iter().enumerate() {
        if found.is_none() {
            errors.push(header_error(Some(COLUMNS[c]), "缺少该列"));
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(index.map(|i| i.unwrap_or_default()))
}

/// One record, its fields in [`COLUMNS`] order, into an enterprise or its problems.
/// `first_seen` maps each code seen so far to its line, to report duplicates.
fn parse_row(
    fields: [&str; 13],
    line: u64,
    first_seen: &mut HashMap<Uscc, u64>,
) -> Result<Enterprise, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut fail = |c: usize, message: String| {
        errors.push(RowError {
            line,
            column: Some(COLUMNS[c].to_owned()),
            message,
        });
    };
    for (c, field) in fields.iter().enumerate() {
        if field.is_empty() {
            fail(c, format!("{}不能为空", LABELS[c]));
        }
    }
    let [
        uscc,
        name,
        kind,
        rep_name,
        rep_id,
        rep_phone,
        capital,
        established,
        term,
        domicile,
        scope,
        authority,
        locality,
    ] = fields;
    let non_empty = |s: &str| !s.is_empty();
    let uscc = parsed(Uscc::parse(uscc), uscc, |m| fail(0, m));
    let uscc = uscc.filter(|uscc| match first_seen.get(uscc) {
        Some(first) => {
            fail(0, format!("统一社会信用代码与第{first}行重复"));
            false
        }
        None => {
            first_seen.insert(uscc.clone(), line);
            true
        }
    });
    let id_number = parsed(IdNumber::parse(rep_id), rep_id, |m| fail(4, m));
    let phone = parsed(Phone::parse(rep_phone), rep_phone, |m| fail(5, m));
    if non_empty(established) && !is_date(established) {
        fail(7, "成立日期应为YYYY-MM-DD格式的真实日期".to_owned());
    }
    if non_empty(term) && !is_business_term(term) {
        fail(
            8,
            "营业期限应为“YYYY-MM-DD 至 YYYY-MM-DD”或“YYYY-MM-DD 至 长期”".to_owned(),
        );
    }
    if non_empty(locality) && !(locality.len() == 6 && locality.bytes().all(|b| b.is_ascii_digit()))
    {
        fail(12, "登记地应为6位数字的行政区划代码".to_owned());
    }
    match (uscc, id_number, phone) {
        (Some(uscc), Some(id_number), Some(phone)) if errors.is_empty() => Ok(Enterprise {
            uscc,
            name: name.to_owned(),
            kind: kind.to_owned(),
            legal_representative: Person {
                name: rep_name.to_owned(),
                id_number,
                phone,
            },
            registered_capital: capital.to_owned(),
            established: established.to_owned(),
            business_term: term.to_owned(),
            domicile: domicile.to_owned(),
            business_scope: scope.to_owned(),
            registration_authority: authority.to_owned(),
            locality: locality.to_owned(),
        }),
        _ => Err(errors),
    }
}

/// The value parsed from `field`, or `None` with the parser's message passed to `fail`, unless
/// the field is empty (reported as such already).
fn parsed<T, E: fmt::Display>(
    result: Result<T, E>,
    field: &str,
    fail: impl FnOnce(String),
) -> Option<T> {
    result
        .map_err(|e| {
            if !field.is_empty() {
                fail(e.to_string());
            }
        })
        .ok()
}

/// A reader error as a row error; `fallback_line` when the error carries no position.
fn csv_error(error: &csv::Error, fallback_line: u64) -> RowError {
    RowError {
        line: error.position().map_or(fallback_line, csv::Position::line),
        column: None,
        message: "CSV格式错误".to_owned(),
    }
}

/// Whether `s` is `YYYY-MM-DD` and that day exists in the Gregorian calendar.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let number = |range: std::ops::Range<usize>| {
        b[range].iter().try_fold(0u32, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
        })
    };
    let (Some(year), Some(month), Some(day)) = (number(0..4), number(5..7), number(8..10)) else {
        return false;
    };
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    year > 0 && (1..=days).contains(&day)
}

/// Whether `s` is "FROM 至 TO" with FROM a date and TO a later date or 长期.
fn is_business_term(s: &str) -> bool {
    let Some((from, to)) = s.split_once('至') else {
        return false;
    };
    let (from, to) = (from.trim(), to.trim());
    // Dates in `YYYY-MM-DD` order as strings do.
    is_date(from) && (to == "长期" || (is_date(to) && to > from))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `enterprises` as an import file with the columns in `header` order.
    fn to_csv(header: &[&str], enterprises: &[Enterprise]) -> String {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(header).unwrap();
        for e in enterprises {
            let fields = e.fields();
            let record = header.iter().map(|h| {
                let c = COLUMNS.iter().position(|c| c == h).unwrap();
                fields[c]
            });
            writer.write_record(record).unwrap();
        }
        String::from_utf8(writer.into_inner().unwrap()).unwrap()
    }

    fn report(text: &str) -> Vec<String> {
        let report = parse_csv(text).unwrap_err();
        assert!(!report.errors.is_empty());
        report.errors.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn demo_registry_round_trips() {
        let registry = demo_registry();
        assert_eq!(
            parse_csv(&to_csv(&COLUMNS, &registry)),
            Ok(registry.clone())
        );
        // Any column order.
        let mut reversed = COLUMNS;
        reversed.reverse();
        assert_eq!(parse_csv(&to_csv(&reversed, &registry)), Ok(registry));
    }

    #[test]
    fn byte_order_mark_is_ignored() {
        let registry = demo_registry();
        let text = format!("\u{feff}{}", to_csv(&COLUMNS, &registry[..2]));
        assert_eq!(parse_csv(&text), Ok(registry[..2].to_vec()));
    }

    #[test]
    fn quoted_fields_with_commas_and_newlines() {
        let mut e = demo_registry_entry("宜昌市示范建设工程有限公司").unwrap();
        e.business_scope = "许可项目：建设工程施工, 建筑劳务分包。\n一般项目：\"园林\"绿化".into();
        let second = demo_registry_entry("北京示范招标代理有限公司").unwrap();
        let text = to_csv(&COLUMNS, &[e.clone(), second.clone()]);
        assert!(text.contains("\"许可项目：建设工程施工, 建筑劳务分包。\n"));
        assert_eq!(parse_csv(&text), Ok(vec![e.clone(), second.clone()]));

        // An ASCII comma and a newline, and line numbers that count the newline: the second
        // record starts on line 4, so a bad field there is reported on line 4.
        e.business_scope = "a, b\nc".into();
        let mut bad = second;
        bad.established = "2009-02-30".into();
        let text = to_csv(&COLUMNS, &[e, bad]);
        assert_eq!(
            report(&text),
            ["第4行 established：成立日期应为YYYY-MM-DD格式的真实日期"]
        );
    }

    #[test]
    fn every_bad_field_of_every_row_is_reported_and_nothing_returned() {
        let registry = demo_registry();
        let text = to_csv(&COLUMNS, &registry[..4]);
        let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
        // Line 3: a wrong USCC check character and a bad phone.
        let uscc = registry[1].uscc.as_str();
        let last = if uscc.ends_with('0') { '1' } else { '0' };
        let phone = registry[1].legal_representative.phone.as_str();
        lines[2] = lines[2]
            .replacen(uscc, &format!("{}{last}", &uscc[..17]), 1)
            .replacen(phone, "12345678901", 1);
        // Line 5: an empty name, a bad ID check digit, a bad term, a bad locality.
        let e = &registry[3];
        let id = e.legal_representative.id_number.as_str();
        let last = if id.ends_with('0') { '1' } else { '0' };
        lines[4] = lines[4]
            .replacen(&format!(",{},", e.name), ",,", 1)
            .replacen(id, &format!("{}{last}", &id[..17]), 1)
            .replacen(&e.business_term, "长期", 1);
        lines[4] = format!(
            "{},4205",
            lines[4].strip_suffix(&format!(",{}", e.locality)).unwrap()
        );
        let text = lines.join("\n");
        let lines = report(&text);
        assert_eq!(
            lines,
            [
                "第3行 uscc：统一社会信用代码校验位错误",
                "第3行 legal_representative_phone：手机号码应以13至19开头",
                "第5行 name：名称不能为空",
                "第5行 legal_representative_id_number：居民身份证号码校验位错误",
                "第5行 business_term：营业期限应为“YYYY-MM-DD 至 YYYY-MM-DD”或“YYYY-MM-DD 至 长期”",
                "第5行 locality：登记地应为6位数字的行政区划代码",
            ]
        );
        let report = parse_csv(&text).unwrap_err();
        assert_eq!(report.to_string(), lines.join("\n"));
        assert_eq!(report.errors[0].line, 3);
        assert_eq!(report.errors[0].column.as_deref(), Some("uscc"));
        assert!(!report.to_string().contains(phone));
    }

    #[test]
    fn header_problems_are_reported() {
        let registry = demo_registry();
        let without = &COLUMNS[..12];
        let text = to_csv(without, &registry[..1]);
        assert_eq!(report(&text), ["第1行 locality：缺少该列"]);

        let text = to_csv(&COLUMNS, &registry[..1]).replacen("kind,", "type,", 1);
        assert_eq!(
            report(&text),
            ["第1行 type：未知的列", "第1行 kind：缺少该列"]
        );

        let text = to_csv(&COLUMNS, &registry[..1]).replacen("kind,", "name,", 1);
        assert_eq!(
            report(&text),
            ["第1行 name：列重复", "第1行 kind：缺少该列"]
        );

        assert_eq!(report(""), ["第1行：缺少表头"]);
        // A header alone is an empty registry, not an error.
        assert_eq!(parse_csv(&COLUMNS.join(",")), Ok(vec![]));
    }

    #[test]
    fn duplicate_codes_and_short_rows_are_reported() {
        let registry = demo_registry();
        let text = to_csv(&COLUMNS, &[&registry[..2], &registry[..1]].concat());
        assert_eq!(report(&text), ["第4行 uscc：统一社会信用代码与第2行重复"]);

        let mut text = to_csv(&COLUMNS, &registry[..1]);
        text.push_str("91350100M000100Y43,只有两列\n");
        assert_eq!(report(&text), ["第3行：应有13列，实有2列"]);
    }

    #[test]
    fn phone_is_parsed_and_masked() {
        let phone = Phone::parse("13812341234").unwrap();
        assert_eq!(phone.as_str(), "13812341234");
        assert_eq!(phone.to_string(), "138****1234");
        assert_eq!(format!("{phone:?}"), "Phone(138****1234)");
        assert_eq!(
            "19912345678".parse::<Phone>().unwrap().as_str(),
            "19912345678"
        );
        assert_eq!(
            Phone::parse("1381234123"),
            Err(PhoneError::Length { found: 10 })
        );
        assert_eq!(Phone::parse("1381234123４"), Err(PhoneError::Charset));
        assert_eq!(Phone::parse("138-1234-12"), Err(PhoneError::Charset));
        assert_eq!(Phone::parse("12812341234"), Err(PhoneError::Prefix));
        assert_eq!(Phone::parse("23812341234"), Err(PhoneError::Prefix));
        assert_eq!(PhoneError::Prefix.code(), "phone.prefix");
    }

    #[test]
    fn dates_and_terms() {
        assert!(is_date("2024-02-29") && is_date("2000-02-29") && is_date("2010-05-12"));
        for bad in "1900-02-29 2010-13-01 2010-04-31 2010-5-12 20100512 0000-01-01".split(' ') {
            assert!(!is_date(bad), "{bad}");
        }
        assert!(is_business_term("2010-05-12 至 长期"));
        assert!(is_business_term("2010-05-12至2040-05-11"));
        assert!(!is_business_term("2010-05-12 至 2010-05-12"));
        assert!(!is_business_term("2010-05-12 - 长期"));
        assert!(!is_business_term("长期"));
    }
}
