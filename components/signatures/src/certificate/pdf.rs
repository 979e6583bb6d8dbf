//! The completion certificate as PDF, written with `pdf-writer` (pure Rust, no font files):
//! A4 pages, the standard Helvetica fonts in WinAnsiEncoding (characters outside it are
//! written `?`), long lines wrapped, as many pages as the summary needs.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str, TextStr};

use super::Summary;

const WIDTH: f32 = 595.0;
const HEIGHT: f32 = 842.0;
const MARGIN: f32 = 56.0;
const SIZE: f32 = 10.0;
const LEADING: f32 = 14.0;
/// Characters on a line at 10 pt (Helvetica's widest common glyphs average about 0.55 em).
const COLUMNS: usize = 86;
const REGULAR: Name = Name(b"F1");
const BOLD: Name = Name(b"F2");

/// One line of the certificate.
struct Line {
    text: String,
    bold: bool,
    size: f32,
}

/// The certificate of `summary` as a PDF file.
pub fn write(summary: &Summary) -> Vec<u8> {
    let lines = lines(summary);
    let per_page = ((HEIGHT - 2.0 * MARGIN) / LEADING) as usize;
    let pages: Vec<&[Line]> = lines.chunks(per_page.max(1)).collect();
    let mut pdf = Pdf::new();
    let catalog = Ref::new(1);
    let tree = Ref::new(2);
    let regular = Ref::new(3);
    let bold = Ref::new(4);
    let info = Ref::new(5);
    let first_page = 6;
    pdf.catalog(catalog).pages(tree);
    let kids: Vec<Ref> = (0..pages.len())
        .map(|i| Ref::new(first_page + 2 * i32::try_from(i).unwrap_or(0)))
        .collect();
    pdf.pages(tree)
        .kids(kids.iter().copied())
        .count(i32::try_from(pages.len()).unwrap_or(1));
    pdf.type1_font(regular)
        .base_font(Name(b"Helvetica"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    pdf.type1_font(bold)
        .base_font(Name(b"Helvetica-Bold"))
        .encoding_predefined(Name(b"WinAnsiEncoding"));
    let title = format!("Certificat de signature - {}", summary.title);
    pdf.document_info(info)
        .title(TextStr(&title))
        .producer(TextStr("Guichet signatures"));
    for (i, (page_lines, id)) in pages.iter().zip(&kids).enumerate() {
        let content_id = Ref::new(id.get() + 1);
        let mut page = pdf.page(*id);
        page.media_box(Rect::new(0.0, 0.0, WIDTH, HEIGHT));
        page.parent(tree);
        page.contents(content_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(REGULAR, regular);
        fonts.pair(BOLD, bold);
        fonts.finish();
        resources.finish();
        page.finish();
        let mut content = Content::new();
        let mut y = HEIGHT - MARGIN;
        for line in page_lines.iter() {
            content.begin_text();
            content.set_font(if line.bold { BOLD } else { REGULAR }, line.size);
            content.next_line(MARGIN, y);
            content.show(Str(&win_ansi(&line.text)));
            content.end_text();
            y -= LEADING;
        }
        content.begin_text();
        content.set_font(REGULAR, 8.0);
        content.next_line(MARGIN, MARGIN / 2.0);
        content.show(Str(&win_ansi(&format!(
            "{} - {}/{}",
            summary.flow,
            i + 1,
            pages.len()
        ))));
        content.end_text();
        pdf.stream(content_id, &content.finish());
    }
    pdf.finish()
}

fn lines(s: &Summary) -> Vec<Line> {
    let mut out = Vec::new();
    let heading = |out: &mut Vec<Line>, text: &str| {
        out.push(Line {
            text: String::new(),
            bold: false,
            size: SIZE,
        });
        out.push(Line {
            text: text.to_owned(),
            bold: true,
            size: 12.0,
        });
    };
    out.push(Line {
        text: "Certificat de signature / Completion certificate".into(),
        bold: true,
        size: 16.0,
    });
    let text = |out: &mut Vec<Line>, t: String| {
        for piece in wrap(&t, COLUMNS) {
            out.push(Line {
                text: piece,
                bold: false,
                size: SIZE,
            });
        }
    };
    text(&mut out, format!("{} ({})", s.commune, s.commune_id));
    heading(&mut out, "Document");
    text(
        &mut out,
        format!("Titre / Title: {} - version {}", s.title, s.version),
    );
    text(
        &mut out,
        format!(
            "Fichier / File: {} ({}, {} octets / bytes)",
            s.file_name, s.content_type, s.size
        ),
    );
    text(&mut out, "SHA-256:".into());
    text(&mut out, s.sha256.clone());
    heading(&mut out, "Circuit / Flow");
    text(&mut out, format!("Identifiant / Id: {}", s.flow));
    text(&mut out, format!("Objet / Purpose: {}", s.purpose));
    text(
        &mut out,
        format!(
            "Mode: {}, quorum {} / {}",
            s.mode,
            s.quorum,
            s.signers.len()
        ),
    );
    text(&mut out, format!("État / State: {}", s.state));
    text(
        &mut out,
        format!("Créé / Created: {} - {}", s.created_at, s.created_by),
    );
    text(&mut out, format!("Clos / Closed: {}", s.closed_at));
    heading(&mut out, "Signataires / Signers");
    for signer in &s.signers {
        text(
            &mut out,
            format!(
                "{}. {} - {} - {} {}",
                signer.position, signer.account, signer.role, signer.state, signer.decided_at
            ),
        );
        if !signer.method.is_empty() {
            text(&mut out, format!("    méthode / method: {}", signer.method));
        }
        if !signer.reason.is_empty() {
            text(&mut out, format!("    motif / reason: {}", signer.reason));
        }
    }
    heading(&mut out, "Historique / Steps");
    for step in &s.steps {
        text(&mut out, step.clone());
    }
    heading(&mut out, "Vérifier / Verify");
    text(&mut out, s.verify_url.clone());
    text(
        &mut out,
        format!("Établi le / Generated at: {}", s.generated_at),
    );
    out
}

/// `text` cut into lines of at most `columns` characters, at spaces when it can.
fn wrap(text: &str, columns: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let mut word: Vec<char> = word.chars().collect();
        while word.len() > columns {
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            lines.push(word.drain(..columns).collect());
        }
        let word: String = word.into_iter().collect();
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > columns {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word);
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

/// `text` in WinAnsiEncoding (Windows-1252): Latin-1 as is, the typographic marks Windows
/// adds, `?` for anything else; control characters become spaces.
fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match c {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => u8::try_from(u32::from(c)).unwrap_or(b'?'),
            '€' => 0x80,
            '‚' => 0x82,
            '„' => 0x84,
            '…' => 0x85,
            '‘' => 0x91,
            '’' => 0x92,
            '“' => 0x93,
            '”' => 0x94,
            '•' => 0x95,
            '–' => 0x96,
            '—' => 0x97,
            'œ' => 0x9c,
            'Œ' => 0x8c,
            c if c.is_control() => b' ',
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_words_are_cut_and_lines_wrap_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), vec!["aa bb", "cc"]);
        assert_eq!(wrap(&"x".repeat(12), 5), vec!["xxxxx", "xxxxx", "xx"]);
        assert_eq!(wrap("", 5), vec![""]);
    }

    #[test]
    fn french_text_is_written_in_win_ansi() {
        assert_eq!(win_ansi("é’€"), vec![0xe9, 0x92, 0x80]);
        assert_eq!(win_ansi("中\n"), vec![b'?', b' ']);
    }
}
