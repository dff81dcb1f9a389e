// Checks the Grafana dashboard against what the services really export:
//  - every panel (rows aside) has at least one query, every query is valid
//    PromQL (promtool check rules on the queries, Grafana's variables
//    replaced), and the dashboard is provisioning-ready (uid, no numeric id,
//    a datasource variable instead of a fixed data source);
//  - every metric a query names is in a scraped /metrics file, or listed in
//    external-metrics.txt (never an hbsync_* name);
//  - every metric the alert rules name is scraped, external, or registered
//    in the sources (libs/, services/): families a service registers only on
//    first use (unreadable messages) cannot all be made to appear in a test.
//
//   node check-dashboard.mjs DASHBOARD.json ALERTS.yaml EXTERNAL.txt METRICS.txt...
import { readFileSync, readdirSync, writeFileSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { spawnSync } from "node:child_process";
import os from "node:os";
import path from "node:path";
import { parse } from "yaml";

const [dashboardFile, alertsFile, externalFile, ...scrapes] = process.argv.slice(2);
const problems = [];

// Sample names in the Prometheus text format (histograms: _bucket, _sum, _count).
const exported = new Map(); // name -> services
for (const f of scrapes) {
  const service = path.basename(f, ".txt");
  for (const line of readFileSync(f, "utf8").split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]/.exec(line);
    if (!m) continue;
    if (!exported.has(m[1])) exported.set(m[1], new Set());
    exported.get(m[1]).add(service);
  }
}
const external = new Set(
  readFileSync(externalFile, "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => l.trim().split(/\s+/)[0]),
);
for (const name of external) if (name.startsWith("hbsync_")) problems.push(`${externalFile}: ${name} is ours: it must be scraped`);

// Metric names in a PromQL expression.
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);
function metricNames(expr) {
  let e = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // strings
    .replace(/\$\{?[A-Za-z_]+\}?/g, "") // Grafana variables
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // ranges
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ""); // label lists
  const names = new Set();
  for (const m of e.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)) {
    if (m[2]) continue; // a function or an aggregation
    if (KEYWORDS.has(m[1].toLowerCase())) continue;
    if (/^\d/.test(m[1])) continue;
    names.add(m[1]);
  }
  return names;
}
const grafanaToPromql = (expr) =>
  expr.replace(/\$__rate_interval|\$__interval|\$__range/g, "5m").replace(/\$\{?[A-Za-z_]+\}?/g, ".*");

const dashboard = JSON.parse(readFileSync(dashboardFile, "utf8"));
if (!dashboard.uid) problems.push("dashboard: no uid (provisioning needs a stable one)");
if (typeof dashboard.id === "number") problems.push("dashboard: a numeric id (drop it for provisioning)");
if (!(dashboard.templating?.list || []).some((v) => v.type === "datasource" && v.name === "datasource"))
  problems.push("dashboard: no datasource variable");
const panels = [];
const walk = (list) => {
  for (const p of list || []) {
    if (p.type === "row") walk(p.panels);
    else panels.push(p);
  }
};
walk(dashboard.panels);
const queries = []; // [where, expr]
for (const p of panels) {
  const targets = (p.targets || []).filter((t) => t.expr);
  if (targets.length === 0) problems.push(`panel "${p.title}": no query`);
  if (p.datasource?.uid !== "${datasource}") problems.push(`panel "${p.title}": data source is not \${datasource}`);
  for (const t of targets) queries.push([`panel "${p.title}"`, t.expr]);
}
for (const v of dashboard.templating?.list || []) {
  const q = typeof v.query === "string" ? v.query : v.query?.query;
  const m = /label_values\(([^,)]+)/.exec(q || "");
  if (v.type === "query" && m) queries.push([`variable ${v.name}`, m[1]]);
}

const used = new Map(); // metric -> where
for (const [where, expr] of queries) {
  for (const name of metricNames(expr)) {
    if (!used.has(name)) used.set(name, []);
    used.get(name).push(where);
  }
}
for (const [name, where] of used) {
  if (!exported.has(name) && !external.has(name))
    problems.push(`${where[0]}${where.length > 1 ? ` (and ${where.length - 1} more)` : ""}: ${name} is exported by no service`);
}

// PromQL syntax: the queries as recording rules for promtool.
const dir = mkdtempSync(path.join(os.tmpdir(), "hbsync-dashboard-"));
const rules = queries.map(([, e], i) => `      - record: dashboard:query_${i}\n        expr: ${JSON.stringify(grafanaToPromql(e))}`);
writeFileSync(path.join(dir, "rules.yaml"), `groups:\n  - name: dashboard\n    rules:\n${rules.join("\n")}\n`);
const promtool = spawnSync("promtool", ["check", "rules", path.join(dir, "rules.yaml")], { encoding: "utf8" });
rmSync(dir, { recursive: true, force: true });
if (promtool.status !== 0) problems.push(`queries are not valid PromQL:\n${promtool.stdout}${promtool.stderr}`);

// Alert rules: scraped, external, or registered in the sources.
const sources = new Set();
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");
const scan = (d) => {
  for (const e of readdirSync(d)) {
    const p = path.join(d, e);
    if (statSync(p).isDirectory()) scan(p);
    else if (/\.(cpp|hpp)$/.test(e)) for (const m of readFileSync(p, "utf8").matchAll(/"(hbsync_[a-z0-9_]+)"/g)) sources.add(m[1]);
  }
};
scan(path.join(root, "libs"));
scan(path.join(root, "services"));
const registered = (name) =>
  sources.has(name) || sources.has(name.replace(/_(bucket|sum|count)$/, "")) || exported.has(name) || external.has(name);
for (const g of parse(readFileSync(alertsFile, "utf8")).groups || []) {
  for (const r of g.rules || []) {
    for (const name of metricNames(String(r.expr))) {
      if (!registered(name)) problems.push(`alert ${r.alert}: ${name} is neither exported nor registered in libs/ or services/`);
    }
  }
}

if (problems.length) {
  console.error(`${problems.length} problem(s):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
const ours = [...used.keys()].filter((n) => exported.has(n));
console.log(
  `dashboard OK: ${panels.length} panels, ${queries.length} queries, ${used.size} metrics ` +
    `(${ours.length} scraped from ${scrapes.length} services, ${used.size - ours.length} external); alert rules' metrics all known`,
);
