//! Rows printed as an aligned table, a JSON array or CSV (`hunt`'s results, `backtest`'s
//! planned actions).

use std::fmt::Write as _;

use clap::ValueEnum;
use serde_json::Value;

use crate::progress::Progress;

/// Output formats of rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RowFormat {
    Table,
    Json,
    Csv,
}

fn cell(v: Option<&Value>) -> String {
    match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

/// Renders rows in `columns` order (a nested value as its JSON text in a table or CSV cell).
pub fn render(columns: &[String], rows: &[Value], format: RowFormat, progress: &Progress) -> String {
    let mut out = String::new();
    match format {
        RowFormat::Json => {
            out = serde_json::to_string_pretty(rows).unwrap_or_default();
            out.push('\n');
        }
        RowFormat::Csv => {
            let quote = |s: &str| {
                if s.contains([',', '"', '\n', '\r']) {
                    format!("\"{}\"", s.replace('"', "\"\""))
                } else {
                    s.to_string()
                }
            };
            let _ = writeln!(
                out,
                "{}",
                columns.iter().map(|c| quote(c)).collect::<Vec<_>>().join(",")
            );
            for r in rows {
                progress.step();
                let line: Vec<String> = columns.iter().map(|c| quote(&cell(r.get(c)))).collect();
                let _ = writeln!(out, "{}", line.join(","));
            }
        }
        RowFormat::Table => {
            const MAX: usize = 60;
            let cells: Vec<Vec<String>> = rows
                .iter()
                .map(|r| {
                    progress.step();
                    columns
                        .iter()
                        .map(|c| {
                            let s = cell(r.get(c)).replace(['\n', '\r', '\t'], " ");
                            if s.chars().count() > MAX {
                                format!("{}…", s.chars().take(MAX - 1).collect::<String>())
                            } else {
                                s
                            }
                        })
                        .collect()
                })
                .collect();
            let widths: Vec<usize> = columns
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    cells
                        .iter()
                        .map(|r| r[i].chars().count())
                        .chain([c.chars().count()])
                        .max()
                        .unwrap_or(0)
                })
                .collect();
            let line = |vals: &[String]| {
                vals.iter()
                    .zip(&widths)
                    .map(|(v, w)| format!("{v:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_string()
            };
            let _ = writeln!(out, "{}", line(columns));
            for r in &cells {
                let _ = writeln!(out, "{}", line(r));
            }
            let _ = writeln!(out, "({} row{})", rows.len(), if rows.len() == 1 { "" } else { "s" });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn formats() {
        let cols = vec!["A".to_string(), "B".to_string()];
        let rows = vec![json!({"A": "x,y", "B": 1}), json!({"A": "say \"hi\"", "B": null})];
        assert_eq!(
            render(&cols, &rows, RowFormat::Csv, &Progress::hidden()),
            "A,B\n\"x,y\",1\n\"say \"\"hi\"\"\",\n"
        );
        let t = render(&cols, &rows, RowFormat::Table, &Progress::hidden());
        assert!(t.starts_with("A         B\nx,y       1\n"), "{t}");
        assert!(t.ends_with("(2 rows)\n"));
    }
}
