//! Property tests of the lexer, parser and checker: no input panics, overflows the stack or
//! hangs. They mutate the query corpus (`tests/kql/corpus`) and generate random queries.
//!
//! `cargo test` runs a few hundred cases; `GRAPHSOAR_KQL_FUZZ=N cargo test --release kql::fuzz`
//! runs N per property (a long run: 200000).

use std::path::Path;

use super::{Schema, check, parse};

/// A small deterministic generator (xorshift64*), so a failure names its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

fn iterations(default: usize) -> usize {
    std::env::var("GRAPHSOAR_KQL_FUZZ")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn corpus() -> Vec<String> {
    let mut files = Vec::new();
    crate::playbook::load::walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/kql/corpus"),
        &["kql"],
        &mut files,
        &mut Vec::new(),
    );
    files.iter().filter_map(|f| std::fs::read_to_string(f).ok()).collect()
}

/// Pieces that make mutations interesting: tokens the parser branches on.
const PIECES: &[&str] = &[
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    "|",
    ",",
    ";",
    "\"",
    "'",
    "@\"",
    "h\"",
    "```",
    "//",
    "\n",
    " ",
    "=",
    "==",
    "!",
    "~",
    "..",
    ".",
    "$left",
    "*",
    "-",
    "+",
    "let ",
    "where ",
    "project ",
    "summarize ",
    "by ",
    "join ",
    "on ",
    "kind=",
    "has_any",
    "!has",
    "in~",
    "between",
    "datetime(",
    "dynamic([",
    "1d",
    "0x",
    "1e",
    "\\",
    "\u{feff}",
    "é",
    "🦀",
    "mv-expand ",
    "parse ",
    "with ",
    "datatable(",
    "union ",
    "evaluate ",
    "invoke ",
    "toscalar(",
    "materialize(",
];

fn mutate(rng: &mut Rng, text: &str) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for _ in 0..=rng.below(4) {
        let at = rng.below(chars.len() + 1);
        match rng.below(4) {
            0 if !chars.is_empty() => {
                let end = (at + rng.below(8)).min(chars.len());
                chars.drain(at.min(end)..end);
            }
            1 => {
                let piece: Vec<char> = rng.pick(PIECES).chars().collect();
                chars.splice(at..at, piece);
            }
            2 if !chars.is_empty() => chars.truncate(at),
            _ => {
                let dup: Vec<char> = chars.iter().skip(at).take(rng.below(30)).copied().collect();
                chars.splice(at..at, dup);
            }
        }
    }
    chars.into_iter().collect()
}

#[test]
fn mutated_corpus_queries_never_panic() {
    let corpus = corpus();
    assert!(!corpus.is_empty(), "the corpus is missing");
    let schema = Schema::advanced_hunting();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    for i in 0..iterations(400) {
        let base = &corpus[rng.below(corpus.len())];
        let text = mutate(&mut rng, base);
        let result = std::panic::catch_unwind(|| check(&text, schema));
        assert!(result.is_ok(), "case {i} panicked on:\n{text}");
    }
}

/// Random queries from a small grammar parse without syntax errors: the parser accepts what it
/// should, not only refuses gracefully.
#[test]
fn generated_queries_parse() {
    let mut rng = Rng(42);
    for i in 0..iterations(300) {
        let q = gen_query(&mut rng);
        let (_, diags) = parse::parse(&q);
        assert!(diags.is_empty(), "case {i}: {q}\n{diags:?}");
    }
}

fn gen_query(rng: &mut Rng) -> String {
    let mut q = String::new();
    if rng.below(3) == 0 {
        q.push_str(&format!("let v = {};\n", gen_expr(rng, 3)));
    }
    q.push_str(rng.pick(&[
        "DeviceProcessEvents",
        "DeviceInfo",
        "EmailEvents",
        "(DeviceEvents | take 5)",
    ]));
    for _ in 0..rng.below(6) {
        let op = match rng.below(9) {
            0 => format!("where {}", gen_expr(rng, 4)),
            1 => format!("extend x{} = {}", rng.below(9), gen_expr(rng, 3)),
            2 => format!("project a = {}, b", gen_expr(rng, 2)),
            3 => format!("summarize c = count(), m = max({}) by b", gen_expr(rng, 2)),
            4 => "order by a desc nulls last".to_string(),
            5 => format!("top {} by a asc", rng.below(100)),
            6 => "join kind=leftouter (DeviceInfo | take 1) on $left.a == $right.b".to_string(),
            7 => "mv-expand e = parse_json(b) to typeof(string) limit 5".to_string(),
            _ => "parse b with * \"=\" v:long \";\" *".to_string(),
        };
        q.push_str("\n| ");
        q.push_str(&op);
        if rng.below(4) == 0 {
            q.push_str(" // a comment | with a pipe");
        }
    }
    q
}

