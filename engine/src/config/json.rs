//! Terraform's JSON configuration syntax (`.tf.json`), turned into the same hcl-edit
//! [`Body`] the native syntax gives, so everything after loading is shared.
//!
//! The JSON is scanned by a small parser that keeps byte ranges, then written out as HCL
//! text that hcl-edit parses in one pass. The generated text is a [`SourceFile`] with an
//! [`Origin`]: every name and value in it is a verbatim copy of a piece of the JSON, and
//! spans map back through those pieces, so diagnostics point into the `.tf.json` file.
//! Copying values verbatim works because a JSON value is, almost byte for byte, an HCL
//! expression with the meaning Terraform gives it: strings are templates (`"${var.x}"`),
//! numbers, `true`, `false` and `null` are literals, arrays are tuples and objects are
//! objects (HCL accepts `"key": value`). The few arguments Terraform reads as bare
//! expressions (`depends_on`, `provider`, `ignore_changes`, a variable's `type`, ...) have
//! their quotes blanked instead.
//!
//! Which keys are blocks and which are arguments follows the block structure Terraform
//! defines; inside resource, data and provider bodies that depends on the provider schema,
//! so those keys stay arguments here and [`blocks_from_attribute`] turns one into blocks
//! when the schema says it is a nested block.

use std::ops::Range;
use std::sync::Arc;

use hcl_edit::structure::{Attribute, Block, Body, Structure};
use hcl_edit::Span as _;

use crate::diag::{Diagnostic, Diagnostics, Origin, SourceFile, Span};

/// True for files in the JSON syntax (`.tf.json`, `.tfvars.json`).
pub fn is_json(file: &SourceFile) -> bool {
    file.path.extension().is_some_and(|e| e == "json")
}

/// Parses a `.tf.json` file into a body of blocks, as the native parser would. Spans of
/// the body's nodes are in the returned generated file (which maps them to `file`).
pub fn parse_config(
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<(Body, Arc<SourceFile>)> {
    parse_root(file, Ctx::Root, "configuration", diags)
}

/// Parses a `.tfvars.json` file into a body of attributes (one per variable).
pub fn parse_vars(
    file: &Arc<SourceFile>,
    diags: &mut Diagnostics,
) -> Option<(Body, Arc<SourceFile>)> {
    parse_root(file, Ctx::Attrs, "variables file", diags)
}

fn parse_root(
    file: &Arc<SourceFile>,
    ctx: Ctx,
    what: &str,
    diags: &mut Diagnostics,
) -> Option<(Body, Arc<SourceFile>)> {
    let root = scan(file, 0, diags)?;
    let Kind::Object(members) = &root.kind else {
        diags.push(
            Diagnostic::error("Root value must be object")
                .detail(format!(
                    "The root value in a JSON-based {what} must be a JSON object."
                ))
                .span(Some(Span::new(file, root.span.clone()))),
        );
        return None;
    };
    let mut g = Generator::new(file, diags);
    g.body(members, ctx);
    let (out, generated) = g.finish();
    let body = out?;
    Some((body, generated))
}

/// Turns an argument of a JSON body (whose spans are in `file`, a generated file) into
/// the nested blocks the schema says it is: an object is one block, an array of objects
/// is one block per element, each behind `labels` levels of objects keyed by its labels.
/// `dynamic` blocks inside are recognised too. The blocks' spans are in the returned
/// generated file.
pub fn blocks_from_attribute(
    a: &Attribute,
    labels: usize,
    file: &Arc<SourceFile>,
) -> Result<(Vec<Block>, Arc<SourceFile>), Diagnostics> {
    let mut diags = Diagnostics::new();
    let located = || -> Diagnostics {
        Diagnostic::error("Invalid nested block")
            .detail("The nested block has no source location.")
            .into()
    };
    let (Some(at), Some(key_span)) = (a.value.span(), a.key.span()) else {
        return Err(located());
    };
    let Some(node) = scan(file, at.start, &mut diags) else {
        return Err(diags);
    };
    // The key's quotes sit one byte either side of the identifier in the original.
    let key = JKey {
        text: a.key.as_str().to_string(),
        span: key_span.start.saturating_sub(1)..key_span.end + 1,
    };
    let mut g = Generator::new(file, &mut diags);
    g.blocks(&key, &node, labels, Ctx::Schema, &mut Vec::new());
    let (body, generated) = g.finish();
    match body {
        Some(body) if !diags.has_errors() => Ok((
            body.into_iter()
                .filter_map(|s| match s {
                    Structure::Block(b) => Some(b),
                    Structure::Attribute(_) => None,
                })
                .collect(),
            generated,
        )),
        _ => Err(diags),
    }
}

/// A scanned JSON value with its byte range in the file.
#[derive(Debug)]
struct JNode {
    kind: Kind,
    span: Range<usize>,
}

#[derive(Debug)]
enum Kind {
    /// Strings, numbers, booleans and null: the text is taken from the file as it is.
    Scalar {
        string: bool,
    },
    Array(Vec<JNode>),
    Object(Vec<(JKey, JNode)>),
}

#[derive(Debug)]
struct JKey {
    /// The decoded property name.
    text: String,
    /// The range of the quoted name, quotes included.
    span: Range<usize>,
}

/// Scans one JSON value starting at byte `start` (after optional whitespace).
fn scan(file: &Arc<SourceFile>, start: usize, diags: &mut Diagnostics) -> Option<JNode> {
    let mut s = Scanner {
        text: file.text.as_bytes(),
        pos: start,
        depth: 0,
    };
    let result = s.value().and_then(|v| {
        if start == 0 {
            s.ws();
            if s.pos < s.text.len() {
                return Err((
                    s.pos,
                    "Extra characters appear after the JSON value.".into(),
                ));
            }
        }
        Ok(v)
    });
    match result {
        Ok(v) => Some(v),
        Err((at, why)) => {
            let end = (at + 1).min(file.text.len());
            diags.push(
                Diagnostic::error("Invalid JSON syntax")
                    .detail(why)
                    .span(Some(Span::new(file, at..end))),
            );
            None
        }
    }
}

struct Scanner<'a> {
    text: &'a [u8],
    pos: usize,
    depth: usize,
}

