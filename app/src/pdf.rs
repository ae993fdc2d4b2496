//! A small PDF writer for documents made on the device, offline: A4 pages, Helvetica (regular and
//! bold, the standard fonts every reader has, WinAnsiEncoding for German), wrapped text and simple
//! vector lines for charts. Content streams stay uncompressed; the text is readable in the file.
//! Pure; tested natively.

/// A4 in points.
pub const PAGE_W: f32 = 595.28;
pub const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.0;

/// Helvetica widths (1/1000 em) of the printable ASCII characters 32..=126 (Adobe AFM).
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556,
    556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278,
    500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469,
    556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500,
    278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/// The WinAnsiEncoding byte of a character (`?` where it has none).
pub fn win_ansi(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
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
        '−' => b'-',
        '\u{a0}' => b' ',
        '\u{a1}'..='\u{ff}' => c as u32 as u8,
        _ => b'?',
    }
}

fn char_width(c: char, bold: bool) -> f32 {
    let base = match win_ansi(c) {
        b @ 32..=126 => f32::from(HELVETICA[usize::from(b - 32)]),
        0xdf => 611.0,
        0xc4 | 0xd6 | 0xdc => 722.0,
        0x84 | 0x93 | 0x94 | 0x91 | 0x92 | 0xb7 => 333.0,
        _ => 556.0,
    };
    // Helvetica-Bold is up to a quarter wider for narrow letters; wrapping errs on the safe side.
    if bold {
        base * 1.2
    } else {
        base
    }
}

/// Width of `s` in points at `size`.
pub fn text_width(s: &str, size: f32, bold: bool) -> f32 {
    s.chars().map(|c| char_width(c, bold)).sum::<f32>() * size / 1000.0
}

/// Splits `text` into lines no wider than `width` (words longer than a line are cut).
pub fn wrap(text: &str, size: f32, bold: bool, width: f32) -> Vec<String> {
    let mut out = Vec::new();
    for para in text.lines() {
        let indent: String = para.chars().take_while(|c| *c == ' ').collect();
        let mut line = indent.clone();
        for word in para.split_whitespace() {
            let candidate =
                if line.trim().is_empty() { format!("{indent}{word}") } else { format!("{line} {word}") };
            if text_width(&candidate, size, bold) <= width {
                line = candidate;
                continue;
            }
            if !line.trim().is_empty() {
                out.push(std::mem::take(&mut line));
            }
            let mut rest = word.to_owned();
            while text_width(&format!("{indent}{rest}"), size, bold) > width && rest.chars().count() > 1 {
                let mut cut = rest.chars().count() - 1;
                while cut > 1
                    && text_width(
                        &format!("{indent}{}", rest.chars().take(cut).collect::<String>()),
                        size,
                        bold,
                    ) > width
                {
                    cut -= 1;
                }
                out.push(format!("{indent}{}", rest.chars().take(cut).collect::<String>()));
                rest = rest.chars().skip(cut).collect();
            }
            line = format!("{indent}{rest}");
        }
        out.push(line);
    }
    out
}

/// A PDF literal string: WinAnsi bytes, `( ) \` escaped, bytes above 126 as octal escapes.
fn literal(s: &str) -> String {
    let mut out = String::from("(");
    for b in s.chars().map(win_ansi) {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(b as char);
            }
            32..=126 => out.push(b as char),
            _ => out.push_str(&format!("\\{b:03o}")),
        }
    }
    out.push(')');
    out
}

/// A PDF text string for metadata: UTF-16BE with a byte order mark, in hex (any character).
fn text_string(s: &str) -> String {
    let mut out = String::from("<FEFF");
    for u in s.encode_utf16() {
        out.push_str(&format!("{u:04X}"));
    }
    out.push('>');
    out
}

/// A document being written, page by page, top to bottom.
pub struct Document {
    pages: Vec<String>,
    page: String,
    /// Distance of the next line from the bottom of the page.
    y: f32,
    title: String,
}

