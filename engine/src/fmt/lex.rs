//! A lexer producing the same token stream as HCL's native-syntax scanner (hclsyntax),
//! with the whitespace before each token recorded as a count. Terraform's formatter
//! (hclwrite) works on exactly these tokens, so matching their boundaries and kinds is
//! what makes the output byte-identical to `terraform fmt`. Whitespace is the only thing
//! the lexer drops; every other byte of the input lands in exactly one token, so
//! comments, heredoc bodies and string contents survive untouched.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    OQuote,
    CQuote,
    OHeredoc,
    CHeredoc,
    TemplateInterp,
    TemplateControl,
    TemplateSeqEnd,
    /// Literal text inside a quoted string.
    QuotedLit,
    /// A newline inside a quoted string (a syntax error, but lexed).
    QuotedNewline,
    /// Literal text inside a heredoc.
    StringLit,
    NumberLit,
    Ident,
    /// `#` and `//` comments include their terminating newline; `/* */` ones do not.
    Comment,
    Newline,
    Equal,
    Dot,
    Comma,
    Ellipsis,
    Colon,
    Question,
    Bang,
    Minus,
    Plus,
    Star,
    Slash,
    Percent,
    EqualOp,
    NotEqual,
    Gt,
    Gte,
    Lt,
    Lte,
    And,
    Or,
    FatArrow,
    DoubleColon,
    /// Single characters HCL lexes but gives no meaning (`&`, `|`, `~`, `^`, `;`, ...).
    Other,
    Invalid,
    Eof,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: Kind,
    pub text: String,
    /// Spaces (or tabs, counted as one each, as hclwrite does) before the token.
    pub spaces: usize,
}

impl Token {
    pub fn new(kind: Kind, text: &str) -> Token {
        Token {
            kind,
            text: text.to_string(),
            spaces: 0,
        }
    }

    /// Whether this token ends a line: a newline, or a line comment that swallowed one.
    pub fn is_newline(&self) -> bool {
        match self.kind {
            Kind::Newline => true,
            Kind::Comment => self.text.ends_with('\n'),
            _ => false,
        }
    }

    /// +1 for tokens that open a bracket (including `${` and `%{`), -1 for closers.
    pub fn bracket_change(&self) -> i32 {
        match self.kind {
            Kind::OBrace
            | Kind::OBrack
            | Kind::OParen
            | Kind::TemplateInterp
            | Kind::TemplateControl => 1,
            Kind::CBrace | Kind::CBrack | Kind::CParen | Kind::TemplateSeqEnd => -1,
            _ => 0,
        }
    }
}

enum Mode {
    Main,
    Quoted,
    Heredoc { marker: String, start_of_line: bool },
}

/// The byte offset (in `src`) of a heredoc that never closes, if any. HCL requires the
/// closing marker to be followed by a newline; hcl-edit also accepts one at the very
/// end of the file, so this check keeps `fmt` rejecting what Terraform rejects.
pub(crate) fn unclosed_heredoc(src: &str) -> Option<usize> {
    let bom = if src.starts_with('\u{feff}') { 3 } else { 0 };
    let tokens = lex(src);
    let mut open = Vec::new();
    let mut offset = bom;
    for t in &tokens {
        offset += t.spaces;
        match t.kind {
            Kind::OHeredoc => open.push(offset),
            Kind::CHeredoc => {
                open.pop();
            }
            _ => {}
        }
        offset += t.text.len();
    }
    open.first().copied()
}

/// Lexes the whole source. The last token is always `Eof` (whose `spaces` are the
/// whitespace at the very end of the input). Never fails: bytes HCL cannot lex become
/// `Invalid` tokens (callers validate syntax separately).
pub(crate) fn lex(src: &str) -> Vec<Token> {
    // A UTF-8 byte order mark is skipped by HCL's scanner and so dropped by its formatter.
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    let mut lx = Lexer {
        src,
        pos: 0,
        spaces: 0,
        tokens: Vec::new(),
        modes: vec![Mode::Main],
        braces: 0,
        ret_braces: Vec::new(),
    };
    lx.run();
    let spaces = lx.spaces;
    lx.tokens.push(Token {
        kind: Kind::Eof,
        text: String::new(),
        spaces,
    });
    lx.tokens
}

