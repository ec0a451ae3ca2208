//! One test per formatting rule. Every expected output here was checked against
//! `terraform fmt` (v1.11).

use super::format_source as fmt;

#[track_caller]
fn check(input: &str, want: &str) {
    assert_eq!(fmt(input), want, "input:\n{input}");
    assert_eq!(fmt(want), want, "not idempotent");
}

#[test]
fn indents_two_spaces_per_level() {
    check("a {\nb {\nc = 1\n}\n}\n", "a {\n  b {\n    c = 1\n  }\n}\n");
    check(
        "x = [\n1,\n[\n2,\n],\n]\n",
        "x = [\n  1,\n  [\n    2,\n  ],\n]\n",
    );
}

#[test]
fn several_openers_on_one_line_indent_once() {
    check(
        "x = jsonencode({\nA = [{\nB = 1\n}]\n})\n",
        "x = jsonencode({\n  A = [{\n    B = 1\n  }]\n})\n",
    );
}

#[test]
fn aligns_equals_in_a_run() {
    check(
        "a = 1\nbbb = 2\ncc = \"x\"\n",
        "a   = 1\nbbb = 2\ncc  = \"x\"\n",
    );
}

#[test]
fn runs_break_at_blank_lines_comments_blocks_and_multiline_values() {
    check("a = 1\n\nbbb = 2\n", "a = 1\n\nbbb = 2\n");
    check("a = 1\n# c\nbbb = 2\n", "a = 1\n# c\nbbb = 2\n");
    check("a = 1\nb {}\nccc = 2\n", "a = 1\nb {}\nccc = 2\n");
    check(
        "a = 1\nlong = {\nx = 1\n}\nbb = 2\n",
        "a = 1\nlong = {\n  x = 1\n}\nbb = 2\n",
    );
}

#[test]
fn object_items_align_like_attributes() {
    check(
        "x = {\na = 1\nlonger = 2\n\"q k\" = 3\n}\n",
        "x = {\n  a      = 1\n  longer = 2\n  \"q k\"  = 3\n}\n",
    );
}

#[test]
fn aligns_trailing_comments() {
    check(
        "a = 1 # one\nbbb = 22 // two\n",
        "a   = 1  # one\nbbb = 22 // two\n",
    );
}

#[test]
fn spaces_between_tokens() {
    check("a=f( 1,2 )[ 0 ]\n", "a = f(1, 2)[0]\n");
    check("a = x . y [ * ] . z\n", "a = x.y[*].z\n");
    check("a = b?c:d\n", "a = b ? c : d\n");
    check("a = 1+2*3 - -4\n", "a = 1 + 2 * 3 - -4\n");
    check("a = ! b && c||d\n", "a = !b && c || d\n");
    check(
        "a = [for x in [1]: x if x>0]\n",
        "a = [for x in [1] : x if x > 0]\n",
    );
    check(
        "a = {for k,v in m: k=>v...}\n",
        "a = { for k, v in m : k => v... }\n",
    );
    check("a = provider :: aws :: f(1)\n", "a = provider::aws::f(1)\n");
    check("a = f(x...)\n", "a = f(x...)\n");
}

#[test]
fn braces_get_inner_spaces_unless_empty() {
    check("b {  }\n", "b {}\n");
    check("b {x=1}\n", "b { x = 1 }\n");
    check("a = {   }\n", "a = {}\n");
    check("a = {k=1}\n", "a = { k = 1 }\n");
}

#[test]
fn trailing_whitespace_removed_and_final_newline_added() {
    check("a = 1   \nb = 2", "a = 1\nb = 2\n");
    check("", "\n");
    // Terraform keeps these spaces on the first run and drops them on the second;
    // terrane goes straight to the second run's result, so it is idempotent.
    check("a = 1\n   ", "a = 1\n\n");
    check("a = 1   ", "a = 1\n");
    // Whitespace inside a comment is the comment's own and is kept.
    check("# c   \n", "# c   \n");
}

#[test]
fn blank_lines_are_kept() {
    check("\na = 1\n\n\n\nb = 2\n\n", "\na = 1\n\n\n\nb = 2\n\n");
    check("a = 1\n   \nb = 2\n", "a = 1\n\nb = 2\n");
}

