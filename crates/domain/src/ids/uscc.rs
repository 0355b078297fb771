//! The unified social credit code (统一社会信用代码), GB 32100-2015.

use std::fmt;
use std::str::FromStr;

/// The 31 characters a code may use, in value order (0–30); I, O, S, V and Z never appear.
const ALPHABET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";

/// W_i = 3^(i−1) mod 31 for positions 1–17 (checked against the formula in the tests).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714 weights for the eight body characters of the embedded organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// Number of characters in a code.
const LEN: usize = 18;

/// A unified social credit code with a correct GB 32100 check character.
///
/// Holds only ASCII characters of the code's alphabet, with the division code (positions 3–8)
/// in digits; the accessors rely on that.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Uscc(String);

impl Uscc {
    /// Parses a code: 18 characters of the alphabet, digits in positions 3–8, and a correct check
    /// character. Lowercase is refused, as the code is always written in capitals.
    pub fn parse(s: &str) -> Result<Self, UsccError> {
        let chars: Vec<char> = s.chars().collect();
        if chars.len() != LEN {
            return Err(UsccError::Length { found: chars.len() });
        }
        let mut values = [0u32; LEN];
        for (i, &c) in chars.iter().enumerate() {
            values[i] = value(c).ok_or(UsccError::Charset {
                position: i + 1,
                found: c,
            })?;
        }
        if let Some(i) = (2..8).find(|&i| !chars[i].is_ascii_digit()) {
            return Err(UsccError::DivisionCode { position: i + 1 });
        }
        let expected = check_char_of(&values[..17]);
        let found = chars[17];
        if found != expected {
            return Err(UsccError::CheckDigit { expected, found });
        }
        Ok(Self(s.to_owned()))
    }

    /// The check character (position 18) for a 17-character body of the code's alphabet, or
    /// `None` if `body17` is not that. Only the checksum: [`Uscc::parse`] also wants digits in
    /// positions 3–8.
    pub fn check_char(body17: &str) -> Option<char> {
        let values = body17.chars().map(value).collect::<Option<Vec<u32>>>()?;
        (values.len() == 17).then(|| check_char_of(&values))
    }

    /// The GB 11714 check character for the eight body characters of an organisation code
    /// (0–9, A–Z), or `None` if `body8` is not that.
    pub fn organisation_code_check_char(body8: &str) -> Option<char> {
        let values = body8
            .chars()
            .map(|c| match c {
                '0'..='9' | 'A'..='Z' => c.to_digit(36),
                _ => None,
            })
            .collect::<Option<Vec<u32>>>()?;
        if values.len() != ORG_WEIGHTS.len() {
            return None;
        }
        let sum: u32 = values.iter().zip(ORG_WEIGHTS).map(|(v, w)| v * w).sum();
        Some(match 11 - sum % 11 {
            10 => 'X',
            11 => '0',
            // 1..=9: a single decimal digit.
            c => char::from_digit(c, 10)?,
        })
    }

    /// The code as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1: the registering department (e.g. '9' market supervision, '5' civil affairs).
    pub fn registering_department(&self) -> char {
        self.char_at(0)
    }

    /// Position 2: the organisation category within the department (for '9': '1' enterprise,
    /// '2' individual business, '3' farmers' cooperative).
    pub fn category(&self) -> char {
        self.char_at(1)
    }

    /// Positions 3–8: the administrative-division code of the registering authority, six digits.
    pub fn division_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Positions 9–17: the subject identifier, the GB 11714 organisation code.
    pub fn organisation_code(&self) -> &str {
        &self.0[8..17]
    }

    /// Whether positions 9–17 carry a correct GB 11714 organisation-code check character.
    ///
    /// [`Uscc::parse`] does not require this: the code's own check character already covers all
    /// 17 positions, and positions 9–17 are not guaranteed to be a GB 11714 code for every
    /// registering department and category (codes issued to entities that never had an
    /// organisation code are assigned by the registering department). Refusing such codes would
    /// lock real entities out; callers that want the stricter check ask for it here.
    pub fn organisation_code_valid(&self) -> bool {
        Self::organisation_code_check_char(&self.0[8..16]) == Some(self.char_at(16))
    }

