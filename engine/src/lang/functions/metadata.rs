//! `terrane metadata functions -json`: every built-in function's signature in
//! Terraform's format (`format_version` "1.0", `function_signatures` by name). Parameter
//! names and nullability come from the registry in `mod.rs`, the one list of functions;
//! this table adds what only the listing needs: types, in Terraform's JSON type syntax
//! (the same as the reference binary's for every function terrane has), and a one-line
//! description in terrane's own words.

use serde_json::{json, Map, Value as Json};

/// Types and description of one function (types as JSON text: `"string"`,
/// `["list","string"]`).
struct Meta {
    name: &'static str,
    returns: &'static str,
    params: &'static [&'static str],
    variadic: Option<&'static str>,
    description: &'static str,
}

const fn m(
    name: &'static str,
    returns: &'static str,
    params: &'static [&'static str],
    variadic: Option<&'static str>,
    description: &'static str,
) -> Meta {
    Meta {
        name,
        returns,
        params,
        variadic,
        description,
    }
}

/// `can` and `try` are evaluated as expressions, not through the registry; their
/// parameters are named here.
const SPECIAL: &[(&str, &[&str], Option<&str>)] = &[
    ("can", &["expression"], None),
    ("try", &[], Some("expressions")),
];

/// Sorted by name, like the registry.
static META: &[Meta] = &[
    m("abs", "\"number\"", &["\"number\""], None, "Returns the magnitude of a number: negative numbers lose their sign, others are unchanged."),
    m("abspath", "\"string\"", &["\"string\""], None, "Turns a filesystem path into an absolute one, relative paths being taken from the working directory."),
    m("alltrue", "\"bool\"", &["[\"list\",\"bool\"]"], None, "True when every element of a collection of bools is true (and for an empty collection)."),
    m("anytrue", "\"bool\"", &["[\"list\",\"bool\"]"], None, "True when at least one element of a collection of bools is true."),
    m("base64decode", "\"string\"", &["\"string\""], None, "Decodes a Base64 string whose bytes are UTF-8 text."),
    m("base64encode", "\"string\"", &["\"string\""], None, "Encodes the UTF-8 bytes of a string as Base64."),
    m("base64gzip", "\"string\"", &["\"string\""], None, "Compresses a string with gzip and returns the result in Base64."),
    m("base64sha256", "\"string\"", &["\"string\""], None, "The SHA-256 digest of a string, Base64-encoded."),
    m("base64sha512", "\"string\"", &["\"string\""], None, "The SHA-512 digest of a string, Base64-encoded."),
    m("basename", "\"string\"", &["\"string\""], None, "The last element of a filesystem path."),
    m("bcrypt", "\"string\"", &["\"string\""], Some("\"number\""), "Hashes a string with Blowfish (bcrypt), optionally at a given cost."),
    m("can", "\"bool\"", &["\"dynamic\""], None, "Evaluates an expression and says whether it succeeded, as a bool."),
    m("ceil", "\"number\"", &["\"number\""], None, "The smallest whole number that is not less than the given number."),
    m("chomp", "\"string\"", &["\"string\""], None, "Strips newline characters from the end of a string."),
    m("chunklist", "[\"list\",[\"list\",\"dynamic\"]]", &["[\"list\",\"dynamic\"]", "\"number\""], None, "Cuts a list into consecutive lists of at most the given size."),
    m("cidrhost", "\"string\"", &["\"string\"", "\"number\""], None, "The full IP address of a host number within a CIDR prefix."),
    m("cidrnetmask", "\"string\"", &["\"string\""], None, "The dotted-decimal netmask of an IPv4 CIDR prefix."),
    m("cidrsubnet", "\"string\"", &["\"string\"", "\"number\"", "\"number\""], None, "A subnet of a CIDR prefix, chosen by the added bits and the network number."),
    m("cidrsubnets", "[\"list\",\"string\"]", &["\"string\""], Some("\"number\""), "Consecutive subnets of a CIDR prefix, one for each number of added bits."),
    m("coalesce", "\"dynamic\"", &[], Some("\"dynamic\""), "The first argument that is neither null nor an empty string."),
    m("coalescelist", "\"dynamic\"", &[], Some("\"dynamic\""), "The first argument that is a non-empty list."),
    m("compact", "[\"list\",\"string\"]", &["[\"list\",\"string\"]"], None, "A list of strings without its null and empty elements."),
    m("concat", "\"dynamic\"", &[], Some("\"dynamic\""), "Joins lists or tuples end to end into one."),
    m("contains", "\"dynamic\"", &["\"dynamic\"", "\"dynamic\""], None, "Whether a list or set holds the given value."),
    m("csvdecode", "\"dynamic\"", &["\"string\""], None, "Parses CSV text into a list of maps keyed by the header row."),
    m("dirname", "\"string\"", &["\"string\""], None, "A filesystem path without its last element."),
    m("distinct", "[\"list\",\"dynamic\"]", &["[\"list\",\"dynamic\"]"], None, "A list without repeated elements, first occurrences kept in order."),
    m("element", "\"dynamic\"", &["\"dynamic\"", "\"number\""], None, "The element of a list at an index, wrapping around past the end."),
    m("endswith", "\"bool\"", &["\"string\"", "\"string\""], None, "Whether a string ends with the given suffix."),
    m("ephemeralasnull", "\"dynamic\"", &["\"dynamic\""], None, "The value with every ephemeral part replaced by null."),
    m("file", "\"string\"", &["\"string\""], None, "The contents of a file as UTF-8 text."),
    m("filebase64", "\"string\"", &["\"string\""], None, "The contents of a file, Base64-encoded."),
    m("filebase64sha256", "\"string\"", &["\"string\""], None, "The SHA-256 digest of a file's contents, Base64-encoded."),
    m("filebase64sha512", "\"string\"", &["\"string\""], None, "The SHA-512 digest of a file's contents, Base64-encoded."),
    m("fileexists", "\"bool\"", &["\"string\""], None, "Whether a file exists at the given path."),
    m("filemd5", "\"string\"", &["\"string\""], None, "The MD5 digest of a file's contents, in hexadecimal."),
    m("fileset", "[\"set\",\"string\"]", &["\"string\"", "\"string\""], None, "The paths of the files under a directory that match a glob pattern."),
    m("filesha1", "\"string\"", &["\"string\""], None, "The SHA-1 digest of a file's contents, in hexadecimal."),
    m("filesha256", "\"string\"", &["\"string\""], None, "The SHA-256 digest of a file's contents, in hexadecimal."),
    m("filesha512", "\"string\"", &["\"string\""], None, "The SHA-512 digest of a file's contents, in hexadecimal."),
    m("flatten", "\"dynamic\"", &["\"dynamic\""], None, "Replaces nested lists in a list with their elements, recursively."),
    m("floor", "\"number\"", &["\"number\""], None, "The largest whole number that is not greater than the given number."),
    m("format", "\"string\"", &["\"string\""], Some("\"dynamic\""), "Builds a string from a printf-style specification and values."),
    m("formatdate", "\"string\"", &["\"string\"", "\"string\""], None, "Renders an RFC 3339 timestamp in the given date and time layout."),
    m("formatlist", "[\"list\",\"string\"]", &["\"string\""], Some("\"dynamic\""), "Builds a list of strings by applying a printf-style specification element by element."),
    m("indent", "\"string\"", &["\"number\"", "\"string\""], None, "Adds the given number of spaces before every line of a string but the first."),
    m("index", "\"dynamic\"", &["\"dynamic\"", "\"dynamic\""], None, "The position of the first element of a list equal to the given value."),
    m("issensitive", "\"bool\"", &["\"dynamic\""], None, "Whether a value is marked sensitive."),
    m("join", "\"string\"", &["\"string\""], Some("[\"list\",\"string\"]"), "Concatenates the strings of lists, with a separator between them."),
    m("jsondecode", "\"dynamic\"", &["\"string\""], None, "Parses JSON text into the value it represents."),
    m("jsonencode", "\"string\"", &["\"dynamic\""], None, "Renders a value as JSON text."),
    m("keys", "\"dynamic\"", &["\"dynamic\""], None, "The keys of a map or the attribute names of an object, sorted."),
    m("length", "\"number\"", &["\"dynamic\""], None, "The number of elements of a collection or characters of a string."),
    m("log", "\"number\"", &["\"number\"", "\"number\""], None, "The logarithm of a number in the given base."),
    m("lookup", "\"dynamic\"", &["\"dynamic\"", "\"string\""], Some("\"dynamic\""), "The element of a map at a key, or a default when the key is absent."),
    m("lower", "\"string\"", &["\"string\""], None, "A string with its letters in lower case."),
    m("matchkeys", "[\"list\",\"dynamic\"]", &["[\"list\",\"dynamic\"]", "[\"list\",\"dynamic\"]", "[\"list\",\"dynamic\"]"], None, "The elements of a list whose counterparts in a second list are in a search set."),
    m("max", "\"number\"", &[], Some("\"number\""), "The greatest of the given numbers."),
    m("md5", "\"string\"", &["\"string\""], None, "The MD5 digest of a string, in hexadecimal."),
    m("merge", "\"dynamic\"", &[], Some("\"dynamic\""), "Combines maps or objects into one, later arguments winning for repeated keys."),
    m("min", "\"number\"", &[], Some("\"number\""), "The least of the given numbers."),
    m("nonsensitive", "\"dynamic\"", &["\"dynamic\""], None, "The value without its sensitive mark."),
    m("one", "\"dynamic\"", &["\"dynamic\""], None, "The single element of a collection, or null when it is empty."),
    m("parseint", "\"dynamic\"", &["\"dynamic\"", "\"number\""], None, "Parses a string as a whole number in the given base."),
    m("pathexpand", "\"string\"", &["\"string\""], None, "Replaces a leading ~ in a path with the home directory."),
    m("plantimestamp", "\"string\"", &[], None, "The time the plan was made, as an RFC 3339 string."),
    m("pow", "\"number\"", &["\"number\"", "\"number\""], None, "A number raised to a power."),
    m("range", "[\"list\",\"number\"]", &[], Some("\"number\""), "A list of numbers from a start up to a limit, by a step."),
    m("regex", "\"dynamic\"", &["\"string\"", "\"string\""], None, "The first match of a regular expression in a string (or its capture groups)."),
    m("regexall", "[\"list\",\"dynamic\"]", &["\"string\"", "\"string\""], None, "Every match of a regular expression in a string."),
    m("replace", "\"string\"", &["\"string\"", "\"string\"", "\"string\""], None, "A string with every occurrence of a substring (or regular expression) replaced."),
    m("reverse", "\"dynamic\"", &["\"dynamic\""], None, "A sequence in the opposite order."),
    m("rsadecrypt", "\"string\"", &["\"string\"", "\"string\""], None, "Decrypts Base64 RSA ciphertext with a PEM private key."),
    m("sensitive", "\"dynamic\"", &["\"dynamic\""], None, "The value marked sensitive."),
    m("setintersection", "[\"set\",\"dynamic\"]", &["[\"set\",\"dynamic\"]"], Some("[\"set\",\"dynamic\"]"), "The elements that every given set holds."),
    m("setproduct", "\"dynamic\"", &[], Some("\"dynamic\""), "Every combination of one element from each given collection."),
    m("setsubtract", "[\"set\",\"dynamic\"]", &["[\"set\",\"dynamic\"]", "[\"set\",\"dynamic\"]"], None, "The elements of the first set that the second does not hold."),
    m("setunion", "[\"set\",\"dynamic\"]", &["[\"set\",\"dynamic\"]"], Some("[\"set\",\"dynamic\"]"), "The elements that any given set holds."),
    m("sha1", "\"string\"", &["\"string\""], None, "The SHA-1 digest of a string, in hexadecimal."),
    m("sha256", "\"string\"", &["\"string\""], None, "The SHA-256 digest of a string, in hexadecimal."),
    m("sha512", "\"string\"", &["\"string\""], None, "The SHA-512 digest of a string, in hexadecimal."),
    m("signum", "\"number\"", &["\"number\""], None, "-1, 0 or 1 according to the sign of a number."),
    m("slice", "\"dynamic\"", &["\"dynamic\"", "\"number\"", "\"number\""], None, "The elements of a list from a start index up to (not including) an end index."),
    m("sort", "[\"list\",\"string\"]", &["[\"list\",\"string\"]"], None, "A list of strings in lexical order."),
    m("split", "[\"list\",\"string\"]", &["\"string\"", "\"string\""], None, "The parts of a string between occurrences of a separator."),
    m("startswith", "\"bool\"", &["\"string\"", "\"string\""], None, "Whether a string starts with the given prefix."),
    m("strcontains", "\"bool\"", &["\"string\"", "\"string\""], None, "Whether a string contains the given substring."),
    m("strrev", "\"string\"", &["\"string\""], None, "A string with its characters in reverse order."),
    m("substr", "\"string\"", &["\"string\"", "\"number\"", "\"number\""], None, "Part of a string, by character offset and length."),
    m("sum", "\"dynamic\"", &["\"dynamic\""], None, "The total of a collection of numbers."),
    m("templatefile", "\"dynamic\"", &["\"string\"", "\"dynamic\""], None, "Renders the template in a file with the given variables."),
    m("templatestring", "\"string\"", &["\"string\"", "\"dynamic\""], None, "Renders a template string with the given variables."),
    m("textdecodebase64", "\"string\"", &["\"string\"", "\"string\""], None, "Decodes Base64 data as text in the given character encoding."),
    m("textencodebase64", "\"string\"", &["\"string\"", "\"string\""], None, "Encodes a string in the given character encoding, then as Base64."),
    m("timeadd", "\"string\"", &["\"string\"", "\"string\""], None, "An RFC 3339 timestamp moved by a duration."),
    m("timecmp", "\"number\"", &["\"string\"", "\"string\""], None, "Compares two RFC 3339 timestamps: -1, 0 or 1."),
    m("timestamp", "\"string\"", &[], None, "The current time as an RFC 3339 string."),
    m("title", "\"string\"", &["\"string\""], None, "A string with the first letter of each word in upper case."),
    m("tobool", "\"bool\"", &["\"dynamic\""], None, "Converts a value to a bool."),
    m("tolist", "[\"list\",\"dynamic\"]", &["\"dynamic\""], None, "Converts a value to a list."),
    m("tomap", "[\"map\",\"dynamic\"]", &["\"dynamic\""], None, "Converts a value to a map."),
    m("tonumber", "\"number\"", &["\"dynamic\""], None, "Converts a value to a number."),
    m("toset", "[\"set\",\"dynamic\"]", &["\"dynamic\""], None, "Converts a value to a set."),
    m("tostring", "\"string\"", &["\"dynamic\""], None, "Converts a value to a string."),
    m("transpose", "[\"map\",[\"list\",\"string\"]]", &["[\"map\",[\"list\",\"string\"]]"], None, "Swaps the keys and the list elements of a map of lists of strings."),
    m("trim", "\"string\"", &["\"string\"", "\"string\""], None, "A string without the given characters at its start and end."),
    m("trimprefix", "\"string\"", &["\"string\"", "\"string\""], None, "A string without the given prefix."),
    m("trimspace", "\"string\"", &["\"string\""], None, "A string without whitespace at its start and end."),
    m("trimsuffix", "\"string\"", &["\"string\"", "\"string\""], None, "A string without the given suffix."),
    m("try", "\"dynamic\"", &[], Some("\"dynamic\""), "The value of the first expression that evaluates without an error."),
    m("upper", "\"string\"", &["\"string\""], None, "A string with its letters in upper case."),
    m("urlencode", "\"string\"", &["\"string\""], None, "A string escaped for use in a URL query."),
    m("uuid", "\"string\"", &[], None, "A random UUID string."),
    m("uuidv5", "\"string\"", &["\"string\"", "\"string\""], None, "A name-based (version 5) UUID string."),
    m("values", "\"dynamic\"", &["\"dynamic\""], None, "The values of a map or object, in key order."),
    m("yamldecode", "\"dynamic\"", &["\"string\""], None, "Parses YAML text into the value it represents."),
    m("yamlencode", "\"string\"", &["\"dynamic\""], None, "Renders a value as YAML text."),
    m("zipmap", "\"dynamic\"", &["[\"list\",\"string\"]", "\"dynamic\""], None, "A map built from a list of keys and a list of values."),
];

