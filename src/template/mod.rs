//! Message templates (email subjects and bodies, comments, log lines): minijinja, parsed once
//! at load, rendered per item or digest.
//!
//! This module owns the template environment and every filter templates may use (registered
//! in [`base_environment`], each with a `///` line). Item data is written by attackers, so:
//! printing an undefined value is an error (never a blank subject), HTML templates
//! auto-escape, and header templates cannot produce a line break. It must not read files or
//! decide which templates an action uses.

use std::collections::BTreeSet;
use std::sync::{Arc, LazyLock};

use minijinja::{AutoEscape, Environment, Error, ErrorKind, UndefinedBehavior, Value};

/// How a template's output is used, which decides escaping.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemplateKind {
    /// Plain text (a text email body, a comment, a log line): nothing escaped.
    Text,
    /// An HTML email body: every printed value is HTML-escaped unless marked `| safe`.
    Html,
    /// A header value (a subject, a display name): rendered as text, then every line break and
    /// other control character becomes a space and the result is trimmed, so it can never add
    /// header lines.
    Header,
}

impl TemplateKind {
    /// The fixed name the template is stored under; its extension selects auto-escaping.
    fn template_name(self) -> &'static str {
        match self {
            Self::Html => "template.html",
            Self::Text | Self::Header => "template.txt",
        }
    }
}

/// A template that failed to parse, positioned within the template text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{}: {message}", column.map_or_else(|| "?".to_owned(), |c| c.to_string()))]
pub struct TemplateError {
    /// 1-based line within the template source.
    pub line: usize,
    /// 1-based column (in characters), when minijinja reports the span.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

/// A template that failed to render (an undefined value printed, a filter error, ...).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct RenderError {
    /// 1-based line within the template source, when known.
    pub line: Option<usize>,
    /// What went wrong, e.g. "undefined value: alert.titel".
    pub message: String,
}

/// A parsed template: cheap to clone, shareable across threads.
#[derive(Debug, Clone)]
pub struct Template {
    env: Arc<Environment<'static>>,
    kind: TemplateKind,
}

/// Parses a template once (at load). Syntax errors carry the position within `source`.
pub fn compile(source: &str, kind: TemplateKind) -> Result<Template, TemplateError> {
    // Cloning the prepared environment copies its filter table (reference-counted entries),
    // which is far cheaper than registering the builtins and filters again.
    let mut env = BASE.clone();
    env.add_template_owned(kind.template_name(), source.to_owned())
        .map_err(|e| template_error(&e, source))?;
    Ok(Template {
        env: Arc::new(env),
        kind,
    })
}

impl Template {
    /// Renders with `ctx`, an object whose keys are the top-level names (`alert`, `items`,
    /// `playbook`, ...).
    pub fn render(&self, ctx: &serde_json::Value) -> Result<String, RenderError> {
        let template = self
            .env
            .get_template(self.kind.template_name())
            .map_err(|e| render_error(&e))?;
        let rendered = template
            .render(Value::from(minijinja::value::Serde(ctx)))
            .map_err(|e| render_error(&e))?;
        Ok(match self.kind {
            TemplateKind::Header => header_safe(&rendered),
            TemplateKind::Text | TemplateKind::Html => rendered,
        })
    }

    /// The names the template reads from its context (`alert` for `{{ alert.title }}`), not
    /// counting names it defines itself or the environment's globals and functions, so
    /// validation can flag `{{ alrt.title }}`.
    pub fn top_level_names(&self) -> BTreeSet<String> {
        let Ok(template) = self.env.get_template(self.kind.template_name()) else {
            return BTreeSet::new();
        };
        let globals: BTreeSet<&str> = self.env.globals().map(|(name, _)| name).collect();
        template
            .undeclared_variables(false)
            .into_iter()
            .filter(|name| !globals.contains(name.as_str()))
            .collect()
    }

