//! Escaping text for HTML and XML, where every value that did not come from the source code
//! must be escaped (commune names, user input, database content).

/// `text` with `& < > " '` replaced by entities, safe in element content and quoted attributes
/// of both HTML and XML.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_become_entities() {
        assert_eq!(
            escape(r#"<a href="x">Tom & 'Jerry'</a>"#),
            "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;"
        );
    }

    #[test]
    fn plain_text_and_accents_are_unchanged() {
        assert_eq!(escape("Guichet — Saint-Étienne"), "Guichet — Saint-Étienne");
    }
}
