//! The parameters of an Open311 call: the query string of a GET, the
//! `application/x-www-form-urlencoded` body of a POST (UTF-8), both decoded the same way.
//! Empty values count as absent (the specification: "an empty parameter behaves like an
//! absent one"). Attributes come as `attribute[CODE]=value`, and as repeated
//! `attribute[CODE][]=value` for multi-value lists.

use std::collections::BTreeMap;

use guichet_guest::query::Query;

/// Largest POST body accepted: a description is at most 4,000 characters, and the attributes
/// of a form are far below the rest.
pub const MAX_BODY: usize = 64 * 1024;

/// Decoded name/value pairs, in order (decoded by [`Query`]).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(Query);

/// The answer to one attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttributeValue {
    One(String),
    Many(Vec<String>),
}

impl Params {
    /// Decodes `raw` (`a=1&b=x+y&c=%C3%A9`): `+` is a space, `%XX` a byte, invalid UTF-8
    /// becomes U+FFFD.
    pub fn parse(raw: &str) -> Params {
        Params(Query::parse(raw))
    }

    /// The first non-empty value of `name`, trimmed of surrounding spaces.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .pairs()
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .find(|v| !v.is_empty())
    }

    /// Whether `name` is given with a non-empty value.
    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// Every `attribute[CODE]` (one value; several if repeated) and `attribute[CODE][]`
    /// (always a list), by code; empty values are dropped, and an attribute left with none
    /// is absent.
    pub fn attributes(&self) -> BTreeMap<String, AttributeValue> {
        let mut found: BTreeMap<String, (bool, Vec<String>)> = BTreeMap::new();
        for (name, value) in self.0.pairs() {
            let Some(inner) = name.strip_prefix("attribute[") else {
                continue;
            };
            let (code, list) = if let Some(code) = inner.strip_suffix("][]") {
                (code, true)
            } else if let Some(code) = inner.strip_suffix(']') {
                (code, false)
            } else {
                continue;
            };
            if code.is_empty() || code.contains(['[', ']']) {
                continue;
            }
            let entry = found.entry(code.to_owned()).or_default();
            entry.0 |= list;
            let value = value.trim();
            if !value.is_empty() {
                entry.1.push(value.to_owned());
            }
        }
        found
            .into_iter()
            .filter(|(_, (_, values))| !values.is_empty())
            .map(|(code, (list, mut values))| {
                let value = if list || values.len() > 1 {
                    AttributeValue::Many(values)
                } else {
                    AttributeValue::One(values.remove(0))
                };
                (code, value)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_form_decoded_and_empty_ones_are_absent() {
        let params = Params::parse("description=Nid+de+poule+%C3%A0+droite&email=&lat=48.1");
        assert_eq!(params.get("description"), Some("Nid de poule à droite"));
        assert_eq!(params.get("email"), None);
        assert!(params.has("lat"));
        assert!(!params.has("long"));
    }

    #[test]
    fn attributes_are_read_by_code_with_lists_from_brackets() {
        let params = Params::parse(
            "attribute%5Bsize%5D=large&attribute[waste-type][]=tyres&attribute[waste-type][]=wood\
             &attribute[empty]=&attribute[days][]=mon&attribute[x][y]=1&attributes=2",
        );
        let attributes = params.attributes();
        assert_eq!(
            attributes.get("size"),
            Some(&AttributeValue::One("large".into()))
        );
        assert_eq!(
            attributes.get("waste-type"),
            Some(&AttributeValue::Many(vec!["tyres".into(), "wood".into()]))
        );
        assert_eq!(
            attributes.get("days"),
            Some(&AttributeValue::Many(vec!["mon".into()]))
        );
        assert_eq!(attributes.len(), 3, "{attributes:?}");
    }
}