/// A parameter's name and whether it accepts null.
type Named = (&'static str, bool);

fn ty(text: &str) -> Json {
    serde_json::from_str(text).unwrap_or(Json::Null)
}

fn param(name: &str, nullable: bool, ty_text: &str) -> Json {
    let mut p = Map::new();
    p.insert("name".into(), json!(name));
    if nullable {
        p.insert("is_nullable".into(), json!(true));
    }
    p.insert("type".into(), ty(ty_text));
    Json::Object(p)
}

/// The whole listing, as `terraform metadata functions -json` prints it.
pub fn signatures_json() -> Json {
    let mut sigs = Map::new();
    for meta in META {
        let (params, variadic): (Vec<Named>, Option<Named>) = match super::lookup(meta.name) {
            Some(f) => (
                f.params.iter().map(|p| (p.name, p.nullable)).collect(),
                f.variadic.map(|p| (p.name, p.nullable)),
            ),
            None => {
                let Some((_, names, var)) = SPECIAL.iter().find(|s| s.0 == meta.name) else {
                    continue;
                };
                (
                    names.iter().map(|n| (*n, false)).collect(),
                    var.map(|n| (n, false)),
                )
            }
        };
        let mut sig = Map::new();
        sig.insert("description".into(), json!(meta.description));
        sig.insert("return_type".into(), ty(meta.returns));
        if !params.is_empty() {
            let list: Vec<Json> = params
                .iter()
                .zip(meta.params)
                .map(|((name, nullable), t)| param(name, *nullable, t))
                .collect();
            sig.insert("parameters".into(), Json::Array(list));
        }
        if let (Some((name, nullable)), Some(t)) = (variadic, meta.variadic) {
            sig.insert("variadic_parameter".into(), param(name, nullable, t));
        }
        sigs.insert(meta.name.to_string(), Json::Object(sig));
    }
    json!({"format_version": "1.0", "function_signatures": sigs})
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every registered function is listed, with a type for each parameter, and nothing
    /// else is (besides the two expression forms).
    #[test]
    fn the_table_matches_the_registry() {
        for f in super::super::FUNCS {
            let meta = META.iter().find(|m| m.name == f.name);
            let meta = meta.unwrap_or_else(|| panic!("{} has no metadata", f.name));
            assert_eq!(meta.params.len(), f.params.len(), "{}", f.name);
            assert_eq!(meta.variadic.is_some(), f.variadic.is_some(), "{}", f.name);
        }
        for meta in META {
            assert!(
                super::super::lookup(meta.name).is_some()
                    || SPECIAL.iter().any(|s| s.0 == meta.name),
                "{} is not a function",
                meta.name
            );
            for t in meta
                .params
                .iter()
                .chain(&meta.variadic)
                .chain([&meta.returns])
            {
                assert!(!ty(t).is_null(), "{}: bad type {t}", meta.name);
            }
        }
        assert!(META.windows(2).all(|w| w[0].name < w[1].name));
    }

    #[test]
    fn signatures_are_laid_out_as_terraform_lays_them_out() {
        let all = signatures_json();
        assert_eq!(all["format_version"], "1.0");
        let format = &all["function_signatures"]["format"];
        assert_eq!(format["return_type"], "string");
        assert_eq!(
            format["parameters"],
            json!([{"name": "format", "type": "string"}])
        );
        assert_eq!(
            format["variadic_parameter"],
            json!({"name": "args", "is_nullable": true, "type": "dynamic"})
        );
        assert_eq!(
            all["function_signatures"]["merge"].get("parameters"),
            None,
            "no parameters key when there are none"
        );
        assert_eq!(
            all["function_signatures"]["can"]["parameters"],
            json!([{"name": "expression", "type": "dynamic"}])
        );
    }
}