#[test]
fn comments_are_kept_exactly() {
    let src =
        "/* head\n   *  keep  */\n# hash\n// slash\nb { # open\n  /* in */ a = 1 # t\n} # close\n";
    // Comments at the ends of consecutive lines are aligned, their text kept.
    check(
        src,
        "/* head\n   *  keep  */\n# hash\n// slash\nb {              # open\n  /* in */ a = 1 # t\n}                # close\n",
    );
}

#[test]
fn heredocs_are_untouched() {
    let src = "x = <<EOT\n  odd   spacing {\n}\nEOT\ny = <<-EOT\n      keep\n    EOT\n";
    check(src, src);
    // Only the interpolation inside a heredoc is tidied, as Terraform does.
    check("x = <<EOT\n${ a }\nEOT\n", "x = <<EOT\n${a}\nEOT\n");
}

#[test]
fn string_contents_are_untouched() {
    check("a = \"  x  ${ b }  \"\n", "a = \"  x  ${b}  \"\n");
    check("a = \"$${x}  %%{y}\"\n", "a = \"$${x}  %%{y}\"\n");
}

#[test]
fn interpolation_only_values_are_unwrapped() {
    check("a = \"${var.x}\"\n", "a = var.x\n");
    check("a = \"${var.x}-y\"\n", "a = \"${var.x}-y\"\n");
    check("a = \"${a}${b}\"\n", "a = \"${a}${b}\"\n");
    check("a = \"${f(\"${b}\")}\"\n", "a = f(\"${b}\")\n");
    check("a = \"${x\n? 1 : 2}\"\n", "a = (x\n? 1 : 2)\n");
    // Object items are expressions, not attributes: Terraform leaves them.
    check("a = { b = \"${c}\" }\n", "a = { b = \"${c}\" }\n");
}

#[test]
fn legacy_variable_types_are_rewritten() {
    check(
        "variable \"a\" {\ntype = \"string\"\n}\n",
        "variable \"a\" {\n  type = string\n}\n",
    );
    check(
        "variable \"a\" {\ntype = \"list\"\n}\n",
        "variable \"a\" {\n  type = list(string)\n}\n",
    );
    check(
        "variable \"a\" {\ntype = map\n}\n",
        "variable \"a\" {\n  type = map(any)\n}\n",
    );
    // Only in variable blocks.
    check(
        "r \"a\" {\ntype = \"string\"\n}\n",
        "r \"a\" {\n  type = \"string\"\n}\n",
    );
}

#[test]
fn bare_block_labels_are_quoted() {
    check(
        "resource aws_vpc main {}\n",
        "resource \"aws_vpc\" \"main\" {}\n",
    );
    // Terraform would drop the comment; terrane keeps every comment.
    check(
        "resource aws_vpc /* x */ main {}\n",
        "resource aws_vpc /* x */ main {}\n",
    );
}

#[test]
fn crlf_line_endings_are_kept() {
    check("a=1\r\nbb=2\r\n", "a  = 1\r\nbb = 2\r\n");
}

#[test]
fn byte_order_mark_is_dropped() {
    check("\u{feff}a=1\n", "a = 1\n");
}

#[test]
fn syntax_errors_are_diagnostics() {
    use crate::diag::SourceFile;
    let f = SourceFile::new("bad.tf", "a = \n");
    let d = super::format_file(&f).unwrap_err();
    assert!(d.is_error());
    assert!(d.span.is_some());
    let f = SourceFile::new("h.tf", "x = <<EOT\nfoo\nEOT");
    let d = super::format_file(&f).unwrap_err();
    assert_eq!(d.summary, "Unterminated template string");
    let ok = SourceFile::new("ok.tf", "a=1\n");
    assert_eq!(super::format_file(&ok).unwrap(), "a = 1\n");
}

#[test]
fn odd_input_never_panics() {
    for src in [
        "}}}{{{",
        "\"${",
        "x = <<EOT",
        "a = \"\\",
        "%{ ~} ~}",
        "/* open",
        "é = ü\n",
        "\u{feff}",
        "\r",
        "a = 1.\n",
        "<<-\n",
    ] {
        let once = fmt(src);
        assert!(once.ends_with('\n'));
    }
}
