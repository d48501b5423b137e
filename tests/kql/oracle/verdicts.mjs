#!/usr/bin/env node
// Oracle for graphsoar's KQL checker: runs Microsoft's own Kusto.Language parser
// (npm package @kusto/language-service-next, Kusto.Language compiled to JavaScript) over
// every query of tests/kql/corpus with the advanced-hunting schema, and records its verdict
// per query in tests/kql/verdicts.json.
//
// Usage: node tests/kql/oracle/verdicts.mjs [--check] [--schema PATH] [--extra-schema PATH]
//                                           [--corpus DIR] [--out FILE] [--verbose]
//   --check         exit 0 when the recorded inputs_sha256 of --out matches the current inputs,
//                   1 otherwise (missing or stale); writes nothing, loads no parser.
//   --schema        schema file (default src/kql/advanced-hunting-schema.json)
//   --extra-schema  extra schema merged over it (default tests/kql/extra-schema.json, if present)
//   --corpus        folder of *.kql files, searched recursively (default tests/kql/corpus)
//   --out           verdicts file (default tests/kql/verdicts.json)
//   --verbose       print each query's verdict and the timings to stderr
// Relative paths given on the command line are taken from the current directory; the defaults
// are taken from the repository root, so the script runs from any directory.
// See README.md beside this file.

import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE = "@kusto/language-service-next";
const SCRIPT = fileURLToPath(import.meta.url);
const HERE = path.dirname(SCRIPT);
const ROOT = path.resolve(HERE, "..", "..", "..");
const POSITIONS =
  "line and column are 1-based; column counts UTF-16 code units from the line start " +
  "(a BOM at the start of a file is not counted); line breaks are \\r\\n, \\n or \\r";

// Parameters of `invoke` functions that name a column of the input table instead of taking a
// value (Defender's docs: "x - file ID column to use: SHA1, SHA256, InitiatingProcessSHA1 or
// InitiatingProcessSHA256").
const COLUMN_PARAMETERS = { FileProfile: ["x"] };

// Type names as src/kql/types.rs reads them (case-insensitive), to Kusto's own names.
const KUSTO_TYPES = {
  bool: "bool", boolean: "bool", int: "int", int32: "int", long: "long", int64: "long",
  real: "real", double: "real", decimal: "decimal", string: "string", datetime: "datetime",
  date: "datetime", timespan: "timespan", time: "timespan", guid: "guid", uniqueid: "guid",
  dynamic: "dynamic", object: "dynamic",
};

function fail(message) {
  process.stderr.write(`verdicts.mjs: ${message}\n`);
  process.exit(2);
}

function parseArgs(argv) {
  const opts = {
    check: false,
    verbose: false,
    schema: path.join(ROOT, "src/kql/advanced-hunting-schema.json"),
    extraSchema: path.join(ROOT, "tests/kql/extra-schema.json"),
    extraSchemaGiven: false,
    corpusGiven: false,
    corpus: path.join(ROOT, "tests/kql/corpus"),
    out: path.join(ROOT, "tests/kql/verdicts.json"),
  };
  const valued = { "--schema": "schema", "--extra-schema": "extraSchema", "--corpus": "corpus", "--out": "out" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--check") opts.check = true;
    else if (a === "--verbose" || a === "-v") opts.verbose = true;
    else if (a === "--help" || a === "-h") {
      process.stdout.write(readFileSync(SCRIPT, "utf8").split("\n").slice(1, 18).map((l) => l.replace(/^\/\/ ?/, "")).join("\n") + "\n");
      process.exit(0);
    } else if (valued[a.split("=")[0]]) {
      const [flag, inline] = a.includes("=") ? [a.slice(0, a.indexOf("=")), a.slice(a.indexOf("=") + 1)] : [a, argv[++i]];
      if (inline === undefined) fail(`${flag} needs a value`);
      opts[valued[flag]] = path.resolve(inline);
      if (flag === "--extra-schema") opts.extraSchemaGiven = true;
      if (flag === "--corpus") opts.corpusGiven = true;
    } else fail(`unknown argument ${a} (see --help)`);
  }
  return opts;
}

// ---------------------------------------------------------------- inputs and their hash

