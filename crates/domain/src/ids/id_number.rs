//! The resident ID number (公民身份号码), GB 11643-1999, check character by ISO 7064 MOD 11-2.
//!
//! An ID number is personal data: it must never reach a log. `Debug` and `Display` print it
//! masked; only [`IdNumber::as_str`] gives the number itself.

use std::fmt;
use std::str::FromStr;

/// W_i = 2^(18−i) mod 11 for positions 1–17 (checked against the formula in the tests).
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];

/// The check character, indexed by Σ a_i·W_i mod 11.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";

/// Number of characters in an ID number.
const LEN: usize = 18;

/// A resident ID number with a real birth date and a correct check character.
///
/// Holds 17 ASCII digits followed by a digit or a capital 'X'; the accessors rely on that.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct IdNumber(String);

/// Sex as encoded by the parity of the sequence code (positions 15–17).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Sex {
    /// Odd sequence code.
    Male,
    /// Even sequence code.
    Female,
}

impl IdNumber {
    /// Parses an ID number: 17 digits and a check character (a lowercase 'x' is accepted and
    /// stored as 'X'), positions 7–14 a real calendar date, and a correct check character.
    pub fn parse(s: &str) -> Result<Self, IdNumberError> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != LEN {
            return Err(IdNumberError::Length { found: chars.len() });
        }
        if let Some(i) = chars[..17].iter().position(|c| !c.is_ascii_digit()) {
            return Err(IdNumberError::Charset { position: i + 1 });
        }
        let found = chars[17].to_ascii_uppercase();
        if !(found.is_ascii_digit() || found == 'X') {
            return Err(IdNumberError::Charset { position: LEN });
        }
        let body: String = chars[..17].iter().collect();
        let (year, month, day) = date_of(body.as_bytes());
        if !is_calendar_date(year, month, day) {
            return Err(IdNumberError::Date);
        }
        // The body is 17 ASCII digits, so the checksum is defined.
        if Self::check_char(&body) != Some(found) {
            return Err(IdNumberError::CheckDigit);
        }
        let mut number = body;
        number.push(found);
        Ok(Self(number))
    }

    /// The check character (position 18) for a body of 17 ASCII digits, or `None` if `body17`
    /// is not that. Only the checksum: [`IdNumber::parse`] also wants a real birth date.
    pub fn check_char(body17: &str) -> Option<char> {
        if body17.len() != 17 || !body17.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let sum: u32 = body17
            .bytes()
            .zip(WEIGHTS)
            .map(|(b, w)| u32::from(b - b'0') * w)
            .sum();
        Some(char::from(CHECK_CHARS[(sum % 11) as usize]))
    }

    /// The number itself. Never log it; `Display` gives the masked form for that.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Positions 1–6: the administrative-division code of the holder's registered address.
    pub fn division_code(&self) -> &str {
        &self.0[..6]
    }

    /// Positions 7–14: the birth date as (year, month, day).
    pub fn birth_date(&self) -> (u16, u8, u8) {
        let (year, month, day) = date_of(self.0.as_bytes());
        // Bounded by four and two decimal digits, and checked to be a date in `parse`.
        (year as u16, month as u8, day as u8)
    }

    /// The sex encoded by the parity of position 17.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }
}

/// Masked: the division code and the last four characters, the birth date hidden.
impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}********{}", &self.0[..6], &self.0[14..])
    }
}

/// Masked like `Display`, so that a derived `Debug` of a larger type can't leak the number.
impl fmt::Debug for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IdNumber({self})")
    }
}

