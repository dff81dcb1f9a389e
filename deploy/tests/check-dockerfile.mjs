// Lints and checks deploy/docker/Dockerfile offline (no Docker engine here):
// dockerfile-utils' validator (the rules of the VS Code Docker extension),
// then what the issue asks of the image: a build and a runtime stage, base
// images with a pinned tag, a non-root numeric USER, STOPSIGNAL SIGTERM, no
// HEALTHCHECK, an exec-form ENTRYPOINT, and every binary built is copied.
// Prints the runtime packages and the binaries, one "key: values" line each,
// for docker-check.sh.
//
//   node check-dockerfile.mjs Dockerfile [--manifests rendered.yaml ...]
import { readFileSync } from "node:fs";
import { DockerfileParser } from "dockerfile-ast";
import { validate } from "dockerfile-utils";
import { parseAllDocuments } from "yaml";

const [file, ...rest] = process.argv.slice(2);
const manifests = rest[0] === "--manifests" ? rest.slice(1) : [];
const text = readFileSync(file, "utf8");
const problems = [];

for (const d of validate(text)) {
  problems.push(`line ${d.range.start.line + 1}: ${d.message}`);
}

const dockerfile = DockerfileParser.parse(text);
const args = Object.fromEntries(dockerfile.getInitialARGs().map((i) => i.getArgumentsContent().split("=")));
const expand = (s) => s.replace(/\$\{?([A-Za-z_]+)\}?/g, (_, n) => args[n] ?? "");
const stages = dockerfile.getFROMs().map((f) => ({
  from: f,
  image: expand(f.getImage() || ""),
  name: f.getBuildStage(),
}));
const names = stages.map((s) => s.name);
if (!names.includes("build") || names.at(-1) !== "runtime")
  problems.push(`stages are ${JSON.stringify(names)}; want a "build" stage and "runtime" last`);
for (const s of stages) {
  const [, tag] = s.image.split(":");
  if (!tag || tag === "latest") problems.push(`FROM ${s.image}: pin a tag (not latest)`);
}

// Instructions of the runtime (last) stage.
const all = dockerfile.getInstructions();
const lastFrom = stages.at(-1).from;
const runtime = all.filter((i) => i.getRange().start.line > lastFrom.getRange().start.line);
const kw = (k) => runtime.filter((i) => i.getKeyword() === k);
const user = kw("USER").at(-1)?.getArgumentsContent();
if (!user || !/^[1-9][0-9]*(:[1-9][0-9]*)?$/.test(user))
  problems.push(`runtime USER is ${user ?? "unset"}; want a numeric non-root uid (Kubernetes runAsNonRoot checks it)`);
if (kw("STOPSIGNAL").at(-1)?.getArgumentsContent() !== "SIGTERM") problems.push("runtime: STOPSIGNAL SIGTERM missing");
if (all.some((i) => i.getKeyword() === "HEALTHCHECK")) problems.push("HEALTHCHECK present (Kubernetes probes do that)");
const entry = kw("ENTRYPOINT").at(-1);
let entrypoint = "";
if (!entry) problems.push("runtime: no ENTRYPOINT");
else {
  try {
    entrypoint = JSON.parse(entry.getArgumentsContent())[0];
  } catch {
    problems.push("ENTRYPOINT is not in exec form (a JSON array): no shell at run time");
  }
}
const argRuntime = runtime.find((i) => i.getKeyword() === "ARG" && i.getArgumentsContent().startsWith("RUNTIME_PACKAGES="));
if (!argRuntime) problems.push('runtime: no ARG RUNTIME_PACKAGES="..."');
const runtimePackages = argRuntime
  ? argRuntime.getArgumentsContent().replace(/^RUNTIME_PACKAGES=/, "").replace(/"/g, "").split(/\s+/).filter(Boolean)
  : [];
if (!kw("RUN").some((r) => r.getArgumentsContent().includes("${RUNTIME_PACKAGES}")))
  problems.push("runtime: RUNTIME_PACKAGES is not what apt-get installs");

// The binaries: the build stage's --target list, each copied to /usr/local/bin.
const buildRun = all
  .filter((i) => i.getKeyword() === "RUN" && i.getArgumentsContent().includes("--target"))
  .map((i) => i.getArgumentsContent())
  .join(" ");
const targets = [...new Set((buildRun.split("--target")[1] || "").match(/hbsync-[a-z-]+/g) || [])];
if (targets.length === 0) problems.push("build stage builds no hbsync-* target");
if (!/for b in ([^;]+);/.test(buildRun) || !targets.every((t) => RegExp(`for b in [^;]*\\b${t}\\b`).test(buildRun)))
  problems.push("build stage does not copy every target to /out");
const lines = text.split("\n");
if (!kw("COPY").some((c) => /^COPY\s+--from=build\s+\/out\/\s+\/usr\/local\/bin\/?\s*$/.test(lines[c.getRange().start.line])))
  problems.push("runtime: COPY --from=build /out/ /usr/local/bin/ missing");
const image = new Set(targets.map((t) => `/usr/local/bin/${t}`));
if (entrypoint && !image.has(entrypoint)) problems.push(`ENTRYPOINT ${entrypoint} is not a binary of the image`);
for (const m of manifests) {
  for (const doc of parseAllDocuments(readFileSync(m, "utf8"))) {
    const o = doc.toJS();
    const spec = o?.spec?.template?.spec;
    for (const c of spec?.containers || []) {
      const cmd = c.command?.[0];
      if (cmd && cmd.includes("hbsync-") && !image.has(cmd)) problems.push(`${m}: ${o.metadata.name} runs ${cmd}, not in the image`);
    }
  }
}

if (problems.length) {
  console.error(`${file}: ${problems.length} problem(s):`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
console.log(`runtime-packages: ${runtimePackages.join(" ")}`);
console.log(`binaries: ${targets.join(" ")}`);
