// Validates rendered Kubernetes objects (a multi-document YAML file):
//  1. every object against the official OpenAPI schemas (kubernetes-models;
//     Prometheus Operator kinds with @kubernetes-models/prometheus-operator);
//  2. the policy a platform team runs: every container has resources,
//     probes (long-running workloads), runs as non-root with a read-only
//     root filesystem and no privilege escalation, and a pinned image (a tag
//     that is not "latest", or a digest);
//  3. every variable that `hbsync-<svc> --help` lists as required is set in
//     that service's container (a value, a key of a rendered ConfigMap or
//     Secret, or a key of a Secret the chart expects to exist), and every
//     public address whose default is loopback (*PUBLIC* variables) is set
//     to a reachable one;
//  4. consistency: selectors of Services, PDBs, NetworkPolicies and HPA
//     targets find their Deployments; $(VAR) references are defined before use.
//
//   node check-manifests.mjs RENDERED.yaml --bin BIN_DIR [--expect-kinds K1,K2] [--objects-only]
import { readFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { parseAllDocuments } from "yaml";

const args = process.argv.slice(2);
const file = args[0];
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const binDir = opt("--bin");
const expectKinds = (opt("--expect-kinds") || "").split(",").filter(Boolean);
const objectsOnly = args.includes("--objects-only"); // no workloads expected (monitoring objects)
if (!file || !binDir) {
  console.error("usage: node check-manifests.mjs RENDERED.yaml --bin BIN_DIR [--expect-kinds K,..]");
  process.exit(2);
}

const problems = [];
const fail = (obj, msg) => problems.push(`${obj ? `${obj.kind}/${obj.metadata?.name}: ` : ""}${msg}`);

const objects = [];
for (const doc of parseAllDocuments(readFileSync(file, "utf8"))) {
  if (doc.errors.length) {
    fail(null, `YAML error: ${doc.errors.map((e) => e.message).join("; ")}`);
    continue;
  }
  const o = doc.toJS();
  if (o == null) continue;
  objects.push(o);
}
if (objects.length === 0) fail(null, "no objects rendered");

const byKindName = (kind, name) => objects.find((o) => o.kind === kind && o.metadata.name === name);
const secretValue = (s, key) =>
  s.stringData?.[key] ?? (s.data?.[key] !== undefined ? Buffer.from(s.data[key], "base64").toString() : undefined);

// 1. OpenAPI schemas.
async function modelFor(apiVersion, kind) {
  const group = apiVersion.includes("/") ? apiVersion : `v1`;
  const candidates = apiVersion.startsWith("monitoring.coreos.com/")
    ? [`@kubernetes-models/prometheus-operator/${group}/${kind}`]
    : [`kubernetes-models/${group}/${kind}`];
  for (const c of candidates) {
    try {
      const mod = await import(c);
      if (mod[kind]) return mod[kind];
    } catch {
      /* try the next */
    }
  }
  return null;
}
for (const o of objects) {
  if (!o.apiVersion || !o.kind || !o.metadata?.name) {
    fail(o, "apiVersion, kind and metadata.name are required");
    continue;
  }
  const Model = await modelFor(o.apiVersion, o.kind);
  if (!Model) {
    fail(o, `no schema known for ${o.apiVersion} ${o.kind}`);
    continue;
  }
  try {
    new Model(o).validate();
  } catch (e) {
    fail(o, `schema: ${e.message}`);
  }
}

// 2. Policy.
const podSpecOf = (o) => {
  switch (o.kind) {
    case "Deployment":
    case "StatefulSet":
    case "DaemonSet":
    case "ReplicaSet":
    case "Job":
      return o.spec?.template?.spec;
    case "CronJob":
      return o.spec?.jobTemplate?.spec?.template?.spec;
    case "Pod":
      return o.spec;
    default:
      return undefined;
  }
};
const longRunning = (o) => !["Job", "CronJob"].includes(o.kind);
const workloads = objects.filter((o) => podSpecOf(o));
for (const o of workloads) {
  const spec = podSpecOf(o);
  const podSc = spec.securityContext || {};
  const containers = [...(spec.initContainers || []), ...(spec.containers || [])];
  for (const c of containers) {
    const where = `container ${c.name}`;
    const r = c.resources || {};
    for (const k of ["cpu", "memory"]) if (!r.requests?.[k]) fail(o, `${where}: no resources.requests.${k}`);
    if (!r.limits?.memory) fail(o, `${where}: no resources.limits.memory`);
    const isInit = (spec.initContainers || []).includes(c);
    if (longRunning(o) && !isInit) {
      if (!c.livenessProbe) fail(o, `${where}: no livenessProbe`);
      if (!c.readinessProbe) fail(o, `${where}: no readinessProbe`);
    }
    const sc = c.securityContext || {};
    if (!(sc.runAsNonRoot ?? podSc.runAsNonRoot)) fail(o, `${where}: runAsNonRoot is not true`);
    const uid = sc.runAsUser ?? podSc.runAsUser;
    if (uid === 0) fail(o, `${where}: runAsUser is 0`);
    if (sc.readOnlyRootFilesystem !== true) fail(o, `${where}: readOnlyRootFilesystem is not true`);
    if (sc.allowPrivilegeEscalation !== false) fail(o, `${where}: allowPrivilegeEscalation is not false`);
    if (sc.privileged) fail(o, `${where}: privileged`);
    const image = String(c.image || "");
    const noDigest = image.split("@")[0];
    const lastPart = noDigest.split("/").pop();
    const tag = lastPart.includes(":") ? lastPart.split(":").pop() : "";
    if (!image.includes("@sha256:") && (tag === "" || tag === "latest"))
      fail(o, `${where}: image "${image}" has no pinned tag (or the latest tag)`);
  }
  if (longRunning(o) && o.kind === "Deployment") {
    const grace = spec.terminationGracePeriodSeconds ?? 30;
    for (const c of spec.containers || []) {
      const t = (c.env || []).find((e) => e.name === "HBSYNC_SHUTDOWN_TIMEOUT")?.value ??
        configValue(c, "HBSYNC_SHUTDOWN_TIMEOUT");
      const secs = durationSeconds(t ?? "20s");
      if (secs !== null && grace <= secs)
        fail(o, `terminationGracePeriodSeconds ${grace} is not longer than the drain (${t ?? "20s"})`);
    }
  }
}

function durationSeconds(text) {
  const m = /^(\d+)(ms|s|m|h|d)?$/.exec(String(text).trim());
  if (!m) return null;
  const n = Number(m[1]);
  return { ms: n / 1000, s: n, m: n * 60, h: n * 3600, d: n * 86400, undefined: n / 1000 }[m[2]];
}

// 3. Required variables of each hbsync binary.
function configValue(c, key) {
  for (const from of c.envFrom || []) {
    if (from.configMapRef) {
      const cm = byKindName("ConfigMap", from.configMapRef.name);
      if (cm?.data?.[key] !== undefined) return cm.data[key];
    }
  }
  return undefined;
}
// Where a container gets `name` from: a string describing the source, or null.
function sourceOf(c, name) {
  const e = (c.env || []).find((x) => x.name === name);
  if (e) {
    if (e.value !== undefined) return e.value !== "" ? "value" : null;
    const ref = e.valueFrom?.secretKeyRef || e.valueFrom?.configMapKeyRef;
    if (!ref) return e.valueFrom ? "valueFrom" : null;
    if (ref.optional) return null;
    const kind = e.valueFrom.secretKeyRef ? "Secret" : "ConfigMap";
    const obj = byKindName(kind, ref.name);
    if (!obj) return `key ${ref.key} of the ${kind} ${ref.name} (not rendered: must exist)`;
    const v = kind === "Secret" ? secretValue(obj, ref.key) : obj.data?.[ref.key];
    return v ? `${kind} ${ref.name}` : null;
  }
  for (const from of c.envFrom || []) {
    const ref = from.configMapRef || from.secretRef;
    if (!ref) continue;
    const kind = from.configMapRef ? "ConfigMap" : "Secret";
    const obj = byKindName(kind, ref.name);
    if (!obj) continue;
    const v = kind === "Secret" ? secretValue(obj, name) : obj.data?.[name];
    if (v) return `${kind} ${ref.name}`;
  }
  return null;
}
// A public address (a variable named *PUBLIC*) whose default is a loopback
// URL is right only on a laptop: in a cluster it must be set, to a
// non-loopback address, or HubSpot's signatures and the console's sign-in
// point at the pod itself.
const publicCache = new Map();
function publicAddressVariables(bin) {
  if (!publicCache.has(bin)) {
    const run = spawnSync(path.join(binDir, bin), ["--help"], { encoding: "utf8", env: { PATH: process.env.PATH } });
    const vars = [];
    for (const line of (run.stdout || "").split("\n")) {
      const m = /^\s*(HBSYNC_[A-Z0-9_]*PUBLIC[A-Z0-9_]*)\b.*\[default: https?:\/\/(127\.0\.0\.1|localhost|\[::1\])/.exec(line);
      if (m) vars.push(m[1]);
    }
    publicCache.set(bin, vars);
  }
  return publicCache.get(bin);
}
const loopbackUrl = (v) => /^https?:\/\/(127\.0\.0\.1|localhost|\[::1\])([:/]|$)/.test(String(v));
const helpCache = new Map();
function requiredVariables(bin) {
  if (!helpCache.has(bin)) {
    // --help prints every variable with its default; "(required)" marks the
    // ones without one (libs/config), as does "(required" in the help text.
    const run = spawnSync(path.join(binDir, bin), ["--help"], { encoding: "utf8", env: { PATH: process.env.PATH } });
    const out = run.stdout || "";
    if (run.error || run.status !== 0 || !out.includes("HBSYNC_")) {
      fail(null, `${bin} --help did not run or listed no variables (${run.error?.message ?? `exit ${run.status}`})`);
    }
    const vars = new Set();
    for (const line of out.split("\n")) {
      const m = /^\s*(HBSYNC_[A-Z0-9_]+)\b(.*)$/.exec(line);
      if (m && /\(required\b/i.test(m[2])) vars.add(m[1]);
    }
    helpCache.set(bin, [...vars]);
  }
  return helpCache.get(bin);
}
let hbsyncContainers = 0;
let publicAddresses = 0;
for (const o of workloads) {
  for (const c of podSpecOf(o).containers || []) {
    const bin = path.basename(String(c.command?.[0] || ""));
    if (!bin.startsWith("hbsync-")) continue;
    hbsyncContainers++;
    for (const v of requiredVariables(bin)) {
      if (!sourceOf(c, v)) fail(o, `container ${c.name}: ${v} is required by ${bin} --help but not set`);
    }
    for (const v of publicAddressVariables(bin)) {
      const e = (c.env || []).find((x) => x.name === v);
      if (!sourceOf(c, v)) fail(o, `container ${c.name}: ${v} (a public address; ${bin}'s default is loopback) is not set`);
      else if (e && e.value !== undefined && loopbackUrl(e.value))
        fail(o, `container ${c.name}: ${v} is a loopback address (${e.value}): browsers and HubSpot cannot reach it`);
      else publicAddresses++;
    }
    // $(VAR) expansion only sees variables defined earlier in env (or envFrom).
    const seen = new Set();
    for (const from of c.envFrom || []) {
      const cm = from.configMapRef && byKindName("ConfigMap", from.configMapRef.name);
      for (const k of Object.keys(cm?.data || {})) seen.add(k);
    }
    for (const e of c.env || []) {
      for (const m of String(e.value ?? "").matchAll(/\$\(([A-Za-z0-9_]+)\)/g))
        if (!seen.has(m[1])) fail(o, `container ${c.name}: ${e.name} uses $(${m[1]}) before it is defined`);
      seen.add(e.name);
    }
  }
}

// 4. Consistency.
const matches = (selector, labels) => Object.entries(selector || {}).every(([k, v]) => labels?.[k] === v);
const podLabels = workloads.filter((o) => longRunning(o)).map((o) => o.spec.template.metadata?.labels || {});
for (const o of objects) {
  let sel;
  if (o.kind === "Service") sel = o.spec?.selector;
  if (o.kind === "PodDisruptionBudget" || o.kind === "NetworkPolicy")
    sel = (o.spec?.selector || o.spec?.podSelector)?.matchLabels;
  if (sel && !podLabels.some((l) => matches(sel, l))) fail(o, "selector matches no workload's pods");
  if (o.kind === "HorizontalPodAutoscaler") {
    const t = o.spec.scaleTargetRef;
    const target = byKindName(t.kind, t.name);
    if (!target) fail(o, `scale target ${t.kind}/${t.name} not rendered`);
    else if (target.spec.replicas !== undefined) fail(o, `${t.name} sets replicas although autoscaled`);
  }
  if (o.kind === "Ingress") {
    for (const rule of o.spec.rules || [])
      for (const p of rule.http?.paths || []) {
        const svc = byKindName("Service", p.backend?.service?.name);
        if (!svc) fail(o, `backend service ${p.backend?.service?.name} not rendered`);
        else if (!(svc.spec.ports || []).some((x) => x.name === p.backend.service.port?.name || x.port === p.backend.service.port?.number))
          fail(o, `backend port not on service ${svc.metadata.name}`);
      }
  }
}
for (const k of expectKinds) if (!objects.some((o) => o.kind === k)) fail(null, `no ${k} rendered`);
if (hbsyncContainers === 0 && !objectsOnly) fail(null, "no hbsync-* container found");

const kinds = {};
for (const o of objects) kinds[o.kind] = (kinds[o.kind] || 0) + 1;
if (problems.length) {
  console.error(`${file}: ${problems.length} problem(s):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(
  `${file}: ${objects.length} objects valid (${Object.entries(kinds).map(([k, n]) => `${n} ${k}`).join(", ")}); ` +
    `${hbsyncContainers} hbsync containers have every required variable, ${publicAddresses} public addresses set`,
);
