//! Identifiers the platform makes or is given and passes between crates unchanged: a
//! license's id (its certificate serial, hex) and a QR request's id. They carry no check of
//! their own beyond being non-empty, printable ASCII; the newtype keeps one from being passed
//! where the other, or any string, is meant.

use core::fmt;

macro_rules! opaque_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            /// Parse a stored or received id: `None` if empty or not printable ASCII.
            pub fn parse(s: &str) -> Option<$name> {
                (!s.is_empty() && s.bytes().all(|b| b.is_ascii_graphic()))
                    .then(|| $name(s.to_owned()))
            }

            /// The id as stored and sent.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The id as an owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        /// Wraps an id the caller already holds as text (made by the platform, or verified
        /// with the certificate it names); stored ids are read with `parse`.
        impl From<String> for $name {
            fn from(s: String) -> $name {
                $name(s)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> $name {
                $name(s.to_owned())
            }
        }

        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
    };
}

opaque_id! {
    /// A license's id: the serial number of its certificate, in hex, as the license authority
    /// issues it.
    LicenseId
}

opaque_id! {
    /// A QR request's id, the last segment of the QR link.
    QrId
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse_print_and_stay_apart() {
        let l = LicenseId::parse("0a1b2c").unwrap();
        assert_eq!(l.as_str(), "0a1b2c");
        assert_eq!(l.to_string(), "0a1b2c");
        assert_eq!(String::from(l.clone()), "0a1b2c");
        assert_eq!(LicenseId::from("0a1b2c"), l);
        assert_eq!(LicenseId::parse(""), None);
        assert_eq!(LicenseId::parse("a b"), None);
        assert_eq!(LicenseId::parse("序列号"), None);
        let q = QrId::parse("req_0001").unwrap();
        assert_eq!(q.clone().into_string(), "req_0001");
        assert_eq!(q.as_ref(), "req_0001");
    }
}