function listCorpus(dir) {
  if (!existsSync(dir)) return [];
  const out = [];
  const walk = (abs, rel) => {
    for (const e of readdirSync(abs, { withFileTypes: true })) {
      const a = path.join(abs, e.name);
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(a, r);
      else if (e.isFile() && e.name.endsWith(".kql")) out.push(r);
    }
  };
  walk(dir, "");
  // Plain code-unit order (what Rust's str/byte order gives for these names), not locale order.
  return out.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

function pinnedVersion() {
  const pkg = JSON.parse(readFileSync(path.join(HERE, "package.json"), "utf8"));
  return pkg.dependencies[PACKAGE];
}

function gatherInputs(opts) {
  if (!existsSync(opts.schema)) fail(`schema ${opts.schema} not found (use --schema PATH)`);
  if (opts.extraSchemaGiven && !existsSync(opts.extraSchema)) fail(`extra schema ${opts.extraSchema} not found`);
  // The default corpus folder may not exist yet (no queries); a folder named with --corpus must.
  if (opts.corpusGiven && !existsSync(opts.corpus)) fail(`corpus ${opts.corpus} not found`);
  const inputs = {
    schema: readFileSync(opts.schema),
    extraSchema: existsSync(opts.extraSchema) ? readFileSync(opts.extraSchema) : null,
    script: readFileSync(SCRIPT),
    corpus: listCorpus(opts.corpus).map((rel) => ({ rel, bytes: readFileSync(path.join(opts.corpus, ...rel.split("/"))) })),
  };
  // Each part is framed as "<label>\0<byte length>\0<bytes>", so no two input sets hash alike.
  // The pinned parser version is hashed too: a new parser means new verdicts.
  const h = createHash("sha256");
  const part = (label, bytes) => {
    h.update(`${label}\0${bytes.length}\0`);
    h.update(bytes);
  };
  part("parser", Buffer.from(`${PACKAGE} ${pinnedVersion()}`));
  part("schema", inputs.schema);
  if (inputs.extraSchema) part("extra-schema", inputs.extraSchema);
  part("script", inputs.script);
  for (const f of inputs.corpus) part(`corpus/${f.rel}`, f.bytes);
  inputs.sha256 = h.digest("hex");
  return inputs;
}

// ---------------------------------------------------------------- schema

function parseJson(bytes, file) {
  try {
    return JSON.parse(bytes.toString("utf8").replace(/^\uFEFF/, ""));
  } catch (e) {
    fail(`${file}: ${e.message}`);
  }
}

function mergeSchemas(base, extra) {
  const schema = { tables: { ...(base.tables || {}) }, functions: { ...(base.functions || {}) } };
  if (extra) {
    for (const [name, t] of Object.entries(extra.tables || {})) {
      const old = schema.tables[name];
      schema.tables[name] = old ? { ...old, ...t, columns: { ...old.columns, ...t.columns } } : t;
    }
    for (const [name, f] of Object.entries(extra.functions || {})) schema.functions[name] = f;
  }
  return schema;
}

function checkType(type, where) {
  const t = typeof type === "string" && Object.hasOwn(KUSTO_TYPES, type.toLowerCase()) ? KUSTO_TYPES[type.toLowerCase()] : null;
  if (!t) fail(`${where}: unknown type ${JSON.stringify(type)} (expected one of ${Object.keys(KUSTO_TYPES).join(" ")})`);
  return t;
}

const quoteName = (name) => `['${name.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}']`;

function nullOf(type) {
  return type === "string" ? '""' : `${type}(null)`;
}

// A parameter's default is KQL text (src/kql/schema.rs). A default that is already a literal
// is used as written. A bare name as a string default (FileProfile's SHA1, a column name)
// becomes the string "SHA1": Kusto.Language takes only constants as defaults. A bare number
// is given the parameter's type: 1000 -> int(1000).
function literalOf(type, value, where) {
  const v = String(value).trim();
  if (type === "string" && /^[A-Za-z_][A-Za-z0-9_]*$/.test(v)) return JSON.stringify(v);
  if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v) && ["int", "long", "real", "decimal"].includes(type)) return `${type}(${v})`;
  if (v === "") fail(`${where}: empty default`);
  // A call such as now() or ago(1d) is no constant: the parameter is only made optional.
  const call = /^([A-Za-z_][A-Za-z0-9_]*)\s*\(/.exec(v);
  if (call && !Object.hasOwn(KUSTO_TYPES, call[1].toLowerCase())) return type === "string" ? '""' : `${type}(null)`;
  return v; // a literal already: "SHA1", true, 1h, datetime(2024-01-01), dynamic(null), ...
}