type ScanResult<T> = Result<T, (usize, String)>;

impl Scanner<'_> {
    fn ws(&mut self) {
        while self
            .text
            .get(self.pos)
            .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
        {
            self.pos += 1;
        }
    }

    fn err<T>(&self, what: &str) -> ScanResult<T> {
        let found = match self.text.get(self.pos) {
            None => "the end of the file".to_string(),
            Some(c) => format!("{:?}", char::from(*c)),
        };
        Err((self.pos, format!("Expected {what}, but found {found}.")))
    }

    fn value(&mut self) -> ScanResult<JNode> {
        self.ws();
        let start = self.pos;
        match self.text.get(self.pos) {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                self.string()?;
                Ok(JNode {
                    kind: Kind::Scalar { string: true },
                    span: start..self.pos,
                })
            }
            Some(b't') => self.word("true"),
            Some(b'f') => self.word("false"),
            Some(b'n') => self.word("null"),
            Some(c) if *c == b'-' || c.is_ascii_digit() => {
                self.number()?;
                Ok(JNode {
                    kind: Kind::Scalar { string: false },
                    span: start..self.pos,
                })
            }
            _ => self.err("a JSON value"),
        }
    }

    fn word(&mut self, w: &str) -> ScanResult<JNode> {
        let start = self.pos;
        if self.text[self.pos..].starts_with(w.as_bytes()) {
            self.pos += w.len();
            Ok(JNode {
                kind: Kind::Scalar { string: false },
                span: start..self.pos,
            })
        } else {
            self.err("a JSON value")
        }
    }

    fn number(&mut self) -> ScanResult<()> {
        let start = self.pos;
        if self.text.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let digits = |s: &mut Self| {
            let from = s.pos;
            while s.text.get(s.pos).is_some_and(u8::is_ascii_digit) {
                s.pos += 1;
            }
            s.pos > from
        };
        if !digits(self) {
            return self.err("a digit");
        }
        if self.text.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            if !digits(self) {
                return self.err("a digit");
            }
        }
        if matches!(self.text.get(self.pos), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.text.get(self.pos), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !digits(self) {
                return self.err("a digit");
            }
        }
        debug_assert!(self.pos > start);
        Ok(())
    }

    /// Scans a string and returns its decoded text.
    fn string(&mut self) -> ScanResult<String> {
        let start = self.pos;
        self.pos += 1;
        loop {
            match self.text.get(self.pos) {
                None => return Err((start, "This string is not terminated.".into())),
                Some(b'"') => {
                    self.pos += 1;
                    break;
                }
                Some(b'\\') => self.pos += 2,
                Some(b'\n') => {
                    return Err((
                        self.pos,
                        "A JSON string cannot contain a literal newline; use \\n.".into(),
                    ))
                }
                Some(_) => self.pos += 1,
            }
        }
        let raw = &self.text[start..self.pos.min(self.text.len())];
        serde_json::from_slice::<String>(raw).map_err(|e| (start, format!("Invalid string: {e}.")))
    }

    fn enter(&mut self) -> ScanResult<()> {
        self.depth += 1;
        if self.depth > 256 {
            return Err((self.pos, "The JSON value is nested too deeply.".into()));
        }
        Ok(())
    }

    fn array(&mut self) -> ScanResult<JNode> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws();
        if self.text.get(self.pos) == Some(&b']') {
            self.pos += 1;
        } else {
            loop {
                items.push(self.value()?);
                self.ws();
                match self.text.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return self.err("a comma or the end of the array"),
                }
            }
        }
        self.depth -= 1;
        Ok(JNode {
            kind: Kind::Array(items),
            span: start..self.pos,
        })
    }

    fn object(&mut self) -> ScanResult<JNode> {
        let start = self.pos;
        self.enter()?;
        self.pos += 1;
        let mut members = Vec::new();
        self.ws();
        if self.text.get(self.pos) == Some(&b'}') {
            self.pos += 1;
        } else {
            loop {
                self.ws();
                if self.text.get(self.pos) != Some(&b'"') {
                    return self.err("a property name in quotes");
                }
                let kstart = self.pos;
                let text = self.string()?;
                let key = JKey {
                    text,
                    span: kstart..self.pos,
                };
                self.ws();
                if self.text.get(self.pos) != Some(&b':') {
                    return self.err("a colon after the property name");
                }
                self.pos += 1;
                let v = self.value()?;
                members.push((key, v));
                self.ws();
                match self.text.get(self.pos) {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        break;
                    }
                    _ => return self.err("a comma or the end of the object"),
                }
            }
        }
        self.depth -= 1;
        Ok(JNode {
            kind: Kind::Object(members),
            span: start..self.pos,
        })
    }
}

