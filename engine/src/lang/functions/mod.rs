//! Terraform's built-in functions.
//!
//! [`call`] is the single entry point. Arguments arrive evaluated; the common rules are
//! applied here once rather than in every function: arity, null arguments, a function whose
//! arguments contain an unknown value returns unknown (except the few that can answer
//! anyway), and a result is marked sensitive when any argument was.
//!
//! Each category lives in its own module; the registry below is the only list of names.

use std::path::Path;

use super::value::Value;

mod args;
mod collection;
mod conversion;
mod crypto;
mod datetime;
pub use datetime::plan_time;
mod encoding;
mod filesystem;
mod format;
mod glob;
mod gostr;
mod ipnet;
pub mod metadata;
mod numeric;
mod seqs;
mod sets;
mod string;
mod yaml;

#[cfg(test)]
mod testutil;

/// What a function call may need from its surroundings.
pub struct FuncContext<'a> {
    /// The directory `file()` and `templatefile()` resolve relative paths against
    /// (Terraform resolves them against the working directory; `path.module` is usually used).
    pub base_dir: &'a Path,
    /// Renders a template string with the given variables object (for `templatefile`).
    pub render_template: &'a dyn Fn(&str, &Value) -> Result<Value, String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FuncError {
    #[error("there is no function named {name:?}")]
    Unknown { name: String },
    /// Too few or too many arguments (`too_many`), which Terraform reports under its own
    /// summaries.
    #[error("{message}")]
    Arity { too_many: bool, message: String },
    #[error("{0}")]
    Call(String),
}

/// How an implementation reports a problem; [`call`] turns it into Terraform's wording,
/// which differs for a bad argument and a failure of the call as a whole.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Fail {
    /// The argument at this position is unsuitable.
    Arg(usize, String),
    /// The call failed for a reason not tied to one argument.
    Msg(String),
}

