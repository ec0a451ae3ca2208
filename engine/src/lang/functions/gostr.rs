//! Go's string semantics where they differ from Rust's, since Terraform's functions are
//! written in Go: case mapping is per character (simple case mapping: `straße` upper-cases
//! to `STRAßE`, not `STRASSE`), titles use the title case of digraphs (`ǆ` -> `ǅ`), and
//! RE2's Perl classes `\w`, `\d`, `\s` and word boundaries are ASCII-only.

/// Go's `unicode.ToUpper` on one character: only a single-character mapping applies.
pub(super) fn upper_char(c: char) -> char {
    let mut m = c.to_uppercase();
    match (m.next(), m.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

/// Go's `unicode.ToLower` on one character. The one character whose full lower case is
/// longer (`İ`, U+0130) lower-cases simply to `i`.
pub(super) fn lower_char(c: char) -> char {
    c.to_lowercase().next().unwrap_or(c)
}

/// Go's `unicode.ToTitle`: the upper case, except for the four Latin digraphs that have a
/// distinct title-case form.
pub(super) fn title_char(c: char) -> char {
    match c {
        'Ǆ' | 'ǅ' | 'ǆ' => 'ǅ',
        'Ǉ' | 'ǈ' | 'ǉ' => 'ǈ',
        'Ǌ' | 'ǋ' | 'ǌ' => 'ǋ',
        'Ǳ' | 'ǲ' | 'ǳ' => 'ǲ',
        _ => upper_char(c),
    }
}

pub(super) fn upper(s: &str) -> String {
    s.chars().map(upper_char).collect()
}

pub(super) fn lower(s: &str) -> String {
    s.chars().map(lower_char).collect()
}

/// The ASCII sets RE2 gives the Perl classes, as the inside of a bracket class.
fn perl_class(c: char) -> Option<&'static str> {
    Some(match c {
        'w' | 'W' => "0-9A-Za-z_",
        'd' | 'D' => "0-9",
        's' | 'S' => "\\t\\n\\f\\r ",
        _ => return None,
    })
}

/// Rewrites an RE2 pattern for Rust's regex crate, whose `\w`, `\d`, `\s` and `\b` are
/// Unicode-aware: each becomes the ASCII class RE2 means (nested classes inside brackets,
/// which the regex crate supports).
pub(super) fn re2_pattern(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 16);
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                let Some(&next) = chars.peek() else {
                    out.push(c);
                    break;
                };
                chars.next();
                if let Some(set) = perl_class(next) {
                    let negate = if next.is_ascii_uppercase() { "^" } else { "" };
                    out.push_str(&format!("[{negate}{set}]"));
                } else if (next == 'b' || next == 'B') && !in_class {
                    out.push_str(&format!("(?-u:\\{next})"));
                } else {
                    out.push('\\');
                    out.push(next);
                }
            }
            '[' if !in_class => {
                in_class = true;
                out.push(c);
                // A `]` (after an optional `^`) right after the opening bracket is a literal.
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push_str("\\]");
                    chars.next();
                }
            }
            '[' if in_class && chars.peek() == Some(&':') => {
                // A POSIX class such as `[:alpha:]`, copied whole.
                out.push(c);
                for p in chars.by_ref() {
                    out.push(p);
                    if p == ']' {
                        break;
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn case_mapping_is_per_character_as_in_go() {
        assert_eq!(upper("straße"), "STRAßE");
        assert_eq!(lower("İx"), "ix");
        assert_eq!(upper("ǆ"), "Ǆ");
        assert_eq!(title_char('ǆ'), 'ǅ');
    }

    #[test]
    fn perl_classes_are_ascii_as_in_re2() {
        let re = |p: &str| regex::Regex::new(&re2_pattern(p)).unwrap();
        let all = |p: &str, s: &str| -> Vec<String> {
            re(p).find_iter(s).map(|m| m.as_str().to_string()).collect()
        };
        assert_eq!(all(r"\w+", "héllo wörld"), ["h", "llo", "w", "rld"]);
        assert_eq!(all(r"[\w]+", "añb"), ["a", "b"]);
        assert_eq!(all(r"\d", "1٣"), ["1"]);
        assert_eq!(all(r"\s", "a\u{a0}b c"), [" "]);
        assert_eq!(all(r"\bx", "éx x"), ["x", "x"]);
        assert_eq!(all(r"\W", "aé"), ["é"]);
        assert_eq!(all(r"[^\d]+", "12ab3"), ["ab"]);
        assert_eq!(all(r"[]a]+", "]a]b"), ["]a]"]);
        assert_eq!(all(r"[[:alpha:]]+", "ab1"), ["ab"]);
        assert_eq!(all(r"\\w", r"\w"), [r"\w"]);
    }
}