/// The kind of body being converted: which of its keys are blocks (with how many labels
/// and what kind of body) and which arguments are bare expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Root,
    Terraform,
    /// A resource, data source or provider body: nested blocks depend on the schema.
    Schema,
    Lifecycle,
    Variable,
    Output,
    Removed,
    Check,
    Dynamic,
    Import,
    Moved,
    Module,
    /// A provider block: a schema body whose `alias` and `version` are literal.
    Provider,
    /// An action: meta-arguments and one `config` block of the action type's schema.
    Action,
    /// Only arguments.
    Attrs,
    /// Only arguments, all literal values (the settings of the `terraform` block).
    Literal,
}

/// How the strings in an argument's JSON value are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// As string templates (`"${var.x}"`): the usual case.
    Template,
    /// As expressions (`"aws_instance.a"` in `depends_on`).
    Bare,
    /// As they are, with no template interpretation (a variable's default).
    Literal,
}

impl Ctx {
    /// For a key of a body of this kind that is a block: its label count and body kind.
    fn block(self, key: &str) -> Option<(usize, Ctx)> {
        Some(match (self, key) {
            (Ctx::Root, "terraform") => (0, Ctx::Terraform),
            (Ctx::Root, "provider") => (1, Ctx::Provider),
            (Ctx::Root, "resource" | "data" | "ephemeral") => (2, Ctx::Schema),
            (Ctx::Root, "action") => (2, Ctx::Action),
            (Ctx::Action, "config") => (0, Ctx::Schema),
            (Ctx::Root, "variable") => (1, Ctx::Variable),
            (Ctx::Root, "locals") => (0, Ctx::Attrs),
            (Ctx::Root, "output") => (1, Ctx::Output),
            (Ctx::Root, "module") => (1, Ctx::Module),
            (Ctx::Root, "moved") => (0, Ctx::Moved),
            (Ctx::Root, "import") => (0, Ctx::Import),
            (Ctx::Root, "removed") => (0, Ctx::Removed),
            (Ctx::Root, "check") => (1, Ctx::Check),
            // Unknown top-level keys become blocks so the loader reports them by name.
            (Ctx::Root, _) => (0, Ctx::Attrs),
            (Ctx::Terraform, "required_providers" | "cloud") => (0, Ctx::Literal),
            (Ctx::Terraform, "backend") => (1, Ctx::Literal),
            (Ctx::Provider, "dynamic") => (1, Ctx::Dynamic),
            (Ctx::Schema, "lifecycle") => (0, Ctx::Lifecycle),
            (Ctx::Schema, "provisioner") => (1, Ctx::Attrs),
            (Ctx::Schema, "connection") => (0, Ctx::Attrs),
            (Ctx::Schema, "dynamic") => (1, Ctx::Dynamic),
            (Ctx::Dynamic, "content") => (0, Ctx::Schema),
            (Ctx::Lifecycle, "precondition" | "postcondition") => (0, Ctx::Attrs),
            (Ctx::Lifecycle, "action_trigger") => (0, Ctx::Lifecycle),
            (Ctx::Variable, "validation") => (0, Ctx::Attrs),
            (Ctx::Output, "precondition") => (0, Ctx::Attrs),
            (Ctx::Removed, "lifecycle" | "connection") => (0, Ctx::Attrs),
            (Ctx::Removed, "provisioner") => (1, Ctx::Attrs),
            (Ctx::Check, "assert") => (0, Ctx::Attrs),
            (Ctx::Check, "data") => (2, Ctx::Schema),
            _ => return None,
        })
    }