pub(crate) type Impl = fn(&[Value], &FuncContext<'_>) -> Result<Value, Fail>;

#[derive(Clone, Copy)]
pub(crate) struct Param {
    name: &'static str,
    nullable: bool,
}

/// A parameter that must not be null.
const fn p(name: &'static str) -> Param {
    Param {
        name,
        nullable: false,
    }
}

/// A parameter that accepts null.
const fn pn(name: &'static str) -> Param {
    Param {
        name,
        nullable: true,
    }
}

pub(crate) struct Func {
    name: &'static str,
    params: &'static [Param],
    variadic: Option<Param>,
    /// The implementation copes with unknown values inside its arguments itself.
    sees_unknowns: bool,
    /// The implementation receives arguments with their sensitive marks intact.
    sees_marks: bool,
    imp: Impl,
}

impl Func {
    const fn new(name: &'static str, params: &'static [Param], imp: Impl) -> Func {
        Func {
            name,
            params,
            variadic: None,
            sees_unknowns: false,
            sees_marks: false,
            imp,
        }
    }

    const fn variadic(mut self, param: Param) -> Func {
        self.variadic = Some(param);
        self
    }

    const fn sees_unknowns(mut self) -> Func {
        self.sees_unknowns = true;
        self
    }

    const fn sees_marks(mut self) -> Func {
        self.sees_marks = true;
        self
    }

    fn param(&self, i: usize) -> Option<&Param> {
        self.params.get(i).or(self.variadic.as_ref())
    }

    fn check_arity(&self, given: usize) -> Result<(), FuncError> {
        let want = self.params.len();
        if given < want {
            let qual = if self.variadic.is_some() {
                " at least"
            } else {
                ""
            };
            return Err(FuncError::Arity {
                too_many: false,
                message: format!(
                    "Function {:?} expects{qual} {want} argument(s). Missing value for {:?}.",
                    self.name, self.params[given].name
                ),
            });
        }
        if given > want && self.variadic.is_none() {
            return Err(FuncError::Arity {
                too_many: true,
                message: format!("Function {:?} expects only {want} argument(s).", self.name),
            });
        }
        Ok(())
    }

    fn describe(&self, fail: Fail) -> FuncError {
        FuncError::Call(match fail {
            Fail::Arg(i, msg) => {
                let pname = self.param(i).map_or("argument", |p| p.name);
                format!("Invalid value for {pname:?} parameter: {}.", sentence(&msg))
            }
            Fail::Msg(msg) => format!(
                "Call to function {:?} failed: {}.",
                self.name,
                sentence(&msg)
            ),
        })
    }
}

/// Messages end with exactly one full stop, whoever wrote them.
fn sentence(msg: &str) -> &str {
    msg.trim_end_matches('.')
}

/// Every function, sorted by name so lookup can binary-search.
static FUNCS: &[Func] = &[
    Func::new("abs", &[p("num")], numeric::abs),
    Func::new("abspath", &[p("path")], filesystem::abspath),
    Func::new("alltrue", &[p("list")], collection::alltrue),
    Func::new("anytrue", &[p("list")], collection::anytrue),
    Func::new("base64decode", &[p("str")], encoding::base64decode),
    Func::new("base64encode", &[p("str")], encoding::base64encode),
    Func::new("base64gzip", &[p("str")], encoding::base64gzip),
    Func::new("base64sha256", &[p("str")], crypto::base64sha256),
    Func::new("base64sha512", &[p("str")], crypto::base64sha512),
    Func::new("basename", &[p("path")], filesystem::basename),
    Func::new("bcrypt", &[p("str")], crypto::bcrypt).variadic(p("cost")),
    Func::new("ceil", &[p("num")], numeric::ceil),
    Func::new("chomp", &[p("str")], string::chomp),
    Func::new("chunklist", &[p("list"), p("size")], collection::chunklist),
    Func::new("cidrhost", &[p("prefix"), p("hostnum")], ipnet::cidrhost),
    Func::new("cidrnetmask", &[p("prefix")], ipnet::cidrnetmask),
    Func::new(
        "cidrsubnet",
        &[p("prefix"), p("newbits"), p("netnum")],
        ipnet::cidrsubnet,
    ),
    Func::new("cidrsubnets", &[p("prefix")], ipnet::cidrsubnets).variadic(p("newbits")),
    Func::new("coalesce", &[], collection::coalesce)
        .variadic(pn("vals"))
        .sees_unknowns(),
    Func::new("coalescelist", &[], collection::coalescelist)
        .variadic(pn("vals"))
        .sees_unknowns(),
    Func::new("compact", &[p("list")], collection::compact),
    Func::new("concat", &[], seqs::concat)
        .variadic(p("seqs"))
        .sees_unknowns(),
    Func::new("contains", &[p("list"), p("value")], collection::contains),
    Func::new("csvdecode", &[p("str")], encoding::csvdecode),
    Func::new("dirname", &[p("path")], filesystem::dirname),
    Func::new("distinct", &[p("list")], collection::distinct),
    Func::new("element", &[p("list"), p("index")], collection::element),
    Func::new("endswith", &[p("str"), p("suffix")], string::endswith),
    Func::new(
        "ephemeralasnull",
        &[pn("value")],
        conversion::ephemeralasnull,
    )
    .sees_marks()
    .sees_unknowns(),
    Func::new("file", &[p("path")], filesystem::file),
    Func::new("filebase64", &[p("path")], filesystem::filebase64),
    Func::new(
        "filebase64sha256",
        &[p("path")],
        filesystem::filebase64sha256,
    ),
    Func::new(
        "filebase64sha512",
        &[p("path")],
        filesystem::filebase64sha512,
    ),
    Func::new("fileexists", &[p("path")], filesystem::fileexists),
    Func::new("filemd5", &[p("path")], filesystem::filemd5),
    Func::new("fileset", &[p("path"), p("pattern")], glob::fileset),
    Func::new("filesha1", &[p("path")], filesystem::filesha1),
    Func::new("filesha256", &[p("path")], filesystem::filesha256),
    Func::new("filesha512", &[p("path")], filesystem::filesha512),
    Func::new("flatten", &[p("list")], seqs::flatten),
    Func::new("floor", &[p("num")], numeric::floor),
    Func::new("format", &[p("format")], format::format).variadic(pn("args")),
    Func::new(
        "formatdate",
        &[p("format"), p("time")],
        datetime::formatdate,
    ),
    Func::new("formatlist", &[p("format")], format::formatlist).variadic(pn("args")),
    Func::new("indent", &[p("spaces"), p("str")], string::indent),
    Func::new("index", &[p("list"), p("value")], collection::index),
    Func::new("issensitive", &[pn("value")], conversion::issensitive).sees_marks(),
    Func::new("join", &[p("separator")], string::join).variadic(p("lists")),
    Func::new("jsondecode", &[p("str")], encoding::jsondecode),
    Func::new("jsonencode", &[pn("val")], encoding::jsonencode),
    Func::new("keys", &[p("inputMap")], collection::keys).sees_unknowns(),
    Func::new("length", &[p("value")], collection::length).sees_unknowns(),
    Func::new("log", &[p("num"), p("base")], numeric::log),
    Func::new("lookup", &[p("inputMap"), p("key")], collection::lookup).variadic(pn("default")),
    Func::new("lower", &[p("str")], string::lower),
    Func::new(
        "matchkeys",
        &[p("values"), p("keys"), p("searchset")],
        collection::matchkeys,
    ),
    Func::new("max", &[], numeric::max).variadic(p("numbers")),
    Func::new("md5", &[p("str")], crypto::md5),
    Func::new("merge", &[], collection::merge)
        .variadic(pn("maps"))
        .sees_unknowns(),
    Func::new("min", &[], numeric::min).variadic(p("numbers")),
    Func::new("nonsensitive", &[pn("value")], conversion::nonsensitive).sees_marks(),
    Func::new("one", &[p("list")], collection::one),
    Func::new("parseint", &[p("number"), p("base")], numeric::parseint),
    Func::new("pathexpand", &[p("path")], filesystem::pathexpand),
    Func::new("plantimestamp", &[], datetime::plantimestamp),
    Func::new("pow", &[p("num"), p("power")], numeric::pow),
    Func::new("range", &[], seqs::range).variadic(p("params")),
    Func::new("regex", &[p("pattern"), p("string")], string::regex),
    Func::new("regexall", &[p("pattern"), p("string")], string::regexall),
    Func::new(
        "replace",
        &[p("str"), p("substr"), p("replace")],
        string::replace,
    ),
    Func::new("reverse", &[p("list")], seqs::reverse),
    Func::new(
        "rsadecrypt",
        &[p("ciphertext"), p("privatekey")],
        crypto::rsadecrypt,
    ),
    Func::new("sensitive", &[pn("value")], conversion::sensitive).sees_marks(),
    Func::new("setintersection", &[p("first_set")], sets::setintersection)
        .variadic(p("other_sets")),
    Func::new("setproduct", &[], sets::setproduct).variadic(p("sets")),
    Func::new("setsubtract", &[p("a"), p("b")], sets::setsubtract),
    Func::new("setunion", &[p("first_set")], sets::setunion).variadic(p("other_sets")),
    Func::new("sha1", &[p("str")], crypto::sha1),
    Func::new("sha256", &[p("str")], crypto::sha256),
    Func::new("sha512", &[p("str")], crypto::sha512),
    Func::new("signum", &[p("num")], numeric::signum),
    Func::new(
        "slice",
        &[p("list"), p("start_index"), p("end_index")],
        seqs::slice,
    ),
    Func::new("sort", &[p("list")], collection::sort),
    Func::new("split", &[p("separator"), p("str")], string::split),
    Func::new("startswith", &[p("str"), p("prefix")], string::startswith),
    Func::new("strcontains", &[p("str"), p("substr")], string::strcontains),
    Func::new("strrev", &[p("str")], string::strrev),
    Func::new(
        "substr",
        &[p("str"), p("offset"), p("length")],
        string::substr,
    ),
    Func::new("sum", &[p("list")], numeric::sum),
    Func::new(
        "templatefile",
        &[p("path"), p("vars")],
        filesystem::templatefile,
    ),
    Func::new(
        "templatestring",
        &[p("template"), p("vars")],
        filesystem::templatestring,
    ),
    Func::new(
        "textdecodebase64",
        &[p("source"), p("encoding")],
        encoding::textdecodebase64,
    ),
    Func::new(
        "textencodebase64",
        &[p("string"), p("encoding")],
        encoding::textencodebase64,
    ),
    Func::new(
        "timeadd",
        &[p("timestamp"), p("duration")],
        datetime::timeadd,
    ),
    Func::new(
        "timecmp",
        &[p("timestamp_a"), p("timestamp_b")],
        datetime::timecmp,
    ),
    Func::new("timestamp", &[], datetime::timestamp),
    Func::new("title", &[p("str")], string::title),
    Func::new("tobool", &[pn("v")], conversion::tobool).sees_marks(),
    Func::new("tolist", &[pn("v")], conversion::tolist).sees_marks(),
    Func::new("tomap", &[pn("v")], conversion::tomap).sees_marks(),
    Func::new("tonumber", &[pn("v")], conversion::tonumber).sees_marks(),
    Func::new("toset", &[pn("v")], conversion::toset).sees_marks(),
    Func::new("tostring", &[pn("v")], conversion::tostring).sees_marks(),
    Func::new("transpose", &[p("values")], collection::transpose),
    Func::new("trim", &[p("str"), p("cutset")], string::trim),
    Func::new("trimprefix", &[p("str"), p("prefix")], string::trimprefix),
    Func::new("trimspace", &[p("str")], string::trimspace),
    Func::new("trimsuffix", &[p("str"), p("suffix")], string::trimsuffix),
    Func::new("upper", &[p("str")], string::upper),
    Func::new("urlencode", &[p("str")], encoding::urlencode),
    Func::new("uuid", &[], crypto::uuid),
    Func::new("uuidv5", &[p("namespace"), p("name")], crypto::uuidv5),
    Func::new("values", &[p("mapping")], collection::values),
    Func::new("yamldecode", &[p("src")], yaml::yamldecode),
    Func::new("yamlencode", &[pn("value")], yaml::yamlencode),
    Func::new("zipmap", &[p("keys"), p("values")], collection::zipmap),
];

static NAMES: std::sync::OnceLock<Vec<&'static str>> = std::sync::OnceLock::new();

fn lookup(name: &str) -> Option<&'static Func> {
    FUNCS
        .binary_search_by(|f| f.name.cmp(name))
        .ok()
        .and_then(|i| FUNCS.get(i))
}

