//! Text that people type into forms (reasons, contact names, enterprise names…): one check for
//! every such field, so that no stored text hides control characters, reorders itself on screen
//! (bidi overrides: "RTL override" tricks), is blank to the eye, or is of any length.

/// What is wrong with a text a person entered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TextError {
    /// Empty, or only spaces and invisible characters.
    #[error("请填写{0}。")]
    Empty(&'static str),
    /// Longer than the field allows (characters).
    #[error("{0}不能超过{1}个字。")]
    TooLong(&'static str, usize),
    /// Holds a control character (NUL, line feed in a one-line field…) or a character that
    /// changes the direction of the text around it.
    #[error("{0}含有不可见的控制字符，请重新输入。")]
    Forbidden(&'static str),
}

impl TextError {
    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            TextError::Empty(_) => "input.text_empty",
            TextError::TooLong(..) => "input.text_too_long",
            TextError::Forbidden(_) => "input.text_forbidden_character",
        }
    }
}

/// A field of human-entered text: its name (Chinese, for messages), its longest length in
/// characters, and whether it may span lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextField {
    /// The field's name as the form shows it, e.g. "退回原因".
    pub label: &'static str,
    /// Most characters (Unicode scalar values) after trimming.
    pub max_chars: usize,
    /// Whether line breaks (`\n`, `\r\n`) and tabs are allowed.
    pub multiline: bool,
}

/// A review's reason (退回原因…): up to 500 characters, lines allowed.
pub const REASON: TextField = TextField {
    label: "原因",
    max_chars: 500,
    multiline: true,
};

/// A person's name (联系人, 显示姓名…): up to 50 characters, one line.
pub const PERSON_NAME: TextField = TextField {
    label: "姓名",
    max_chars: 50,
    multiline: false,
};

/// An enterprise's or agency's name: up to 100 characters, one line.
pub const ORGANIZATION_NAME: TextField = TextField {
    label: "单位名称",
    max_chars: 100,
    multiline: false,
};

/// Zero-width characters: invisible, so a text of only these is blank.
fn is_zero_width(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Bidi embedding, override and isolate characters (they reorder what follows on screen).
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

impl TextField {
    /// The same field under another name (for messages).
    pub const fn named(self, label: &'static str) -> Self {
        TextField { label, ..self }
    }

    /// `text` trimmed, if a person may have meant it for this field; otherwise why not.
    pub fn check(&self, text: &str) -> Result<String, TextError> {
        let text = text.trim();
        let forbidden = text.chars().any(|c| {
            is_bidi_control(c)
                || (c.is_control() && !(self.multiline && matches!(c, '\n' | '\r' | '\t')))
        });
        if forbidden {
            return Err(TextError::Forbidden(self.label));
        }
        if text.chars().all(|c| c.is_whitespace() || is_zero_width(c)) {
            return Err(TextError::Empty(self.label));
        }
        if text.chars().count() > self.max_chars {
            return Err(TextError::TooLong(self.label, self.max_chars));
        }
        Ok(text.to_owned())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn ordinary_text_passes_trimmed() {
        assert_eq!(
            REASON.check("  印模模糊\n请重拍 ").unwrap(),
            "印模模糊\n请重拍"
        );
        assert_eq!(PERSON_NAME.check("李 明").unwrap(), "李 明");
        assert_eq!(
            PERSON_NAME.check(&"李".repeat(50)).unwrap().chars().count(),
            50
        );
    }

    #[test]
    fn control_and_bidi_characters_are_refused() {
        for bad in [
            "a\0b",
            "a\u{7}b",
            "李\u{202E}明",
            "a\u{2066}b\u{2069}",
            "\u{202A}x",
        ] {
            assert_eq!(
                PERSON_NAME.check(bad).unwrap_err(),
                TextError::Forbidden("姓名"),
                "{bad:?}"
            );
        }
        assert_eq!(
            PERSON_NAME.check("a\nb").unwrap_err().code(),
            "input.text_forbidden_character"
        );
        assert!(REASON.check("a\0").is_err());
        assert!(REASON.check("第一\t第二").is_ok());
        assert!(PERSON_NAME.check("李\t明").is_err());
    }

    #[test]
    fn blank_and_invisible_only_text_is_empty() {
        for blank in [
            "",
            "   ",
            "\u{200B}\u{200C}\u{200D}",
            " \u{2060}\u{FEFF} ",
            "\u{3000}",
        ] {
            assert_eq!(
                REASON.check(blank).unwrap_err().code(),
                "input.text_empty",
                "{blank:?}"
            );
        }
    }

    #[test]
    fn length_is_counted_in_characters() {
        assert!(REASON.check(&"字".repeat(500)).is_ok());
        let e = REASON.check(&"字".repeat(501)).unwrap_err();
        assert_eq!(e, TextError::TooLong("原因", 500));
        assert_eq!(e.to_string(), "原因不能超过500个字。");
        assert!(REASON.check(&"x".repeat(1_900_000)).is_err());
    }
}