    /// How Terraform reads the strings of argument `key` of a body of this kind.
    fn mode(self, key: &str) -> Mode {
        match (self, key) {
            (Ctx::Schema | Ctx::Module | Ctx::Output, "depends_on")
            | (Ctx::Schema | Ctx::Import | Ctx::Action, "provider")
            | (Ctx::Lifecycle, "ignore_changes" | "replace_triggered_by")
            // An action_trigger block is read in the lifecycle context.
            | (Ctx::Lifecycle, "events" | "actions" | "on_failure")
            | (Ctx::Moved, "from" | "to")
            | (Ctx::Import, "to")
            | (Ctx::Removed, "from")
            | (Ctx::Module, "providers")
            | (Ctx::Variable, "type")
            | (Ctx::Dynamic, "iterator") => Mode::Bare,
            (Ctx::Variable, "default" | "description")
            | (Ctx::Output, "description" | "sensitive")
            | (Ctx::Module, "source" | "version")
            | (Ctx::Provider, "alias" | "version")
            | (Ctx::Terraform | Ctx::Literal, _) => Mode::Literal,
            _ => Mode::Template,
        }
    }
}

/// Writes HCL text for JSON nodes scanned from `src`, recording where each copied piece
/// came from.
struct Generator<'a> {
    src: &'a Arc<SourceFile>,
    diags: &'a mut Diagnostics,
    out: String,
    segments: Vec<(usize, usize, usize)>,
}