/// Calls the built-in function `name`.
///
/// # Errors
/// [`FuncError::Unknown`] when no such function exists, [`FuncError::Call`] with Terraform's
/// wording when the arguments are unsuitable.
/// A function with its parameter names, as Terraform names a failed call
/// (`tonumber(v)`, `concat(seqs...)`).
pub fn signature(name: &str) -> Option<String> {
    let func = lookup(name)?;
    let mut params: Vec<String> = func.params.iter().map(|p| p.name.to_string()).collect();
    params.extend(func.variadic.map(|p| format!("{}...", p.name)));
    Some(format!("{name}({})", params.join(", ")))
}

pub fn call(name: &str, args: Vec<Value>, ctx: &FuncContext<'_>) -> Result<Value, FuncError> {
    let func = lookup(name).ok_or_else(|| FuncError::Unknown {
        name: name.to_string(),
    })?;
    func.check_arity(args.len())?;
    if func.sees_marks {
        return (func.imp)(&args, ctx).map_err(|f| func.describe(f));
    }

    let mut marked = false;
    let args: Vec<Value> = args
        .iter()
        .map(|a| {
            let (plain, found) = a.unmark_deep();
            marked |= found;
            plain
        })
        .collect();
    // Terraform marks the whole result, which is coarser than necessary but never leaks.
    let finish = |v: Value| if marked { v.sensitive() } else { v };

    for (i, a) in args.iter().enumerate() {
        let nullable = func.param(i).is_some_and(|p| p.nullable);
        if a.is_null() && !nullable {
            return Err(func.describe(Fail::Arg(i, "argument must not be null".into())));
        }
    }
    if !func.sees_unknowns && args.iter().any(Value::contains_unknown) {
        return Ok(finish(Value::Unknown));
    }
    (func.imp)(&args, ctx)
        .map(finish)
        .map_err(|f| func.describe(f))
}