struct Lexer<'a> {
    src: &'a str,
    pos: usize,
    spaces: usize,
    tokens: Vec<Token>,
    modes: Vec<Mode>,
    /// Brace depth and the depths at which a `}` closes a template interpolation,
    /// tracked as hclsyntax does so that `}` is classified the same way.
    braces: i64,
    ret_braces: Vec<i64>,
}

fn is_ident_start(c: char) -> bool {
    c == '_' || c.is_alphabetic()
}

fn is_ident_continue(c: char) -> bool {
    c == '_' || c == '-' || c.is_alphanumeric()
}

impl<'a> Lexer<'a> {
    fn rest(&self) -> &'a str {
        &self.src[self.pos..]
    }

    fn emit(&mut self, kind: Kind, len: usize) {
        let end = (self.pos + len).min(self.src.len());
        self.tokens.push(Token {
            kind,
            text: self.src[self.pos..end].to_string(),
            spaces: self.spaces,
        });
        self.spaces = 0;
        self.pos = end;
    }

    fn run(&mut self) {
        while self.pos < self.src.len() {
            match self.modes.last() {
                Some(Mode::Quoted) => self.quoted(),
                Some(Mode::Heredoc { .. }) => self.heredoc(),
                _ => self.main(),
            }
        }
    }

    fn open_template_seq(&mut self, kind: Kind) {
        let len = if self.rest()[2..].starts_with('~') {
            3
        } else {
            2
        };
        self.emit(kind, len);
        self.braces += 1;
        self.ret_braces.push(self.braces);
        if let Some(Mode::Heredoc { start_of_line, .. }) = self.modes.last_mut() {
            *start_of_line = false;
        }
        self.modes.push(Mode::Main);
    }

    fn close_brace(&mut self, len: usize) {
        if self.ret_braces.last() == Some(&self.braces) {
            self.emit(Kind::TemplateSeqEnd, len);
            self.braces -= 1;
            self.ret_braces.pop();
            if self.modes.len() > 1 {
                self.modes.pop();
            }
        } else {
            // `~}` without a matching `${~` is still a sequence end, so that the parser
            // reports it; a bare `}` is an ordinary brace.
            self.emit(
                if len == 2 {
                    Kind::TemplateSeqEnd
                } else {
                    Kind::CBrace
                },
                len,
            );
            self.braces -= 1;
        }
    }

    fn main(&mut self) {
        let rest = self.rest();
        let Some(c) = rest.chars().next() else {
            return;
        };
        if c == ' ' || c == '\t' {
            self.spaces += 1;
            self.pos += 1;
            return;
        }
        if c.is_ascii_digit() {
            let len = number_len(rest);
            self.emit(Kind::NumberLit, len);
            return;
        }
        if is_ident_start(c) {
            let len = rest
                .char_indices()
                .find(|&(i, ch)| i > 0 && !is_ident_continue(ch))
                .map_or(rest.len(), |(i, _)| i);
            self.emit(Kind::Ident, len);
            return;
        }
        if rest.starts_with('#') || rest.starts_with("//") {
            let len = rest.find('\n').map_or(rest.len(), |i| i + 1);
            self.emit(Kind::Comment, len);
            return;
        }
        if let Some(body) = rest.strip_prefix("/*") {
            let len = body.find("*/").map_or(rest.len(), |i| i + 4);
            self.emit(Kind::Comment, len);
            return;
        }
        if rest.starts_with("\r\n") {
            self.emit(Kind::Newline, 2);
            return;
        }
        if let Some(len) = heredoc_intro_len(rest) {
            let intro = &rest[2..len];
            let marker = intro
                .trim_start_matches('-')
                .trim_end_matches(['\n', '\r'])
                .to_string();
            self.emit(Kind::OHeredoc, len);
            self.modes.push(Mode::Heredoc {
                marker,
                start_of_line: true,
            });
            return;
        }
        let three: &[(&str, Kind)] = &[("...", Kind::Ellipsis)];
        let two: &[(&str, Kind)] = &[
            ("==", Kind::EqualOp),
            ("!=", Kind::NotEqual),
            (">=", Kind::Gte),
            ("<=", Kind::Lte),
            ("&&", Kind::And),
            ("||", Kind::Or),
            ("::", Kind::DoubleColon),
            ("=>", Kind::FatArrow),
        ];
        for (s, k) in three.iter().chain(two) {
            if rest.starts_with(s) {
                self.emit(*k, s.len());
                return;
            }
        }
        if rest.starts_with("~}") {
            self.close_brace(2);
            return;
        }
        let kind = match c {
            '{' => {
                self.emit(Kind::OBrace, 1);
                self.braces += 1;
                return;
            }
            '}' => {
                self.close_brace(1);
                return;
            }
            '"' => {
                self.emit(Kind::OQuote, 1);
                self.modes.push(Mode::Quoted);
                return;
            }
            '\n' => Kind::Newline,
            '[' => Kind::OBrack,
            ']' => Kind::CBrack,
            '(' => Kind::OParen,
            ')' => Kind::CParen,
            '.' => Kind::Dot,
            ',' => Kind::Comma,
            '*' => Kind::Star,
            '/' => Kind::Slash,
            '%' => Kind::Percent,
            '+' => Kind::Plus,
            '-' => Kind::Minus,
            '=' => Kind::Equal,
            '<' => Kind::Lt,
            '>' => Kind::Gt,
            '!' => Kind::Bang,
            '?' => Kind::Question,
            ':' => Kind::Colon,
            '&' | '|' | '~' | '^' | ';' | '`' | '\'' => Kind::Other,
            _ => Kind::Invalid,
        };
        self.emit(kind, c.len_utf8());
    }

    fn quoted(&mut self) {
        let rest = self.rest();
        if rest.starts_with("${") {
            return self.open_template_seq(Kind::TemplateInterp);
        }
        if rest.starts_with("%{") {
            return self.open_template_seq(Kind::TemplateControl);
        }
        if rest.starts_with('"') {
            self.emit(Kind::CQuote, 1);
            self.modes.pop();
            return;
        }
        if rest.starts_with(['\n', '\r']) {
            let len = rest.find(|c| c != '\n' && c != '\r').unwrap_or(rest.len());
            self.emit(Kind::QuotedNewline, len);
            return;
        }
        // Literal text up to the closing quote, a newline or a template sequence; `$${`
        // and `%%{` are escapes, and a backslash escapes the next character.
        let len = literal_len(rest, true);
        self.emit(Kind::QuotedLit, len.max(first_char_len(rest)));
    }

    fn heredoc(&mut self) {
        let rest = self.rest();
        let (marker, start_of_line) = match self.modes.last() {
            Some(Mode::Heredoc {
                marker,
                start_of_line,
            }) => (marker.clone(), *start_of_line),
            _ => return,
        };
        if start_of_line {
            // The closing marker is a whole line holding only the marker (indentation
            // allowed); the token keeps that indentation and the newline is separate.
            if let Some(nl) = rest.find('\n') {
                let line = &rest[..nl];
                if line.trim() == marker.as_str() {
                    let marker_len = line.strip_suffix('\r').map_or(nl, str::len);
                    self.emit(Kind::CHeredoc, marker_len);
                    let nl_len = nl + 1 - marker_len;
                    self.emit(Kind::Newline, nl_len);
                    self.modes.pop();
                    return;
                }
            }
        }
        if rest.starts_with("${") {
            return self.open_template_seq(Kind::TemplateInterp);
        }
        if rest.starts_with("%{") {
            return self.open_template_seq(Kind::TemplateControl);
        }
        let lit = literal_len(rest, false);
        let (len, eol) = if rest[lit..].starts_with('\n') {
            (lit + 1, true)
        } else {
            (lit.max(first_char_len(rest)), false)
        };
        self.emit(Kind::StringLit, len);
        if let Some(Mode::Heredoc { start_of_line, .. }) = self.modes.last_mut() {
            *start_of_line = eol;
        }
    }
}