impl<'a> Generator<'a> {
    fn new(src: &'a Arc<SourceFile>, diags: &'a mut Diagnostics) -> Generator<'a> {
        Generator {
            src,
            diags,
            out: String::new(),
            segments: Vec::new(),
        }
    }

    /// The original (user-written) file and offset of `at` in `src`.
    fn original(&self, at: usize) -> usize {
        SourceFile::resolve(self.src, at).1
    }

    fn span(&self, r: Range<usize>) -> Option<Span> {
        Some(Span::new(self.src, r))
    }

    /// A JSON value of the wrong kind for where it stands.
    fn wrong_type(&mut self, detail: String, at: &JNode) {
        self.diags.push(
            Diagnostic::error("Incorrect JSON value type")
                .detail(detail)
                .span(self.span(at.span.clone())),
        );
    }

    /// Appends `text`, copied from `from` in `src` (its first `len` bytes correspond).
    fn copy(&mut self, from: usize, text: &str, len: usize) {
        let orig = self.original(from);
        self.segments.push((self.out.len(), orig, len));
        self.out.push_str(text);
    }

    /// Parses the generated text; a syntax error (only possible inside a template or a
    /// bare expression) is reported at its place in the JSON.
    fn finish(self) -> (Option<Body>, Arc<SourceFile>) {
        let root = SourceFile::root(self.src);
        let generated = SourceFile::generated(self.out, Origin::single(&root, self.segments));
        match hcl_edit::parser::parse_body(&generated.text) {
            Ok(b) => (Some(b), generated),
            Err(e) => {
                let off = e.location().offset();
                self.diags.push(
                    Diagnostic::error("Invalid expression")
                        .detail(e.message().to_string())
                        .span(Some(Span::new(&generated, off..off + 1))),
                );
                (None, generated)
            }
        }
    }

    fn body(&mut self, members: &[(JKey, JNode)], ctx: Ctx) {
        for (key, value) in members {
            // `"//"` properties are comments, wherever a body allows arguments.
            if key.text == "//" {
                continue;
            }
            if let Some((labels, inner)) = ctx.block(&key.text) {
                self.blocks(key, value, labels, inner, &mut Vec::new());
            } else {
                self.attribute(key, value, ctx.mode(&key.text));
            }
        }
    }

    /// Writes `value`, the contents of blocks of type `key` with `labels` labels still to
    /// read (each a level of object nesting), as blocks.
    fn blocks<'j>(
        &mut self,
        key: &JKey,
        value: &'j JNode,
        labels: usize,
        ctx: Ctx,
        seen: &mut Vec<&'j JKey>,
    ) {
        if labels > 0 {
            let Kind::Object(members) = &value.kind else {
                self.wrong_type(format!("A JSON object is required here, whose property names are the labels of the {:?} block(s).", key.text), value);
                return;
            };
            for (label, inner) in members {
                if label.text == "//" {
                    continue;
                }
                seen.push(label);
                self.blocks(key, inner, labels - 1, ctx, seen);
                seen.pop();
            }
            return;
        }
        let bodies: Vec<&JNode> = match &value.kind {
            Kind::Object(_) => vec![value],
            Kind::Array(items) => items.iter().collect(),
            Kind::Scalar { .. } => {
                self.wrong_type(format!(
                            "Either a JSON object or a JSON array of objects is required here, to define the {:?} block(s).",
                            key.text
                        ), value);
                return;
            }
        };
        if !self.name(key, "Invalid block type") {
            return;
        }
        for b in bodies {
            let Kind::Object(members) = &b.kind else {
                self.wrong_type(
                    format!(
                        "A JSON object is required here, to define a {:?} block.",
                        key.text
                    ),
                    b,
                );
                continue;
            };
            self.copy(key.span.start + 1, &key.text, key.text.len());
            for l in seen.iter() {
                self.out.push(' ');
                let quoted = hcl_quote(&l.text);
                let len = if quoted.len() == l.span.len() {
                    quoted.len()
                } else {
                    0
                };
                self.copy(l.span.start, &quoted, len);
            }
            self.out.push_str(" {\n");
            self.body(members, ctx);
            self.out.push_str("}\n");
        }
    }

    /// Checks that `key` can be written as an HCL identifier.
    fn name(&mut self, key: &JKey, summary: &str) -> bool {
        if valid_ident(&key.text) {
            return true;
        }
        self.diags.push(
            Diagnostic::error(summary)
                .detail(format!(
                    "{:?} is not a valid name: a name must start with a letter or underscore and may contain only letters, digits, underscores, and dashes.",
                    key.text
                ))
                .span(self.span(key.span.clone())),
        );
        false
    }

    /// Writes `name = value`, both copied from the JSON.
    fn attribute(&mut self, key: &JKey, value: &JNode, mode: Mode) {
        if !self.name(key, "Invalid argument name") {
            return;
        }
        self.copy(key.span.start + 1, &key.text, key.text.len());
        self.out.push_str(" = ");
        let mut v = self.src.text[value.span.clone()].to_string();
        let changed = rewrite_value(&mut v, value, mode);
        let len = if changed { 0 } else { v.len() };
        self.copy(value.span.start, &v, len);
        self.out.push('\n');
    }
}