/// Names of every function, for "did you mean" suggestions.
pub fn names() -> &'static [&'static str] {
    NAMES.get_or_init(|| FUNCS.iter().map(|f| f.name).collect())
}

#[cfg(test)]
mod tests {
    use super::testutil::{call_err, call_ok, s};
    use super::*;

    #[test]
    fn registry_is_sorted_and_unique() {
        assert!(FUNCS.windows(2).all(|w| w[0].name < w[1].name));
        assert_eq!(names().len(), FUNCS.len());
        assert!(names().contains(&"cidrsubnet"));
    }

    #[test]
    fn unknown_function_is_reported() {
        let ctx = testutil::ctx();
        let err = call("nope", vec![], &ctx.ctx()).unwrap_err();
        assert_eq!(
            err,
            FuncError::Unknown {
                name: "nope".into()
            }
        );
    }

    #[test]
    fn arity_errors_use_terraform_wording() {
        assert_eq!(
            call_err("element", vec![Value::Tuple(vec![])]),
            "Function \"element\" expects 2 argument(s). Missing value for \"index\"."
        );
        assert_eq!(
            call_err("upper", vec![s("a"), s("b")]),
            "Function \"upper\" expects only 1 argument(s)."
        );
        assert_eq!(
            call_err("cidrsubnets", vec![]),
            "Function \"cidrsubnets\" expects at least 1 argument(s). Missing value for \"prefix\"."
        );
    }

