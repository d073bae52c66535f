//! The names that tie the parts together, each its own type so that a
//! brand is never passed where a team is expected: [`BrandName`],
//! [`TeamName`] and [`SourceId`]. Each reads as a `str` and prints as one.

use std::borrow::Borrow;
use std::fmt;
use std::ops::Deref;

use serde::{Deserialize, Serialize};

macro_rules! name {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// The name as written.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl Borrow<str> for $name {
            fn borrow(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        // Quoted like the text it is, so that messages read `"blog"`.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<String> for $name {
            fn from(name: String) -> Self {
                $name(name)
            }
        }

        impl From<&str> for $name {
            fn from(name: &str) -> Self {
                $name(name.to_string())
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> String {
                name.0
            }
        }

        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }

        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

name! {
    /// A brand's name, as `[[brand]] name` gives it ("Lumora").
    BrandName
}

name! {
    /// A team's name, as `[[team]] name` gives it ("customer-service").
    TeamName
}

name! {
    /// A source's stable id: its name, or a feed's URL as configured.
    SourceId
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_and_print_as_text() {
        let brand = BrandName::from("Lumora");
        assert_eq!(brand, "Lumora");
        assert_eq!(brand.to_lowercase(), "lumora");
        assert_eq!(format!("[{brand}] {brand:?}"), "[Lumora] \"Lumora\"");
        let set: std::collections::HashSet<TeamName> = [TeamName::from("cs")].into();
        assert!(set.contains("cs"));
        assert_eq!(
            serde_json::to_string(&SourceId::from("blog")).unwrap(),
            "\"blog\""
        );
    }
}