// Builds the Kusto.Language GlobalState: one database with every table and the built-in functions.
function buildGlobals(K, schema) {
  const S = K.Symbols;
  const members = [];
  for (const name of Object.keys(schema.tables).sort()) {
    const cols = Object.entries(schema.tables[name].columns || {}).map(
      ([c, t]) => new S.ColumnSymbol(c, S.ScalarTypes.GetSymbol(checkType(t, `table ${name}, column ${c}`)), null, null, null, null),
    );
    members.push(new S.TableSymbol.$ctor6(name, cols, null));
  }
  const functions = {};
  for (const name of Object.keys(schema.functions).sort()) {
    const f = schema.functions[name];
    const where = `function ${name}`;
    const params = (f.parameters || []).map((p) => {
      const type = checkType(p.type, `${where}, parameter ${p.name}`);
      const dflt = p.default === undefined || p.default === null ? "" : `=${literalOf(type, p.default, `${where}, parameter ${p.name}`)}`;
      return `${p.name}:${type}${dflt}`;
    });
    const cols = Object.entries(f.columns || {}).map(([c, t]) => [c, checkType(t, `${where}, column ${c}`)]);
    let parameterList, body;
    if (f.kind === "invoke") {
      // A tabular function whose first parameter is the input table: it keeps the input's
      // columns and adds (or retypes) its own.
      parameterList = `(T:(*)${params.map((p) => `, ${p}`).join("")})`;
      body = cols.length ? `{ T | extend ${cols.map(([c, t]) => `${quoteName(c)}=${nullOf(t)}`).join(", ")} }` : "{ T }";
    } else if (f.kind === "source") {
      parameterList = `(${params.join(", ")})`;
      body = `{ datatable(${cols.map(([c, t]) => `${quoteName(c)}:${t}`).join(", ")})[] }`;
    } else fail(`${where}: kind must be "invoke" or "source", not ${JSON.stringify(f.kind)}`);
    const symbol = new S.FunctionSymbol.$ctor16(name, parameterList, body, null);
    members.push(symbol);
    const columnParams = new Set(COLUMN_PARAMETERS[name] || []);
    functions[name] = {
      symbol,
      kind: f.kind,
      declaration: `${name}${parameterList} ${body}`,
      parameters: (f.parameters || []).map((p) => p.name),
      columnParams,
    };
  }
  const db = new S.DatabaseSymbol.$ctor1("AdvancedHunting", members, false);
  return { globals: K.GlobalState.Default.WithDatabase(db), functions };
}

// ---------------------------------------------------------------- analysis

function list(l) {
  const out = [];
  if (l) for (let i = 0; i < l.Count; i++) out.push(l.getItem(i));
  return out;
}

// Defender's `invoke FileProfile(SHA1, 1000)` names the input's column SHA1; Kusto.Language
// binds invoke arguments outside the row scope, so it reports KS142 (unknown name) for it.
// Such a KS142 is dropped when the name is a column of the invoke's input table and the
// argument sits at a column parameter of the called built-in function.
function isColumnArgument(K, code, d, functions) {
  const Syn = K.Syntax;
  let node = code.Syntax.GetNodeAt(d.Start, d.Length);
  while (node && !Bridge.is(node, Syn.NameReference)) node = node.Parent;
  if (!node) return false;
  // A positional argument `SHA1`, or a named one `x=SHA1`.
  let arg = node, named = null;
  if (node.Parent && Bridge.is(node.Parent, Syn.SimpleNamedExpression) && node.Parent.Expression === node) {
    arg = node.Parent;
    named = arg.Name.SimpleName;
  }
  const elem = arg.Parent;
  if (!elem || !Bridge.is(elem, Syn.SeparatedElement)) return false;
  const exprList = elem.Parent && elem.Parent.Parent;
  const call = exprList && exprList.Parent;
  if (!call || !Bridge.is(call, Syn.FunctionCallExpression) || !Bridge.is(exprList, Syn.ExpressionList)) return false;
  const invoke = call.Parent;
  if (!invoke || !Bridge.is(invoke, Syn.InvokeOperator)) return false;
  const f = functions[call.Name.SimpleName];
  if (!f || f.kind !== "invoke" || call.ReferencedSymbol !== f.symbol) return false;
  const args = list(exprList.Expressions).map((e) => e.Element);
  const index = args.indexOf(arg);
  const parameter = named !== null ? named : index >= 0 ? f.parameters[index] : undefined;
  if (parameter === undefined || !f.columnParams.has(parameter)) return false;
  const pipe = invoke.Parent;
  if (!pipe || !Bridge.is(pipe, Syn.PipeExpression)) return false;
  const input = pipe.Expression && pipe.Expression.ResultType;
  if (!input || !Bridge.is(input, K.Symbols.TableSymbol)) return false;
  return list(input.Columns).some((c) => c.Name === node.SimpleName);
}

function lineStarts(text) {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (ch === 13 && text.charCodeAt(i + 1) === 10) i++;
    if (ch === 13 || ch === 10) starts.push(i + 1);
  }
  return starts;
}

function position(starts, offset) {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo] + 1 };
}