/// Length of literal template text at the start of `s`: stops before a newline, before
/// `${` / `%{` (but not the escapes `$${` / `%%{`), and in quoted strings before `"`.
fn literal_len(s: &str, quoted: bool) -> usize {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\n' => break,
            b'\r' if quoted => break,
            b'"' if quoted => break,
            b'\\' if quoted => {
                // An escape takes the next character (unless that is a newline).
                i += 1;
                if i < b.len() && b[i] != b'\n' && b[i] != b'\r' {
                    i += s[i..].chars().next().map_or(1, char::len_utf8);
                }
            }
            b'$' | b'%' => {
                let c = b[i];
                if b.get(i + 1) == Some(&b'{') {
                    break;
                }
                if b.get(i + 1) == Some(&c) && b.get(i + 2) == Some(&b'{') {
                    i += 3;
                } else {
                    i += 1;
                }
            }
            _ => i += 1,
        }
    }
    // Never split a character.
    while i < s.len() && !s.is_char_boundary(i) {
        i += 1;
    }
    i
}

fn first_char_len(s: &str) -> usize {
    s.chars().next().map_or(0, char::len_utf8)
}

/// `<<` or `<<-`, an identifier, and a newline.
fn heredoc_intro_len(s: &str) -> Option<usize> {
    let mut i = s.strip_prefix("<<")?.len();
    i = s.len() - i;
    if s[i..].starts_with('-') {
        i += 1;
    }
    let first = s[i..].chars().next()?;
    if !is_ident_start(first) {
        return None;
    }
    i += s[i..]
        .char_indices()
        .find(|&(j, ch)| j > 0 && !is_ident_continue(ch))
        .map_or(s.len() - i, |(j, _)| j);
    if s[i..].starts_with('\n') {
        Some(i + 1)
    } else if s[i..].starts_with("\r\n") {
        Some(i + 2)
    } else {
        None
    }
}