    /// The ASCII character at `index` (< 18 by the type's invariant).
    fn char_at(&self, index: usize) -> char {
        char::from(self.0.as_bytes()[index])
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Uscc {
    type Err = UsccError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// The value (0–30) of a character of the code's alphabet.
fn value(c: char) -> Option<u32> {
    ALPHABET
        .iter()
        .position(|&a| char::from(a) == c)
        .map(|v| v as u32)
}

/// C18 = 31 − (Σ C_i·W_i mod 31), with 31 written as 0.
fn check_char_of(values: &[u32]) -> char {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    char::from(ALPHABET[check as usize])
}

/// Why a string is not a unified social credit code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsccError {
    /// The code is not 18 characters long.
    #[error("统一社会信用代码应为18位，实为{found}位")]
    Length {
        /// Number of characters given.
        found: usize,
    },
    /// A character is outside the code's alphabet (digits and capitals except I, O, S, V, Z).
    #[error("统一社会信用代码第{position}位字符“{}”不合法", found.escape_debug())]
    Charset {
        /// 1-based position of the first offending character.
        position: usize,
        /// The offending character.
        found: char,
    },
    /// Positions 3–8, the administrative-division code, are not all digits.
    #[error("统一社会信用代码第3至8位（行政区划码）应为数字，第{position}位不是")]
    DivisionCode {
        /// 1-based position of the first non-digit.
        position: usize,
    },
    /// The check character (position 18) does not match the other 17.
    #[error("统一社会信用代码校验位错误")]
    CheckDigit {
        /// The check character the first 17 positions call for.
        expected: char,
        /// The check character given.
        found: char,
    },
}

impl UsccError {
    /// A stable code for this error, for pages, the wallet and API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Length { .. } => "uscc.length",
            Self::Charset { .. } => "uscc.charset",
            Self::DivisionCode { .. } => "uscc.division_code",
            Self::CheckDigit { .. } => "uscc.check_digit",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// GB 32100 worked example (STANDARDS.md §5.2).
    const VALID: &str = "91350100M000100Y43";

    #[test]
    fn weights_are_powers_of_three_mod_31() {
        let mut w = 1;
        for weight in WEIGHTS {
            assert_eq!(weight, w);
            w = w * 3 % 31;
        }
    }

    #[test]
    fn alphabet_has_31_distinct_characters_without_i_o_s_v_z() {
        let mut seen = ALPHABET.to_vec();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 31);
        assert!(!ALPHABET.iter().any(|c| b"IOSVZ".contains(c)));
    }

    #[test]
    fn worked_example_is_valid() {
        let uscc = Uscc::parse(VALID).unwrap();
        assert_eq!(uscc.as_str(), VALID);
        assert_eq!(uscc.to_string(), VALID);
        assert_eq!(uscc.registering_department(), '9');
        assert_eq!(uscc.category(), '1');
        assert_eq!(uscc.division_code(), "350100");
        assert_eq!(uscc.organisation_code(), "M000100Y4");
        assert_eq!(Uscc::check_char("91350100M000100Y4"), Some('3'));
        assert_eq!(VALID.parse::<Uscc>(), Ok(uscc));
    }

    #[test]
    fn worked_example_with_wrong_check_char_is_refused() {
        let err = Uscc::parse("91350100M000100Y4Z").unwrap_err();
        // 'Z' is not in the alphabet at all, so it fails before the checksum.
        assert_eq!(err.code(), "uscc.charset");
        assert_eq!(
            err,
            UsccError::Charset {
                position: 18,
                found: 'Z'
            }
        );
    }

    #[test]
    fn widely_copied_bad_sample_is_refused() {
        let err = Uscc::parse("91310115MA1H8R7C6D").unwrap_err();
        assert_eq!(
            err,
            UsccError::CheckDigit {
                expected: '7',
                found: 'D'
            }
        );
        assert_eq!(err.code(), "uscc.check_digit");
        assert_eq!(err.to_string(), "统一社会信用代码校验位错误");
        assert_eq!(Uscc::check_char("91310115MA1H8R7C6"), Some('7'));
        assert!(Uscc::parse("91310115MA1H8R7C67").is_ok());
    }

    #[test]
    fn embedded_organisation_code_is_checked_separately() {
        // M=22, 0, 0, 0, 1, 0, 0, Y=34: 66 + 5 + 68 = 139; 139 mod 11 = 7; 11 − 7 = 4.
        assert_eq!(Uscc::organisation_code_check_char("M000100Y"), Some('4'));
        assert!(Uscc::parse(VALID).unwrap().organisation_code_valid());

        // A code with a correct USCC check character but a wrong organisation-code check
        // character still parses; only the separate check fails.
        let body = "91350100M000100Y5";
        let code = format!("{body}{}", Uscc::check_char(body).unwrap());
        let uscc = Uscc::parse(&code).unwrap();
        assert!(!uscc.organisation_code_valid());
    }

    #[test]
    fn organisation_code_check_char_maps_10_and_11() {
        // Σ = 0: 11 − 0 = 11 → '0'.
        assert_eq!(Uscc::organisation_code_check_char("00000000"), Some('0'));
        // Σ = 6·2 = 12 ≡ 1: 11 − 1 = 10 → 'X'.
        assert_eq!(Uscc::organisation_code_check_char("00000006"), Some('X'));
        // Σ = 1·2 = 2: 11 − 2 = 9.
        assert_eq!(Uscc::organisation_code_check_char("00000001"), Some('9'));
    }

    #[test]
    fn organisation_code_check_char_refuses_bad_input() {
        assert_eq!(Uscc::organisation_code_check_char("M000100"), None);
        assert_eq!(Uscc::organisation_code_check_char("m000100Y"), None);
        assert_eq!(Uscc::organisation_code_check_char("M000100Y4"), None);
    }

    #[test]
    fn length_charset_and_division_errors() {
        assert_eq!(
            Uscc::parse("91350100M000100Y4"),
            Err(UsccError::Length { found: 17 })
        );
        assert_eq!(Uscc::parse(""), Err(UsccError::Length { found: 0 }));
        assert_eq!(
            Uscc::parse("91350100m000100Y43"),
            Err(UsccError::Charset {
                position: 9,
                found: 'm'
            })
        );
        // Non-ASCII input is counted in characters, not bytes.
        let err = Uscc::parse("91350100中000100Y43").unwrap_err();
        assert_eq!(err.code(), "uscc.charset");
        let body = "9135A100M000100Y4";
        let code = format!("{body}{}", Uscc::check_char(body).unwrap());
        assert_eq!(
            Uscc::parse(&code),
            Err(UsccError::DivisionCode { position: 5 })
        );
    }

    #[test]
    fn check_char_refuses_bad_bodies() {
        assert_eq!(Uscc::check_char("91350100M000100Y"), None);
        assert_eq!(Uscc::check_char("91350100M000100Y43"), None);
        assert_eq!(Uscc::check_char("91350100I000100Y4"), None);
    }

    #[test]
    fn error_codes_are_distinct_and_messages_chinese() {
        let errors = [
            UsccError::Length { found: 1 },
            UsccError::Charset {
                position: 1,
                found: 'I',
            },
            UsccError::DivisionCode { position: 3 },
            UsccError::CheckDigit {
                expected: '0',
                found: '1',
            },
        ];
        let mut codes: Vec<_> = errors.iter().map(UsccError::code).collect();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), errors.len());
        for e in &errors {
            assert!(e.code().starts_with("uscc."));
            assert!(e.to_string().starts_with("统一社会信用代码"));
        }
    }

    /// The claim behind the check character: a substitution at position i by a different
    /// character changes the sum by d·W_i with 1 ≤ |d| ≤ 30 and W_i = 3^(i−1) ≢ 0. As 31 is prime,
    /// d·W_i ≢ 0 (mod 31), so every single substitution changes the check character. Verified
    /// here for every weight and every difference.
    #[test]
    fn every_single_substitution_changes_the_sum_mod_31() {
        for w in WEIGHTS {
            for d in 1..31 {
                assert_ne!(d * w % 31, 0, "weight {w}, difference {d}");
            }
        }
    }

    /// The same claim, exhaustively on the worked example: all 18 × 30 substitutions are refused.
    #[test]
    fn every_single_substitution_of_the_example_is_refused() {
        for i in 0..LEN {
            for &a in ALPHABET {
                let mut bytes = VALID.as_bytes().to_vec();
                if bytes[i] == a {
                    continue;
                }
                bytes[i] = a;
                let code = String::from_utf8(bytes).unwrap();
                assert!(Uscc::parse(&code).is_err(), "{code} accepted");
            }
        }
    }

    /// A body that [`Uscc::parse`] accepts once completed: alphabet, digits in positions 3–8.
    fn body() -> impl Strategy<Value = String> {
        (
            proptest::collection::vec(0..31usize, 2),
            proptest::collection::vec(0..10usize, 6),
            proptest::collection::vec(0..31usize, 9),
        )
            .prop_map(|(a, b, c)| {
                a.into_iter()
                    .chain(b)
                    .chain(c)
                    .map(|v| char::from(ALPHABET[v]))
                    .collect()
            })
    }

    /// Any 17 characters of the alphabet, for the checksum alone.
    fn any_body() -> impl Strategy<Value = String> {
        proptest::collection::vec(0..31usize, 17)
            .prop_map(|v| v.into_iter().map(|v| char::from(ALPHABET[v])).collect())
    }

    proptest! {
        #[test]
        fn body_with_its_check_char_parses(body in body()) {
            let check = Uscc::check_char(&body).unwrap();
            let code = format!("{body}{check}");
            let uscc = Uscc::parse(&code).unwrap();
            prop_assert_eq!(uscc.as_str(), code.as_str());
            prop_assert_eq!(uscc.division_code(), &body[2..8]);
        }

        #[test]
        fn single_substitution_changes_the_check_char(
            body in any_body(), position in 0..17usize, replacement in 0..31usize,
        ) {
            let mut bytes = body.clone().into_bytes();
            prop_assume!(bytes[position] != ALPHABET[replacement]);
            bytes[position] = ALPHABET[replacement];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert_ne!(Uscc::check_char(&body), Uscc::check_char(&changed));
        }

        #[test]
        fn single_substitution_is_refused(
            body in body(), position in 0..LEN, replacement in 0..31usize,
        ) {
            let code = format!("{body}{}", Uscc::check_char(&body).unwrap());
            let mut bytes = code.into_bytes();
            prop_assume!(bytes[position] != ALPHABET[replacement]);
            bytes[position] = ALPHABET[replacement];
            let changed = String::from_utf8(bytes).unwrap();
            prop_assert!(Uscc::parse(&changed).is_err());
        }
    }
}