impl Document {
    pub fn new(title: &str) -> Self {
        Document { pages: Vec::new(), page: String::new(), y: PAGE_H - MARGIN, title: title.to_owned() }
    }

    pub fn content_width(&self) -> f32 {
        PAGE_W - 2.0 * MARGIN
    }

    fn new_page(&mut self) {
        self.pages.push(std::mem::take(&mut self.page));
        self.y = PAGE_H - MARGIN;
    }

    /// Makes room for `height` points, starting a new page when needed.
    pub fn room(&mut self, height: f32) {
        if self.y - height < MARGIN {
            self.new_page();
        }
    }

    /// A paragraph, wrapped to the page width, followed by `after` points of space.
    pub fn paragraph(&mut self, text: &str, size: f32, bold: bool, after: f32) {
        let leading = size * 1.35;
        for line in wrap(text, size, bold, self.content_width()) {
            self.room(leading);
            self.y -= leading;
            let font = if bold { "F2" } else { "F1" };
            self.page.push_str(&format!(
                "BT /{font} {size} Tf {MARGIN:.2} {:.2} Td {} Tj ET\n",
                self.y + size * 0.3,
                literal(&line)
            ));
        }
        self.y -= after;
    }

    /// The current height from the bottom (for drawing below the last line).
    pub fn cursor(&self) -> f32 {
        self.y
    }

    pub fn margin(&self) -> f32 {
        MARGIN
    }

    /// Moves the cursor down after a drawing of `height` points.
    pub fn advance(&mut self, height: f32) {
        self.y -= height;
    }

    /// A polyline in the colour `rgb` (0..1), `width` points wide.
    pub fn polyline(&mut self, points: &[(f32, f32)], rgb: (f32, f32, f32), width: f32) {
        let Some((first, rest)) = points.split_first() else { return };
        self.page.push_str(&format!(
            "{:.3} {:.3} {:.3} RG {width:.2} w {:.2} {:.2} m",
            rgb.0, rgb.1, rgb.2, first.0, first.1
        ));
        for p in rest {
            self.page.push_str(&format!(" {:.2} {:.2} l", p.0, p.1));
        }
        self.page.push_str(" S\n");
    }

    /// Text at a position (labels of a chart).
    pub fn text_at(&mut self, x: f32, y: f32, size: f32, text: &str) {
        self.page.push_str(&format!("BT /F1 {size} Tf {x:.2} {y:.2} Td {} Tj ET\n", literal(text)));
    }