    #[test]
    fn null_arguments_are_rejected_where_not_allowed() {
        assert_eq!(
            call_err("upper", vec![Value::Null]),
            "Invalid value for \"str\" parameter: argument must not be null."
        );
    }

    #[test]
    fn unknown_arguments_give_unknown_results() {
        assert_eq!(call_ok("upper", vec![Value::Unknown]), Value::Unknown);
        assert_eq!(
            call_ok("join", vec![s(","), Value::Tuple(vec![Value::Unknown])]),
            Value::Unknown
        );
    }

    #[test]
    fn sensitive_arguments_mark_the_result() {
        assert_eq!(
            call_ok("upper", vec![s("a").sensitive()]),
            s("A").sensitive()
        );
        assert_eq!(
            call_ok("length", vec![Value::Tuple(vec![s("a").sensitive()])]),
            Value::number(1.0).sensitive()
        );
        assert_eq!(
            call_ok("upper", vec![Value::Unknown.sensitive()]),
            Value::Unknown.sensitive()
        );
    }

    #[test]
    fn argument_errors_name_the_parameter() {
        assert_eq!(
            call_err("abs", vec![s("x")]),
            "Invalid value for \"num\" parameter: a number is required."
        );
    }

    /// Every function with every combination of awkward arguments must return, not panic.
    #[test]
    fn no_function_panics_on_hostile_arguments() {
        let pool = vec![
            Value::Null,
            Value::Unknown,
            s(""),
            s("%[0]d/9\n~x"),
            Value::number(-1.0),
            Value::number(1e300),
            Value::number(f64::INFINITY),
            Value::number(0.5),
            Value::number(4.0),
            Value::Tuple(vec![Value::Null, s("a"), Value::number(1.0)]),
            Value::set(vec![s("a"), s("b")]),
            Value::object([("k", Value::List(vec![s("v")]))]),
            s("10.0.0.0/8").sensitive(),
        ];
        let ctx = testutil::ctx();
        let c = ctx.ctx();
        for name in names() {
            let _ = call(name, vec![], &c);
            for a in &pool {
                let _ = call(name, vec![a.clone()], &c);
                for b in &pool {
                    let _ = call(name, vec![a.clone(), b.clone()], &c);
                    for d in &pool {
                        let _ = call(name, vec![a.clone(), b.clone(), d.clone()], &c);
                    }
                }
            }
        }
    }
}