impl FromStr for IdNumber {
    type Err = IdNumberError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Year, month and day from positions 7–14 of at least 14 ASCII digits.
fn date_of(digits: &[u8]) -> (u32, u32, u32) {
    let number = |range: std::ops::Range<usize>| {
        digits[range]
            .iter()
            .fold(0, |n, &b| n * 10 + u32::from(b - b'0'))
    };
    (number(6..10), number(10..12), number(12..14))
}

/// Whether the proleptic Gregorian calendar has this day.
fn is_calendar_date(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// Why a string is not a resident ID number. Carries no part of the input, so it may be logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdNumberError {
    /// The number is not 18 characters long.
    #[error("居民身份证号码应为18位，实为{found}位")]
    Length {
        /// Number of characters given.
        found: usize,
    },
    /// A character is not a digit (or, in position 18, not a digit or 'X').
    #[error("居民身份证号码第{position}位字符不合法")]
    Charset {
        /// 1-based position of the first offending character.
        position: usize,
    },
    /// Positions 7–14 are not a real calendar date.
    #[error("居民身份证号码中的出生日期不存在")]
    Date,
    /// The check character (position 18) does not match the other 17.
    #[error("居民身份证号码校验位错误")]
    CheckDigit,
}

impl IdNumberError {
    /// A stable code for this error, for pages, the wallet and API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "id_number.length",
            Self::Charset { .. } => "id_number.charset",
            Self::Date => "id_number.date",
            Self::CheckDigit => "id_number.check_digit",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// GB 11643 sample (STANDARDS.md §5.3).
    const SAMPLE: &str = "11010519491231002X";
    /// Second fixture: S = 195, 195 mod 11 = 8 → '4'.
    const SECOND: &str = "440524188001010014";

    /// Completes a body with its check character.
    fn complete(body: &str) -> String {
        format!("{body}{}", IdNumber::check_char(body).unwrap())
    }

    #[test]
    fn weights_are_powers_of_two_mod_11() {
        for (i, w) in WEIGHTS.into_iter().enumerate() {
            assert_eq!(w, (1u32 << (17 - i)) % 11, "position {}", i + 1);
        }
    }

    #[test]
    fn standard_sample_is_valid() {
        let id = IdNumber::parse(SAMPLE).unwrap();
        assert_eq!(id.as_str(), SAMPLE);
        assert_eq!(id.division_code(), "110105");
        assert_eq!(id.birth_date(), (1949, 12, 31));
        assert_eq!(id.sex(), Sex::Female);
        assert_eq!(IdNumber::check_char("11010519491231002"), Some('X'));
    }

    #[test]
    fn second_fixture_is_valid() {
        let id: IdNumber = SECOND.parse().unwrap();
        assert_eq!(id.division_code(), "440524");
        assert_eq!(id.birth_date(), (1880, 1, 1));
        assert_eq!(id.sex(), Sex::Male);
        assert_eq!(IdNumber::check_char("44052418800101001"), Some('4'));
    }

    #[test]
    fn lowercase_x_is_accepted_and_normalised() {
        let id = IdNumber::parse("11010519491231002x").unwrap();
        assert_eq!(id.as_str(), SAMPLE);
        assert_eq!(id, IdNumber::parse(SAMPLE).unwrap());
    }

    #[test]
    fn debug_and_display_mask_the_number() {
        let id = IdNumber::parse(SAMPLE).unwrap();
        assert_eq!(id.to_string(), "110105********002X");
        assert_eq!(format!("{id:?}"), "IdNumber(110105********002X)");
        assert!(!format!("{id:?} {id} {id:#?}").contains("19491231"));
    }

    #[test]
    fn wrong_check_digit_is_refused() {
        let err = IdNumber::parse("110105194912310021").unwrap_err();
        assert_eq!(err, IdNumberError::CheckDigit);
        assert_eq!(err.code(), "id_number.check_digit");
        assert_eq!(err.to_string(), "居民身份证号码校验位错误");
        assert_eq!(
            IdNumber::parse("440524188001010015"),
            Err(IdNumberError::CheckDigit)
        );
    }

    #[test]
    fn impossible_dates_are_refused_even_with_a_correct_check_digit() {
        for body in [
            "11010519490230002", // 30 February
            "11010519000229002", // 1900 is not a leap year
            "11010519491301002", // month 13
            "11010519490000002", // month 0
            "11010519490100002", // day 0
            "11010519490431002", // 31 April
        ] {
            let number = complete(body);
            let err = IdNumber::parse(&number).unwrap_err();
            assert_eq!(err, IdNumberError::Date, "{body}");
            assert_eq!(err.code(), "id_number.date");
        }
        // 2000 is a leap year (divisible by 400), 2024 too.
        assert!(IdNumber::parse(&complete("11010520000229002")).is_ok());
        assert!(IdNumber::parse(&complete("11010520240229002")).is_ok());
    }