    /// The top-level properties of `var` the template reads (`title` for `{{ alert.title }}`),
    /// when that is all it does with `var`; None when it uses `var` whole (a filter, a loop over
    /// it, a subscript by a variable) or includes other templates (their reads are unknown).
    pub fn property_reads(&self, var: &str) -> Option<BTreeSet<String>> {
        let template = self.env.get_template(self.kind.template_name()).ok()?;
        let source = template.source();
        if ["include", "import", "extends", "from "]
            .iter()
            .any(|k| source.contains(k))
        {
            return None;
        }
        let prefix = format!("{var}.");
        let mut out = BTreeSet::new();
        for name in template.undeclared_variables(true) {
            if name == var {
                return None;
            }
            if let Some(rest) = name.strip_prefix(&prefix) {
                out.insert(rest.split('.').next().unwrap_or(rest).to_string());
            }
        }
        Some(out)
    }

    /// How the output is used.
    pub fn kind(&self) -> TemplateKind {
        self.kind
    }
}

/// Defuses `<!channel>`, `<!here>`, `<@U123>`, `@here`, `@channel`, `@everyone` and Teams `<at>`
/// in rendered text: item fields are written by attackers.
pub fn neutralise_mentions(text: &str) -> String {
    let mut out = text
        .replace("<!", "<\u{200B}!")
        .replace("<@", "<\u{200B}@")
        .replace("<at>", "&lt;at&gt;")
        .replace("</at>", "&lt;/at&gt;");
    for word in ["@here", "@channel", "@everyone"] {
        out = out.replace(word, &format!("@\u{200B}{}", &word[1..]));
    }
    out
}

/// Replaces line breaks and other control characters with spaces and trims.
fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

static BASE: LazyLock<Environment<'static>> = LazyLock::new(base_environment);

/// The environment every template is added to: minijinja's builtin filters and tests, plus
/// the filters below.
fn base_environment() -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::SemiStrict);
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".html") {
            AutoEscape::Html
        } else {
            AutoEscape::None
        }
    });
    env.add_filter("truncate_chars", truncate_chars);
    env.add_filter("defang", defang);
    env.add_filter("json", json);
    env.add_filter("datetime", datetime);
    env
}

/// `{{ alert.title | truncate_chars(80) }}`: at most that many characters, the last one `…`
/// when the text was cut.
fn truncate_chars(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    if max > 0 {
        out.push('…');
    }
    out
}

/// `{{ url | defang }}`: makes an indicator unclickable: `http://evil.example.com` becomes
/// `hxxp://evil[.]example[.]com`, `1.2.3.4` becomes `1[.]2[.]3[.]4`.
fn defang(text: &str) -> String {
    let mut out = text.replace('.', "[.]");
    for (scheme, defanged) in [("https://", "hxxps://"), ("http://", "hxxp://"), ("ftp://", "fxp://")] {
        out = replace_ignore_ascii_case(&out, scheme, defanged);
    }
    out
}

/// `{{ alert.evidence | json }}`: the value as compact JSON (escaped like any other text in an
/// HTML template).
fn json(value: Value) -> Result<String, Error> {
    serde_json::to_string(&value)
        .map_err(|e| Error::new(ErrorKind::InvalidOperation, format!("cannot convert to JSON: {e}")))
}

/// `{{ alert.createdDateTime | datetime }}` → `2024-05-01 10:00:00 UTC`;
/// `{{ t | datetime("%d %b %Y %H:%M") }}` with a strftime-style format. The value must be an
/// ISO-8601 / RFC 3339 date and time (any fractional digits), shown in UTC.
fn datetime(text: &str, format: Option<&str>) -> Result<String, Error> {
    let time = crate::script::functions::parse_timestamp(text).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("datetime: `{text}` is not a date and time"),
        )
    })?;
    let format = format.unwrap_or("%Y-%m-%d %H:%M:%S UTC");
    crate::script::functions::format_datetime(&time, format).ok_or_else(|| {
        Error::new(
            ErrorKind::InvalidOperation,
            format!("datetime: invalid format string `{format}`"),
        )
    })
}