fn gen_expr(rng: &mut Rng, depth: usize) -> String {
    if depth == 0 {
        return match rng.below(8) {
            0 => rng.below(1000).to_string(),
            1 => format!("\"s{}\"", rng.below(9)),
            2 => "@\"C:\\dir\\\"".to_string(),
            3 => rng.pick(&["1d", "30m", "1.5h", "10s", "1tick"]).to_string(),
            4 => "datetime(2024-01-01 10:00)".to_string(),
            5 => "dynamic([1, \"a\", {\"k\": null}])".to_string(),
            6 => "x.['key'][0]".to_string(),
            _ => rng.pick(&["a", "b", "Timestamp", "['Name With Space']"]).to_string(),
        };
    }
    let a = format!("({})", gen_expr(rng, depth - 1));
    let b = format!("({})", gen_expr(rng, depth - 1));
    match rng.below(10) {
        0 => format!("{a} and {b}"),
        1 => format!("{a} or {b}"),
        2 => format!("({a})"),
        3 => format!(
            "{a} {} {b}",
            rng.pick(&["==", "!=", "<>", ">", "<=", "=~", "!~", "+", "-", "*", "/", "%"])
        ),
        4 => format!(
            "{a} {} {b}",
            rng.pick(&[
                "has",
                "!has",
                "contains_cs",
                "startswith",
                "!endswith",
                "hasprefix",
                "matches regex"
            ])
        ),
        5 => format!(
            "{a} {} ({b}, {a})",
            rng.pick(&["in", "!in", "in~", "!in~", "has_any", "has_all"])
        ),
        6 => format!("{a} between (({b}) .. ({a}))"),
        7 => format!("iff({a}, {b}, {a})"),
        8 => format!("-{a}"),
        _ => format!("strcat({a}, {b})"),
    }
}

#[test]
fn limits_end_with_an_error_not_a_crash() {
    let schema = Schema::advanced_hunting();
    let error_of = |q: &str| -> String {
        let d = check(q, schema);
        d.iter()
            .find(|d| d.is_error())
            .map(|d| d.message.clone())
            .unwrap_or_default()
    };
    // 10,000 nested parentheses, brackets, and a deep dynamic literal.
    assert!(
        error_of(&format!(
            "DeviceInfo | where {}1{}",
            "(".repeat(10_000),
            ")".repeat(10_000)
        ))
        .contains("levels deep")
    );
    assert!(
        error_of(&format!(
            "DeviceInfo | extend x = dynamic({}1{})",
            "[".repeat(10_000),
            "]".repeat(10_000)
        ))
        .contains("levels deep")
    );
    assert!(error_of(&format!("DeviceInfo | extend x = {}1", "- ".repeat(10_000))).contains("levels deep"));
    assert!(error_of(&format!("DeviceInfo | extend x = {}1", "-".repeat(10_000))).contains("a line of dashes"));
    assert!(error_of(&format!("DeviceInfo | extend x = {}", "strlen(".repeat(5_000))).contains("levels deep"));
    // A long chain of one binary operator.
    assert!(
        error_of(&format!("DeviceInfo | extend x = {}", vec!["1"; 5_000].join(" * ")))
            .contains("operators of one kind")
    );
    // A 5,000-term `or` chain checks, and so does a 100 KB query.
    let terms: Vec<String> = (0..5_000).map(|i| format!("DeviceName == \"host{i}\"")).collect();
    let long = format!("DeviceInfo | where Timestamp > ago(1d) and ({})", terms.join(" or "));
    assert!(long.len() > 100_000);
    assert_eq!(error_of(&long), "");
    // Above the size limit: refused, naming the limit.
    let huge = format!("DeviceInfo | where {}", "DeviceName == \"x\" or ".repeat(60_000));
    assert!(error_of(&huge).contains("1 MiB"));
}
