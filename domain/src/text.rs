//! Lowercasing for search, sorting and comparing names, without the standard library's Unicode
//! case tables.
//!
//! `str::to_lowercase` brings a 11.7 KB table and its code into the browser bundle. In the split
//! build every chunk's data lives in the main wasm, so one call anywhere costs the first load about
//! 4 KB brotli. [`fold_case`] covers the scripts in which case labels, names of providers, partners
//! and offers are written here; every letter it changes, it changes as `to_lowercase` does (the
//! tests compare each one):
//! - Latin: ASCII, Latin-1 (umlauts), Latin Extended-A and -B pairs (Turkish, Polish, Czech,
//!   Romanian, …), Latin Extended Additional (Vietnamese), ẞ;
//! - Greek;
//! - Cyrillic.
//!
//! Other letters stay as they are. One exception is deliberate: `İ` (Turkish capital dotted I)
//! becomes `i`, where `to_lowercase` gives `i` with a combining dot, which a search for "i"
//! would not find.

/// The string with every letter of the covered scripts lowercased (see the module).
pub fn fold_case(s: &str) -> String {
    s.chars().map(fold_char).collect()
}

/// A name as it is compared: without case, and without surrounding or repeated blanks
/// ("Jugendhilfe  Nord e.V. " and "jugendhilfe nord e.V." are one).
pub fn name_key(s: &str) -> String {
    fold_case(&s.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// One letter lowercased, if it is an uppercase letter of the covered scripts.
pub fn fold_char(c: char) -> char {
    let u = u32::from(c);
    let even = u % 2 == 0;
    let lower = match u {
        0x41..=0x5A => u + 32,
        0xC0..=0xDE if u != 0xD7 => u + 32,
        0x130 => 0x69,
        0x100..=0x137 | 0x14A..=0x177 if even => u + 1,
        0x139..=0x148 | 0x179..=0x17E if !even => u + 1,
        0x178 => 0xFF,
        // Latin Extended-B: the pairs of Romanian (Ș, Ț) and the letters around them.
        0x1DE..=0x1EF | 0x1F4..=0x1F5 | 0x1F8..=0x21F | 0x222..=0x233 if even => u + 1,
        0x1E00..=0x1E95 | 0x1EA0..=0x1EFF if even => u + 1,
        0x1E9E => 0xDF,
        0x386 => 0x3AC,
        0x388..=0x38A => u + 37,
        0x38C => 0x3CC,
        0x38E..=0x38F => u + 63,
        0x391..=0x3AB if u != 0x3A2 => u + 32,
        0x400..=0x40F => u + 80,
        0x410..=0x42F => u + 32,
        0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x52F if even => u + 1,
        0x4C0 => 0x4CF,
        0x4C1..=0x4CE if !even => u + 1,
        _ => u,
    };
    char::from_u32(lower).unwrap_or(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The blocks `fold_char` claims to cover.
    const COVERED: [(u32, u32); 9] = [
        (0x00, 0x7F),
        (0x80, 0xFF),
        (0x100, 0x17F),
        (0x1DE, 0x233),
        (0x1E00, 0x1EFF),
        (0x370, 0x3FF),
        (0x400, 0x4FF),
        (0x500, 0x52F),
        (0x1E9E, 0x1E9E),
    ];

    #[test]
    fn agrees_with_to_lowercase_on_every_covered_letter() {
        for (from, to) in COVERED {
            for u in from..=to {
                let Some(c) = char::from_u32(u) else { continue };
                let std: Vec<char> = c.to_lowercase().collect();
                if c == 'İ' {
                    assert_eq!(fold_char(c), 'i');
                    continue;
                }
                // Letters outside the pairs (e.g. Greek archaic letters) may stay as they are.
                let ours = fold_char(c);
                if ours != c || std.len() != 1 {
                    assert_eq!(vec![ours], std, "U+{u:04X} {c}");
                }
            }
        }
    }

    #[test]
    fn the_letters_of_case_labels_and_names_fold() {
        for c in "ABCXYZÄÖÜẞÀÉÑØÞĄĆĘŁŃŚŹŻČĎĚŇŘŠŤŮŽŐŰĞŞȘȚĂÂÎΑΩΆΏΪАЯЁЇЄҐЎ".chars()
        {
            let std: Vec<char> = c.to_lowercase().collect();
            assert_eq!(vec![fold_char(c)], std, "{c}");
            assert_ne!(fold_char(c), c, "{c}");
        }
        assert_eq!(fold_case("Mädchen-WG Süd, ÖSTERREICH"), "mädchen-wg süd, österreich");
        assert_eq!(fold_case("İstanbul"), "istanbul");
        assert_eq!(fold_case("ÇAĞRI Şahin"), "çağri şahin");
        assert_eq!(fold_case("Жуков"), "жуков");
    }

    /// The guard of ARCHITECTURE.md's invariant: no source of the browser bundle (domain and app)
    /// calls the standard library's lowercasing, which would bring its table back.
    #[test]
    fn no_source_of_the_browser_bundle_calls_to_lowercase() {
        fn walk(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).expect("source dir").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("domain/src/text.rs")
                {
                    let src = std::fs::read_to_string(&path).expect("source file");
                    if src.contains(".to_lowercase()") || src.contains(".to_uppercase()") {
                        found.push(path.display().to_string());
                    }
                }
            }
        }
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut found = Vec::new();
        walk(&root.join("domain/src"), &mut found);
        walk(&root.join("app/src"), &mut found);
        assert!(found.is_empty(), "use passgenau_domain::text::fold_case in {found:?}");
    }

    #[test]
    fn digits_signs_and_lowercase_letters_stay() {
        let s = "az-09 ß ä ö ü ×÷ §27 € ſ ĸ ŉ";
        assert_eq!(fold_case(s), s);
    }
}