fn replace_ignore_ascii_case(text: &str, from: &str, to: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (at, _) in lower.match_indices(from) {
        out.push_str(&text[last..at]);
        out.push_str(to);
        last = at + from.len();
    }
    out.push_str(&text[last..]);
    out
}

fn template_error(error: &Error, source: &str) -> TemplateError {
    let line = error.line().unwrap_or(1);
    let column = error.range().and_then(|range| {
        let start = range.start.min(source.len());
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        source.get(line_start..start).map(|prefix| prefix.chars().count() + 1)
    });
    TemplateError {
        line,
        column,
        message: describe(error),
    }
}

fn render_error(error: &Error) -> RenderError {
    RenderError {
        line: error.line(),
        message: describe(error),
    }
}

/// The kind and detail of an error, without minijinja's "(in template.txt:3)" suffix: the
/// template's name is ours, not the user's.
fn describe(error: &Error) -> String {
    match error.detail() {
        Some(detail) => format!("{}: {detail}", error.kind()),
        None => error.kind().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_are_defused() {
        let t = neutralise_mentions("hi <!channel> @here <@U123> <at>Boss</at>");
        assert!(!t.contains("<!channel>") && !t.contains("@here") && !t.contains("<@U") && !t.contains("<at>"));
    }
    use serde_json::json;

    fn render(source: &str, kind: TemplateKind, ctx: serde_json::Value) -> Result<String, RenderError> {
        compile(source, kind).expect("compiles").render(&ctx)
    }

    #[test]
    fn compile_error_has_line_and_column() {
        let err = compile("Alert {{ alert.title }}\nline two\n  {% if %}", TemplateKind::Text).expect_err("bad syntax");
        assert_eq!(err.line, 3);
        assert!(err.column.is_some_and(|c| c >= 3), "{err:?}");
        let err = compile("{{ alert.title ", TemplateKind::Text).expect_err("unclosed");
        assert_eq!(err.line, 1);
    }

    #[test]
    fn printing_undefined_fails_but_default_and_if_work() {
        let ctx = json!({"alert": {"title": "T"}});
        assert!(render("{{ alert.titel }}", TemplateKind::Text, ctx.clone()).is_err());
        assert!(render("{{ alrt.title }}", TemplateKind::Header, ctx.clone()).is_err());
        assert_eq!(
            render("{{ alert.titel | default('n/a') }}", TemplateKind::Text, ctx.clone())
                .ok()
                .as_deref(),
            Some("n/a")
        );
        assert_eq!(
            render(
                "{% if alert.titel is defined %}x{% else %}y{% endif %}",
                TemplateKind::Text,
                ctx.clone()
            )
            .ok()
            .as_deref(),
            Some("y")
        );
        assert_eq!(
            render("{{ alert.title }}", TemplateKind::Text, ctx).ok().as_deref(),
            Some("T")
        );
    }

    #[test]
    fn html_escapes_and_text_does_not() {
        let ctx = json!({"alert": {"title": "<script>alert(1)</script> & \"x\""}});
        let html = render("<b>{{ alert.title }}</b>", TemplateKind::Html, ctx.clone()).expect("renders");
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        let text = render("{{ alert.title }}", TemplateKind::Text, ctx).expect("renders");
        assert!(text.contains("<script>"));
    }

    #[test]
    fn header_cannot_add_lines() {
        let ctx = json!({"alert": {"title": "x\r\nBcc: evil@x"}});
        let subject = render("[HIGH] {{ alert.title }}\n", TemplateKind::Header, ctx).expect("renders");
        assert!(!subject.contains('\r') && !subject.contains('\n'), "{subject:?}");
        assert_eq!(subject, "[HIGH] x  Bcc: evil@x");
        assert_eq!(header_safe("a\u{2028}b\u{85}c\0d"), "a b c d");
    }

    #[test]
    fn top_level_names_lists_context_reads() {
        let template = compile(
            "{{ alrt.title }} {% for r in items %}{{ r.x }}{% endfor %}{% set y = 1 %}{{ y }} {{ playbook.name | upper }} {{ range(2) | length }}",
            TemplateKind::Text,
        )
        .expect("compiles");
        let names: Vec<String> = template.top_level_names().into_iter().collect();
        assert_eq!(names, ["alrt", "items", "playbook"]);
    }

    #[test]
    fn design_templates_render() {
        let items = json!([
            {"Timestamp": "2024-05-01T11:42:17.0291832Z", "DeviceName": "ws-1", "AccountName": "alice"},
            {"Timestamp": "2024-05-01T11:43:00Z", "DeviceName": "ws-2", "AccountName": "bob"}
        ]);
        let subject = render(
            "{{ items | length }} encoded PowerShell runs",
            TemplateKind::Header,
            json!({"items": items}),
        )
        .expect("renders");
        assert_eq!(subject, "2 encoded PowerShell runs");
        let body = render(
            "{% for r in items %}{{ r.Timestamp }} {{ r.DeviceName }} {{ r.AccountName }}\n{% endfor %}",
            TemplateKind::Text,
            json!({"items": items}),
        )
        .expect("renders");
        assert_eq!(
            body,
            "2024-05-01T11:42:17.0291832Z ws-1 alice\n2024-05-01T11:43:00Z ws-2 bob\n"
        );
        let key = render(
            "{{ incident.id }}:{{ incident.severity }}",
            TemplateKind::Text,
            json!({"incident": {"id": "7", "severity": "high"}}),
        );
        assert_eq!(key.ok().as_deref(), Some("7:high"));
        let comment = render(
            "Closed by graphsoar playbook {{ playbook.name }}: EICAR test file.",
            TemplateKind::Text,
            json!({"playbook": {"name": "close-eicar-test-alerts"}}),
        );
        assert_eq!(
            comment.ok().as_deref(),
            Some("Closed by graphsoar playbook close-eicar-test-alerts: EICAR test file.")
        );
    }

    #[test]
    fn filters() {
        let ctx = json!({"s": "héllo world", "u": "HTTPS://evil.example.com/x", "t": "2024-05-01T10:00:00.1234567Z", "v": {"a": [1, "<b>"]}});
        let r = |src: &str| render(src, TemplateKind::Text, ctx.clone());
        assert_eq!(r("{{ s | truncate_chars(5) }}").ok().as_deref(), Some("héll…"));
        assert_eq!(r("{{ s | truncate_chars(50) }}").ok().as_deref(), Some("héllo world"));
        assert_eq!(
            r("{{ u | defang }}").ok().as_deref(),
            Some("hxxps://evil[.]example[.]com/x")
        );
        assert_eq!(r("{{ v | json }}").ok().as_deref(), Some("{\"a\":[1,\"<b>\"]}"));
        assert_eq!(r("{{ t | datetime }}").ok().as_deref(), Some("2024-05-01 10:00:00 UTC"));
        assert_eq!(
            r("{{ t | datetime('%d/%m %H:%M') }}").ok().as_deref(),
            Some("01/05 10:00")
        );
        assert!(r("{{ s | datetime }}").is_err());
        assert!(r("{{ t | datetime('%Q') }}").is_err());
        let html = render("{{ v | json }}", TemplateKind::Html, ctx.clone()).expect("renders");
        assert!(!html.contains("<b>"), "{html}");
    }

    #[test]
    fn templates_are_shareable() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Template>();
    }

    /// Not a timing assertion: prints how long 3,000 compiles take (run with `--nocapture`).
    #[test]
    fn compile_many() {
        let start = std::time::Instant::now();
        for i in 0..3000 {
            compile(
                &format!("[{i}] {{{{ alert.title }}}} on {{{{ alert.evidence | length }}}} items"),
                TemplateKind::Header,
            )
            .expect("compiles");
        }
        println!("3000 template compiles: {:?}", start.elapsed());
    }
}