    #[test]
    fn length_and_charset_errors() {
        assert_eq!(
            IdNumber::parse("11010519491231002"),
            Err(IdNumberError::Length { found: 17 })
        );
        assert_eq!(
            IdNumber::parse("1101051949123100２X"),
            Err(IdNumberError::Charset { position: 17 })
        );
        assert_eq!(
            IdNumber::parse("1101051949123100X2"),
            Err(IdNumberError::Charset { position: 17 })
        );
        assert_eq!(
            IdNumber::parse("11010519491231002Y"),
            Err(IdNumberError::Charset { position: 18 })
        );
        assert_eq!(IdNumber::check_char("1101051949123100X"), None);
        assert_eq!(IdNumber::check_char("1101051949123100"), None);
    }

    #[test]
    fn error_codes_are_distinct_and_messages_chinese() {
        let errors = [
            IdNumberError::Length { found: 1 },
            IdNumberError::Charset { position: 1 },
            IdNumberError::Date,
            IdNumberError::CheckDigit,
        ];
        let mut codes: Vec<_> = errors.iter().map(IdNumberError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
        for e in &errors {
            assert!(e.code().starts_with("id_number."));
            assert!(e.to_string().starts_with("居民身份证号码"));
        }
    }

    /// The claim behind the check character: replacing a digit by another changes the sum by
    /// d·W_i with 1 ≤ |d| ≤ 9 and W_i = 2^(18−i) ≢ 0. As 11 is prime, d·W_i ≢ 0 (mod 11), so
    /// every single substitution of a digit changes the check character. Verified here for every
    /// weight and every difference.
    #[test]
    fn every_single_digit_substitution_changes_the_sum_mod_11() {
        for w in WEIGHTS {
            for d in 1..10 {
                assert_ne!(d * w % 11, 0, "weight {w}, difference {d}");
            }
        }
    }

    /// The same claim, exhaustively on both fixtures.
    #[test]
    fn every_single_substitution_of_the_fixtures_is_refused() {
        for fixture in [SAMPLE, SECOND] {
            for i in 0..LEN {
                for &c in b"0123456789X" {
                    let mut bytes = fixture.as_bytes().to_vec();
                    if bytes[i] == c {
                        continue;
                    }
                    bytes[i] = c;
                    let number = String::from_utf8(bytes).unwrap();
                    assert!(IdNumber::parse(&number).is_err(), "{number} accepted");
                }
            }
        }
    }

    /// A body with a real birth date, and the date.
    fn body() -> impl Strategy<Value = (String, (u16, u8, u8))> {
        (
            0..1_000_000u32,
            1800..2100u16,
            1..=12u8,
            1..=31u8,
            0..1000u32,
        )
            .prop_filter_map(
                "not a calendar date",
                |(division, year, month, day, sequence)| {
                    is_calendar_date(year.into(), month.into(), day.into()).then(|| {
                        (
                            format!("{division:06}{year:04}{month:02}{day:02}{sequence:03}"),
                            (year, month, day),
                        )
                    })
                },
            )
    }

    proptest! {
        #[test]
        fn body_with_its_check_char_parses((body, date) in body()) {
            let number = complete(&body);
            let id = IdNumber::parse(&number).unwrap();
            prop_assert_eq!(id.as_str(), number.as_str());
            prop_assert_eq!(id.birth_date(), date);
            prop_assert_eq!(id.division_code(), &body[..6]);
            let odd = (body.as_bytes()[16] - b'0') % 2 == 1;
            prop_assert_eq!(id.sex(), if odd { Sex::Male } else { Sex::Female });
            let shown = format!("{id:?} {id}");
            prop_assert!(!shown.contains(&body[6..14]));
        }

        #[test]
        fn single_digit_substitution_changes_the_check_char(
            body in "[0-9]{17}", position in 0..17usize, digit in 0..10u8,
        ) {
            let mut bytes = body.clone().into_bytes();
            prop_assume!(bytes[position] != b'0' + digit);
            bytes[position] = b'0' + digit;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert_ne!(IdNumber::check_char(&body), IdNumber::check_char(&changed));
        }

        #[test]
        fn single_substitution_is_refused(
            (body, _) in body(), position in 0..LEN, replacement in 0..11usize,
        ) {
            let mut bytes = complete(&body).into_bytes();
            let c = b"0123456789X"[replacement];
            prop_assume!(bytes[position] != c);
            bytes[position] = c;
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(IdNumber::parse(&changed).is_err());
        }
    }
}