    /// The finished file.
    pub fn finish(mut self) -> Vec<u8> {
        if !self.page.is_empty() || self.pages.is_empty() {
            self.new_page();
        }
        let n = self.pages.len();
        let mut objects: Vec<String> = Vec::new();
        // 1 catalog, 2 pages, 3 and 4 fonts, 5 info; then per page its page and content object.
        let kids: Vec<String> = (0..n).map(|i| format!("{} 0 R", 6 + 2 * i)).collect();
        objects.push("<< /Type /Catalog /Pages 2 0 R >>".into());
        objects.push(format!("<< /Type /Pages /Kids [{}] /Count {n} >>", kids.join(" ")));
        objects
            .push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".into());
        objects.push(
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".into(),
        );
        objects.push(format!("<< /Title {} /Producer (Passgenau) >>", text_string(&self.title)));
        for (i, content) in self.pages.iter().enumerate() {
            let footer = format!(
                "BT /F1 8 Tf {MARGIN:.2} 28 Td {} Tj ET\n",
                literal(&format!("{} · Seite {} von {n}", self.title, i + 1))
            );
            let stream = format!("{content}{footer}");
            objects.push(format!(
                "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {} 0 R >>",
                7 + 2 * i
            ));
            objects.push(format!("<< /Length {} >>\nstream\n{stream}endstream", stream.len()));
        }
        let mut out = String::from("%PDF-1.4\n");
        let mut offsets = Vec::with_capacity(objects.len());
        for (i, o) in objects.iter().enumerate() {
            offsets.push(out.len());
            out.push_str(&format!("{} 0 obj\n{o}\nendobj\n", i + 1));
        }
        let xref = out.len();
        out.push_str(&format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1));
        for o in offsets {
            out.push_str(&format!("{o:010} 00000 n \n"));
        }
        out.push_str(&format!(
            "trailer\n<< /Size {} /Root 1 0 R /Info 5 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        ));
        out.into_bytes()
    }
}

/// The texts shown by a PDF (what each `Tj` writes, decoded), for tests.
pub fn shown_texts(pdf: &[u8]) -> Vec<String> {
    let s = String::from_utf8_lossy(pdf);
    let mut out = Vec::new();
    let mut rest = s.as_ref();
    while let Some(start) = rest.find(") Tj") {
        let head = &rest[..start];
        let open = head.rfind(" (").map_or(0, |i| i + 2);
        let raw = &head[open..];
        let mut text = String::new();
        let mut chars = raw.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\\' {
                let digits: String =
                    std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).take(3).collect();
                if digits.is_empty() {
                    if let Some(n) = chars.next() {
                        text.push(n);
                    }
                } else if let Ok(b) = u8::from_str_radix(&digits, 8) {
                    text.push(from_win_ansi(b));
                }
            } else {
                text.push(c);
            }
        }
        out.push(text);
        rest = &rest[start + 4..];
    }
    out
}

fn from_win_ansi(b: u8) -> char {
    match b {
        0x80 => '€',
        0x84 => '„',
        0x93 => '“',
        0x96 => '–',
        0xa0..=0xff => char::from(b),
        _ => '?',
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_document_with_german_text_and_a_line_is_a_readable_pdf() {
        let mut d = Document::new("Hilfeplan – Fall");
        d.paragraph(
            "Gesamtziel und Teilziele (§ 36): Schulbesuch „regelmäßig“ – 1.209,87 €",
            12.0,
            true,
            4.0,
        );
        d.polyline(&[(60.0, 600.0), (200.0, 650.0)], (0.1, 0.3, 0.6), 1.5);
        for i in 0..120 {
            d.paragraph(&format!("Zeile {i} (mit Klammern) und Backslash \\"), 10.0, false, 0.0);
        }
        let pdf = d.finish();
        let s = String::from_utf8_lossy(&pdf);
        assert!(s.starts_with("%PDF-1.4") && s.trim_end().ends_with("%%EOF"));
        assert!(s.contains("/Count 3"), "120 lines take three pages");
        let texts = shown_texts(&pdf);
        assert_eq!(texts[0], "Gesamtziel und Teilziele (§ 36): Schulbesuch „regelmäßig“ – 1.209,87 €");
        assert!(texts.iter().any(|t| t == "Zeile 7 (mit Klammern) und Backslash \\"));
        assert!(texts.iter().any(|t| t == "Hilfeplan – Fall · Seite 3 von 3"));
        // Every xref offset points at its object.
        let xref = s.rfind("xref\n").unwrap();
        for (i, line) in s[xref..].lines().skip(3).take_while(|l| l.ends_with(" n ")).enumerate() {
            let off: usize = line[..10].parse().unwrap();
            assert!(s[off..].starts_with(&format!("{} 0 obj", i + 1)), "object {}", i + 1);
        }
    }

    #[test]
    fn long_words_and_lines_wrap_within_the_page() {
        let w = 200.0;
        for line in wrap(&format!("kurz {} Ende", "x".repeat(300)), 10.0, false, w) {
            assert!(text_width(&line, 10.0, false) <= w, "{line}");
        }
        assert_eq!(wrap("  - eingerückt", 10.0, false, 400.0), ["  - eingerückt"]);
    }
}