/// Rewrites the JSON text of `value` (taken from the file at `value.span`) into HCL
/// expression text of the same length where possible: for a bare expression the quotes of
/// every string are blanked; for a literal, template sequences are escaped; JSON escapes
/// HCL lacks (`\/`, `\b`, `\f`) are replaced by their characters. Returns true when the
/// text changed length (spans inside that value are then approximate).
fn rewrite_value(text: &mut String, value: &JNode, mode: Mode) -> bool {
    let base = value.span.start;
    let mut strings = Vec::new();
    collect_strings(value, &mut strings);
    let mut changed_len = false;
    // Work from the end so earlier offsets stay valid.
    for r in strings.into_iter().rev() {
        let (s, e) = (r.start - base, r.end - base);
        let raw = &text[s..e];
        let decoded = || serde_json::from_str::<String>(raw).unwrap_or_default();
        let replacement = match mode {
            Mode::Bare => {
                let decoded = decoded();
                let inner = &raw[1..raw.len() - 1];
                if inner == decoded {
                    format!(" {inner} ")
                } else {
                    decoded
                }
            }
            Mode::Literal if raw.contains("${") || raw.contains("%{") => {
                hcl_quote(&decoded().replace("${", "$${").replace("%{", "%%{"))
            }
            _ if raw.contains("\\/") || raw.contains("\\b") || raw.contains("\\f") => {
                hcl_quote(&decoded())
            }
            _ => continue,
        };
        changed_len |= replacement.len() != raw.len();
        text.replace_range(s..e, &replacement);
    }
    changed_len
}

fn collect_strings(n: &JNode, out: &mut Vec<Range<usize>>) {
    match &n.kind {
        Kind::Scalar { string: true } => out.push(n.span.clone()),
        Kind::Scalar { string: false } => {}
        Kind::Array(items) => items.iter().for_each(|i| collect_strings(i, out)),
        Kind::Object(members) => {
            for (k, v) in members {
                out.push(k.span.clone());
                collect_strings(v, out);
            }
        }
    }
}