function analyze(K, globals, functions, text) {
  const code = K.KustoCode.ParseAndAnalyze(text, globals);
  const starts = lineStarts(text);
  const errors = [], warnings = [];
  const diags = list(code.GetDiagnostics())
    .map((d, i) => ({ d, i }))
    .sort((a, b) => a.d.Start - b.d.Start || a.i - b.i);
  for (const { d } of diags) {
    if (d.Code === "KS142" && isColumnArgument(K, code, d, functions)) continue;
    const at = position(starts, d.HasLocation ? d.Start : 0);
    const entry = { code: d.Code, message: d.Message, line: at.line, column: at.column };
    if (d.Severity === "Error") errors.push(entry);
    else if (d.Severity === "Warning") warnings.push(entry);
  }
  return { ok: errors.length === 0, errors, warnings };
}

function loadKusto() {
  const dir = path.join(HERE, "node_modules", ...PACKAGE.split("/"));
  const pkgFile = path.join(dir, "package.json");
  if (!existsSync(pkgFile)) fail(`${PACKAGE} is not installed: run 'npm ci' in ${path.relative(process.cwd(), HERE) || "."}`);
  const version = JSON.parse(readFileSync(pkgFile, "utf8")).version;
  if (version !== pinnedVersion())
    fail(`installed ${PACKAGE} is ${version}, package.json pins ${pinnedVersion()}: run 'npm ci' in ${path.relative(process.cwd(), HERE) || "."}`);
  const require = createRequire(import.meta.url);
  require(path.join(dir, "bridge.min.js")); // the Bridge.NET runtime: defines the globals Bridge and System
  require(path.join(dir, "Kusto.Language.Bridge.min.js")); // defines the global Kusto
  return { K: globalThis.Kusto.Language, version };
}

// ---------------------------------------------------------------- output

function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === "object") {
    const o = {};
    for (const k of Object.keys(v).sort()) o[k] = sortKeys(v[k]);
    return o;
  }
  return v;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const inputs = gatherInputs(opts);

  if (opts.check) {
    let recorded = null;
    try {
      recorded = JSON.parse(readFileSync(opts.out, "utf8")).inputs_sha256;
    } catch {
      recorded = null;
    }
    const fresh = recorded === inputs.sha256;
    process.stderr.write(`verdicts.mjs: ${path.relative(process.cwd(), opts.out)} is ${fresh ? "up to date" : recorded ? "stale" : "missing"}\n`);
    process.exit(fresh ? 0 : 1);
  }

  const t0 = performance.now();
  const { K, version } = loadKusto();
  const t1 = performance.now();
  const schema = mergeSchemas(
    parseJson(inputs.schema, opts.schema),
    inputs.extraSchema ? parseJson(inputs.extraSchema, opts.extraSchema) : null,
  );
  const { globals, functions } = buildGlobals(K, schema);
  // Each declared function must itself analyze cleanly, or every verdict would be suspect.
  for (const [name, f] of Object.entries(functions)) {
    const body = K.KustoCode.ParseAndAnalyze(`let __f = ${f.declaration.slice(name.length)};\nprint 1`, globals);
    const bad = list(body.GetDiagnostics()).filter((d) => d.Severity === "Error");
    if (bad.length) fail(`declaration of ${name} has errors: ${bad.map((d) => `${d.Code} ${d.Message}`).join("; ")}\n  ${f.declaration}`);
  }
  const t2 = performance.now();

  const verdicts = {};
  for (const f of inputs.corpus) {
    const text = f.bytes.toString("utf8").replace(/^\uFEFF/, "");
    verdicts[f.rel] = analyze(K, globals, functions, text);
    if (opts.verbose) {
      const v = verdicts[f.rel];
      process.stderr.write(`${v.ok ? "ok   " : "ERROR"} ${f.rel}${v.errors.map((e) => `\n      ${e.line}:${e.column} ${e.code} ${e.message}`).join("")}${v.warnings.map((e) => `\n      warning ${e.line}:${e.column} ${e.code} ${e.message}`).join("")}\n`);
    }
  }
  const t3 = performance.now();

  const doc = sortKeys({
    parser: `${PACKAGE} ${version}`,
    inputs_sha256: inputs.sha256,
    positions: POSITIONS,
    verdicts,
  });
  writeFileSync(opts.out, JSON.stringify(doc, null, 2) + "\n");
  const bad = Object.values(verdicts).filter((v) => !v.ok).length;
  process.stderr.write(
    `verdicts.mjs: ${inputs.corpus.length} queries, ${bad} with errors -> ${path.relative(process.cwd(), opts.out)}` +
      (opts.verbose ? ` (load ${(t1 - t0).toFixed(0)} ms, schema ${(t2 - t1).toFixed(0)} ms, analysis ${(t3 - t2).toFixed(0)} ms)` : "") +
      "\n",
  );
}

main();