/// A number: a digit, then digits, dots and exponents, not ending in a dot.
fn number_len(s: &str) -> usize {
    let b = s.as_bytes();
    let mut i = 1;
    loop {
        match b.get(i) {
            Some(c) if c.is_ascii_digit() || *c == b'.' => i += 1,
            Some(b'e' | b'E') => {
                let mut j = i + 1;
                if matches!(b.get(j), Some(b'+' | b'-')) {
                    j += 1;
                }
                if b.get(j).is_some_and(u8::is_ascii_digit) {
                    i = j + 1;
                } else {
                    break;
                }
            }
            _ => break,
        }
    }
    while i > 1 && b[i - 1] == b'.' {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(Kind, String)> {
        lex(src).into_iter().map(|t| (t.kind, t.text)).collect()
    }

    #[test]
    fn every_byte_but_whitespace_is_kept() {
        let src = "a = \"x ${b} $${c}\" # hi\nh = <<-EOT\n  ${d}\n  EOT\n/* c */\n";
        let joined: String = lex(src).iter().map(|t| t.text.as_str()).collect();
        let no_ws: String = src.chars().filter(|c| *c != ' ').collect();
        assert_eq!(joined.replace(' ', ""), no_ws);
    }

    #[test]
    fn heredoc_tokens() {
        let k = kinds("x = <<EOT\nhi ${a}\n  EOT\n");
        assert_eq!(
            k,
            vec![
                (Kind::Ident, "x".into()),
                (Kind::Equal, "=".into()),
                (Kind::OHeredoc, "<<EOT\n".into()),
                (Kind::StringLit, "hi ".into()),
                (Kind::TemplateInterp, "${".into()),
                (Kind::Ident, "a".into()),
                (Kind::TemplateSeqEnd, "}".into()),
                (Kind::StringLit, "\n".into()),
                (Kind::CHeredoc, "  EOT".into()),
                (Kind::Newline, "\n".into()),
                (Kind::Eof, String::new()),
            ]
        );
    }

    #[test]
    fn numbers_and_operators() {
        let k: Vec<Kind> = kinds("1.5e+3 ... => == 1.")
            .into_iter()
            .map(|t| t.0)
            .collect();
        assert_eq!(
            k,
            [
                Kind::NumberLit,
                Kind::Ellipsis,
                Kind::FatArrow,
                Kind::EqualOp,
                Kind::NumberLit,
                Kind::Dot,
                Kind::Eof
            ]
        );
    }

    #[test]
    fn braces_inside_interpolation_are_plain() {
        let k: Vec<Kind> = kinds("\"${ {a = 1} }\"").into_iter().map(|t| t.0).collect();
        assert_eq!(
            k,
            [
                Kind::OQuote,
                Kind::TemplateInterp,
                Kind::OBrace,
                Kind::Ident,
                Kind::Equal,
                Kind::NumberLit,
                Kind::CBrace,
                Kind::TemplateSeqEnd,
                Kind::CQuote,
                Kind::Eof
            ]
        );
    }
}