/// A quoted HCL string literal for `s`, with template sequences escaped.
fn hcl_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn valid_ident(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && chars.all(|c| c.is_alphanumeric() || c == '_' || c == '-')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(src: &str) -> (Option<Body>, Diagnostics) {
        let file = SourceFile::new("main.tf.json", src);
        let mut diags = Diagnostics::new();
        (parse_config(&file, &mut diags).map(|(b, _)| b), diags)
    }

    /// The text of the JSON file a node of `body` (parsed from `src`) came from.
    fn original<'s>(src: &'s str, node: &impl hcl_edit::Span) -> &'s str {
        let file = SourceFile::new("main.tf.json", src);
        let mut d = Diagnostics::new();
        let (_, generated) = parse_config(&file, &mut d).unwrap();
        let sp = Span::new(&generated, node.span().unwrap());
        &src[sp.start..sp.end]
    }

    #[test]
    fn blocks_labels_and_expressions_keep_json_locations() {
        let src = r#"{
  "//": "a comment",
  "resource": {
    "null_resource": {
      "a": {
        "count": 2,
        "triggers": {"x": "${var.y}"},
        "depends_on": ["null_resource.b"],
        "lifecycle": {"ignore_changes": ["triggers"]}
      }
    }
  }
}"#;
        let (body, d) = parse(src);
        assert!(d.is_empty(), "{d:?}");
        let body = body.unwrap();
        let b = body.blocks().next().unwrap();
        assert_eq!(b.ident.as_str(), "resource");
        let labels: Vec<&str> = b.labels.iter().map(|l| l.as_str()).collect();
        assert_eq!(labels, ["null_resource", "a"]);
        let count = b.body.get_attribute("count").unwrap();
        assert_eq!(original(src, &count.value), "2");
        assert_eq!(original(src, &b.labels[1]), "\"a\"");
        let dep = b.body.get_attribute("depends_on").unwrap();
        assert!(
            matches!(&dep.value, hcl_edit::expr::Expression::Array(a) if matches!(a.iter().next(), Some(hcl_edit::expr::Expression::Traversal(_)))),
            "{dep:?}"
        );
        let lc = b.body.blocks().next().unwrap();
        assert_eq!(lc.ident.as_str(), "lifecycle");
        let trig = b.body.get_attribute("triggers").unwrap();
        assert_eq!(original(src, &trig.value), r#"{"x": "${var.y}"}"#);
    }

    #[test]
    fn syntax_errors_have_file_line_and_column() {
        let (body, d) = parse("{\n  \"resource\": {\n    \"a\" 1\n  }\n}\n");
        assert!(body.is_none());
        let e = &d.0[0];
        assert_eq!(e.summary, "Invalid JSON syntax");
        assert_eq!(e.span.as_ref().unwrap().to_string(), "main.tf.json:3:9");
        let (_, d) = parse("{\"locals\": {\"x\": \"${1 +}\"}}");
        assert_eq!(d.0[0].summary, "Invalid expression");
        assert_eq!(d.0[0].span.as_ref().unwrap().line_col().0, 1);
    }

    #[test]
    fn several_blocks_of_a_type_as_an_array() {
        let (body, d) = parse(
            r#"{"variable": {"v": {"type": "list(string)", "validation": [
              {"condition": "${length(var.v) > 0}", "error_message": "empty"},
              {"condition": "${length(var.v) < 9}", "error_message": "long"}]}},
            "moved": [{"from": "a.b", "to": "a.c"}, {"from": "a.c", "to": "a.d"}]}"#,
        );
        assert!(d.is_empty(), "{d:?}");
        let body = body.unwrap();
        let kinds: Vec<&str> = body.blocks().map(|b| b.ident.as_str()).collect();
        assert_eq!(kinds, ["variable", "moved", "moved"]);
        let v = body.blocks().next().unwrap();
        assert_eq!(v.body.blocks().count(), 2);
        assert!(matches!(
            v.body.get_attribute("type").unwrap().value,
            hcl_edit::expr::Expression::FuncCall(_)
        ));
    }

    #[test]
    fn literal_arguments_are_not_templates() {
        let (body, d) = parse(
            r#"{"variable": {"v": {"default": "${not.a.ref}", "description": "%{x}"}},
                "locals": {"t": "${var.v}"}}"#,
        );
        assert!(d.is_empty(), "{d:?}");
        let body = body.unwrap();
        let mut blocks = body.blocks();
        let v = blocks.next().unwrap();
        let file = SourceFile::new("x.tf", "");
        let constant = |name: &str| {
            let e = &v.body.get_attribute(name).unwrap().value;
            crate::lang::eval_constant(e, &file, std::path::Path::new(".")).unwrap()
        };
        assert_eq!(
            constant("default"),
            crate::lang::Value::string("${not.a.ref}")
        );
        assert_eq!(constant("description"), crate::lang::Value::string("%{x}"));
        let t = &blocks
            .next()
            .unwrap()
            .body
            .get_attribute("t")
            .unwrap()
            .value;
        assert!(
            !matches!(t, hcl_edit::expr::Expression::String(_)),
            "a template: {t:?}"
        );
    }

    #[test]
    fn escapes_hcl_lacks_are_decoded() {
        let (body, d) = parse(r#"{"locals": {"x": "a\/b"}}"#);
        assert!(d.is_empty(), "{d:?}");
        let body = body.unwrap();
        let x = body
            .blocks()
            .next()
            .unwrap()
            .body
            .get_attribute("x")
            .unwrap();
        assert_eq!(x.value.as_str(), Some("a/b"));
    }
}
