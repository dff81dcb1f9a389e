#!/usr/bin/env python3
"""Ingress benchmark driver (SPEC section 3, issue 13); run through
tests/bench/ingress_bench.sh, which installs and builds what it needs.

Signed HubSpot batches (100 and 10 `deal.propertyChange` events) sent by
wrk -t2 -c32 to, in the same run on the same machine:
  nginx      nginx-light answering `return 204` (the ceiling of HTTP alone),
  node       tests/bench/node-receiver (@hubspot/api-client signature check,
             kafkajs idempotent producer, acks=all, one message per event),
  ingress    hbsync-ingress on its full path (signature, JSON, tenant check,
             every event acknowledged by the dev broker with acks=all).
Runs are interleaved (nginx, node, ingress, nginx, ...) so the machine's
noise hits every target alike; the table shows medians over the runs.
CPU is the target's own processes (utime+stime over the run, 100 % = one
core); peak RSS is VmHWM, reset before each run (/proc/PID/clear_refs).
"""
import argparse
import base64
import datetime
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from perfdoc import write_section  # tests/bench/perfdoc.py

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SECRET = "bench-secret"
PORTAL = 62515
TICKS = os.sysconf("SC_CLK_TCK")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_for(check, seconds, what):
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.1)
    raise SystemExit(f"bench: {what} did not come up within {seconds} s")


def http_ok(url):
    with urllib.request.urlopen(url, timeout=1) as r:
        return 200 <= r.status < 300


class Stack:
    def __init__(self, work, bin_dir, ingress_env, baseline_bin=None, portals=1):
        self.work, self.bin, self.procs = work, bin_dir, []
        self.portals = portals
        self.baseline_bin = baseline_bin
        self.ingress_env = ingress_env

    def spawn(self, name, argv, env=None, cwd=None):
        log = open(os.path.join(self.work, name + ".log"), "w")
        p = subprocess.Popen(argv, env={**os.environ, **(env or {})}, stdout=log,
                             stderr=subprocess.STDOUT, cwd=cwd, start_new_session=True)
        self.procs.append(p)
        return p

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in reversed(self.procs):
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()

    def start(self, targets):
        self.redis_port, self.ports = free_port(), {}
        self.nginx_port, self.node_port = free_port(), free_port()
        self.spawn("redis", ["redis-server", "--port", str(self.redis_port), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no"])
        bootstrap = os.path.join(self.work, "bootstrap")
        self.spawn("kafka", [os.path.join(self.bin, "hbsync-kafka-dev")],
                   {"HBSYNC_KAFKA_DEV_BOOTSTRAP_FILE": bootstrap})
        wait_for(lambda: os.path.getsize(bootstrap) > 0, 20, "hbsync-kafka-dev")
        self.brokers = open(bootstrap).read().strip()
        # The tenant set and the instance marker, as `hbsync-ctl tenant apply` leaves them.
        cli = ["redis-cli", "-p", str(self.redis_port)]
        tenants = [str(PORTAL + i) for i in range(self.portals)]
        wait_for(lambda: subprocess.run(cli + ["sadd", "hbsync:tenants", *tenants],
                                        capture_output=True).returncode == 0, 10, "redis")
        subprocess.run(cli + ["set", "hbsync:instance", "bench"], capture_output=True, check=True)
        self.pids = {}
        for target, bin_dir in (("ingress", self.bin), ("baseline", self.baseline_bin)):
            if target in targets:
                self.start_ingress(target, bin_dir)
        if "nginx" in targets:
            conf = os.path.join(self.work, "nginx.conf")
            with open(conf, "w") as f:
                f.write(f"""worker_processes auto;
pid {self.work}/nginx.pid;
error_log {self.work}/nginx-error.log;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_buffer_size 64k;
  server {{
    listen 127.0.0.1:{self.nginx_port};
    location / {{ return 204; }}
  }}
}}
""")
            p = self.spawn("nginx", ["nginx", "-c", conf, "-g", "daemon off;"])
            wait_for(lambda: http_ok(f"http://127.0.0.1:{self.nginx_port}/"), 10, "nginx")
            kids = subprocess.run(["pgrep", "-P", str(p.pid)], capture_output=True,
                                  text=True).stdout.split()
            self.pids["nginx"] = [p.pid] + [int(k) for k in kids]
        if "node" in targets:
            env = {"PORT": str(self.node_port), "BROKERS": self.brokers, "SECRET": SECRET,
                   "BASE_URL": f"http://127.0.0.1:{self.node_port}", "TOPIC": "hubspot.events"}
            p = self.spawn("node", ["node", "receiver.js"], env,
                           cwd=os.path.join(ROOT, "tests", "bench", "node-receiver"))
            self.pids["node"] = [p.pid]
            wait_for(lambda: "listening" in open(os.path.join(self.work, "node.log")).read(),
                     30, "the Node.js receiver")

    def start_ingress(self, target, bin_dir):
        port = free_port()
        self.ports[target] = port
        env = {"HBSYNC_HTTP_ADDRESS": "127.0.0.1", "HBSYNC_HTTP_PORT": str(port),
               "HBSYNC_REDIS_URL": f"redis://127.0.0.1:{self.redis_port}/0",
               "HBSYNC_KAFKA_BROKERS": self.brokers,
               "HBSYNC_HUBSPOT_CLIENT_SECRET": SECRET,
               "HBSYNC_INGRESS_PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
               "HBSYNC_LOG_LEVEL": "warn", **self.ingress_env}
        argv = [os.path.join(bin_dir, "hbsync-ingress")]
        wrapper = os.environ.get("HBSYNC_BENCH_INGRESS_WRAPPER", "") if target == "ingress" else ""
        p = self.spawn(target, wrapper.split() + argv if wrapper else argv, env)
        self.pids[target] = [p.pid]
        wait_for(lambda: http_ok(f"http://127.0.0.1:{port}/readyz"),
                 120 if wrapper else 30, f"hbsync-ingress ({target})")

    def url(self, target):
        port = {"nginx": self.nginx_port, "node": self.node_port, **self.ports}[target]
        return f"http://127.0.0.1:{port}/webhooks/hubspot"

    def published(self, target="ingress"):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ports[target]}/metrics") as r:
            text = r.read().decode()
        m = re.search(r'^hbsync_ingress_events_total\{result="published"\} (\S+)', text, re.M)
        return float(m.group(1)) if m else 0.0


def lua_script(url, events_per_request, path, portals=1):
    """A wrk script sending signed batches of `events_per_request` events;
    with several portals, request k is portal k mod `portals`'s batch (one
    tenant a request, as HubSpot batches a portal's events)."""
    ts = int(time.time() * 1000)
    requests = []
    for p in range(portals):
        events = [{"eventId": i, "subscriptionId": 1, "portalId": PORTAL + p, "appId": 1,
                   "occurredAt": ts, "subscriptionType": "deal.propertyChange",
                   "attemptNumber": 0, "objectId": 1000 + i, "propertyName": "dealstage",
                   "propertyValue": "closedwon", "changeSource": "CRM_UI"}
                  for i in range(events_per_request)]
        body = json.dumps(events, separators=(",", ":"))
        sig = base64.b64encode(hmac.new(SECRET.encode(),
                                        ("POST" + url + body + str(ts)).encode(),
                                        hashlib.sha256).digest()).decode()
        lua_body = body.replace("\\", "\\\\").replace('"', '\\"')
        requests.append(f'  bodies[{p + 1}] = {{"{lua_body}", "{sig}"}}\n')
    path_of_url = "/" + url.split("/", 3)[3]
    with open(path, "w") as f:
        f.write("local bodies = {}\n" + "".join(requests) +
                "local requests, next = {}, 0\n"
                "function init(args)\n"
                "  for i, b in ipairs(bodies) do\n"
                "    requests[i] = wrk.format(\"POST\", \"" + path_of_url + "\", {\n"
                "      [\"Content-Type\"] = \"application/json\",\n"
                f"      [\"X-HubSpot-Request-Timestamp\"] = \"{ts}\",\n"
                "      [\"X-HubSpot-Signature-v3\"] = b[2]}, b[1])\n"
                "  end\n"
                "end\n"
                "function request()\n"
                "  next = next % #requests + 1\n"
                "  return requests[next]\n"
                "end\n"
                "function response(status, headers, body)\n"
                "  if status ~= 204 then wrk.thread:stop() end\nend\n")


def cpu_ticks(pids):
    total = 0
    for pid in pids:
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
        except OSError:
            pass
    return total


def reset_peak(pids):
    for pid in pids:
        try:
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
        except OSError:
            pass


def peak_rss_mib(pids):
    total = 0
    for pid in pids:
        try:
            m = re.search(r"VmHWM:\s+(\d+) kB", open(f"/proc/{pid}/status").read())
            total += int(m.group(1)) if m else 0
        except OSError:
            pass
    return total / 1024


def ms(text):
    m = re.match(r"([\d.]+)(us|ms|s)$", text)
    if not m:
        return float("nan")
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def run_wrk(stack, target, lua, seconds, connections):
    pids = stack.pids[target]
    reset_peak(pids)
    ingress = target in ("ingress", "baseline")
    published = stack.published(target) if ingress else 0
    before, start = cpu_ticks(pids), time.time()
    out = subprocess.run(["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds}s", "--latency",
                          "-s", lua, stack.url(target)], capture_output=True, text=True).stdout
    elapsed = time.time() - start
    cpu = 100.0 * (cpu_ticks(pids) - before) / TICKS / elapsed
    row = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
           "p50": ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
           "p99": ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
           "cpu": cpu, "rss": peak_rss_mib(pids)}
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    row["bad"] = int(m.group(1)) if m else 0
    m = re.search(r"(\d+) requests in", out)
    row["requests"] = int(m.group(1)) if m else 0
    if ingress:
        row["published"] = stack.published(target) - published
    return row


def idle_cpu(stack, target, seconds):
    pids = stack.pids[target]
    before, start = cpu_ticks(pids), time.time()
    time.sleep(seconds)
    return 100.0 * (cpu_ticks(pids) - before) / TICKS / (time.time() - start)


def callgrind(args, stack, state):
    if args.callgrind and "ingress" in stack.pids:
        pid = str(stack.pids["ingress"][0])
        subprocess.run(["callgrind_control", "-i", state, pid], capture_output=True)
        if state == "off":
            subprocess.run(["callgrind_control", "-d", pid], capture_output=True)


NAMES = {"nginx": "nginx `return 204`", "node": "Node.js receiver",
         "ingress": "hbsync-ingress", "baseline": "hbsync-ingress (baseline)"}


def table(results, sizes, targets):
    lines = ["| target | events/request | req/s | events/s | % of nginx | p50 | p99 | CPU | peak RSS |",
             "|---|---|---|---|---|---|---|---|---|"]
    for size in sizes:
        nginx_rps = results.get(("nginx", size), {}).get("rps")
        for target in targets:
            r = results[(target, size)]
            share = f"{100 * r['rps'] / nginx_rps:.1f} %" if nginx_rps else "-"
            bad = f" ({r['bad']} non-2xx)" if r["bad"] else ""
            lines.append(
                f"| {NAMES[target]} | {size} | {r['rps']:,.0f}{bad} | {r['rps'] * size:,.0f} | "
                f"{share} | {r['p50']:.2f} ms | {r['p99']:.2f} ms | {r['cpu']:.0f} % | "
                f"{r['rss']:.0f} MiB |")
    return "\n".join(lines)


def write_doc(path, section):
    write_section(path, r"Ingress: webhook batches", section, "End to end")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seconds", type=int, default=10, help="per wrk run (default 10)")
    ap.add_argument("--runs", type=int, default=3, help="runs per target and size (median)")
    ap.add_argument("--sizes", default="100,10", help="events per request")
    ap.add_argument("--targets", default="nginx,node,ingress")
    ap.add_argument("--baseline-bin", metavar="DIR",
                    help="also run the hbsync-ingress in DIR (an earlier build) as target "
                         "'baseline', interleaved with the others: before/after in one run")
    ap.add_argument("--baseline-label", default="",
                    help="what the baseline build is (e.g. 'commit 7a1ad28'), for the doc")
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--portals", type=int, default=1,
                    help="tenants the requests rotate over (one portal a request; default 1)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "release", "bin"))
    ap.add_argument("--ingress-env", action="append", default=[], metavar="KEY=VALUE",
                    help="extra environment for hbsync-ingress (experiments)")
    ap.add_argument("--write", action="store_true", help="write docs/performance.md")
    ap.add_argument("--callgrind", metavar="OUT",
                    help="run hbsync-ingress under callgrind, counting the measured runs only "
                         "(with --targets ingress and fewer --connections: ~50x slower)")
    ap.add_argument("--command", default="tests/bench/ingress_bench.sh",
                    help="how this run was started (recorded in the doc)")
    args = ap.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    targets = args.targets.split(",")
    if args.baseline_bin and "baseline" not in targets:
        targets.append("baseline")
    env = dict(kv.split("=", 1) for kv in args.ingress_env)
    if args.callgrind:
        os.environ["HBSYNC_BENCH_INGRESS_WRAPPER"] = (
            "valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="
            + os.path.abspath(args.callgrind))
        env.setdefault("HBSYNC_KAFKA_DELIVERY_TIMEOUT", "60s")
    work = tempfile.mkdtemp(prefix="hbsync-bench-")
    stack = Stack(work, args.bin, env, args.baseline_bin, args.portals)
    results, raw = {}, {}
    try:
        stack.start(targets)
        idle = {t: idle_cpu(stack, t, 3) for t in targets if t != "nginx"}
        for size in sizes:
            luas = {}
            for t in targets:
                luas[t] = os.path.join(work, f"{t}-{size}.lua")
                lua_script(stack.url(t), size, luas[t], args.portals)
            for t in targets:  # warm-up: connections, Kafka metadata, JIT
                run_wrk(stack, t, luas[t], 2, args.connections)
            for run in range(args.runs):
                for t in targets:
                    callgrind(args, stack, "on")
                    r = run_wrk(stack, t, luas[t], args.seconds, args.connections)
                    callgrind(args, stack, "off")
                    raw.setdefault((t, size), []).append(r)
                    extra = f", {r['published']:.0f} events published" if "published" in r else ""
                    print(f"  {size:>3} events, run {run + 1}: {t:<8} {r['rps']:>9.0f} req/s "
                          f"p99 {r['p99']:7.2f} ms cpu {r['cpu']:4.0f} % rss {r['rss']:4.0f} MiB"
                          f" non-2xx {r['bad']}{extra}", flush=True)
        for key, rows in raw.items():
            results[key] = {k: statistics.median(r[k] for r in rows)
                            for k in ("rps", "p50", "p99", "cpu")}
            results[key]["rss"] = max(r["rss"] for r in rows)
            results[key]["bad"] = sum(r["bad"] for r in rows)
            if key[0] in ("ingress", "baseline"):
                acked = sum(r["published"] for r in rows)
                sent = sum(r["requests"] * key[1] for r in rows)
                results[key]["published"] = (acked, sent)
    finally:
        stack.stop()
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    load = open("/proc/loadavg").read().split()[0]
    machine = f"{os.cpu_count()} cores, {mem:.0f} GiB, {os.uname().sysname} {os.uname().release}"
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%MZ")
    tab = table(results, sizes, targets)
    notes = []
    for size in sizes:
        if ("ingress", size) in results:
            acked, sent = results[("ingress", size)]["published"]
            notes.append(f"{size}-event batches: hbsync-ingress had {acked:,.0f} events "
                         f"acknowledged by Kafka during the measured runs, for {sent:,.0f} "
                         "in the requests wrk counted as answered")
    baseline_text = (f" Baseline: hbsync-ingress built from "
                     f"{args.baseline_label or args.baseline_bin}, same dev broker."
                     if args.baseline_bin else "")
    verdicts = []
    for size in sizes:
        ours, ref = results.get(("ingress", size)), results.get(("nginx", size))
        if ours and ref:
            share = 100 * ours["rps"] / ref["rps"]
            met = share >= 15 and ours["p99"] < 10
            verdicts.append(f"{size}-event batches {share:.1f} % of nginx, p99 {ours['p99']:.1f} ms "
                            f"({'met' if met else 'not met'})")
    bar_text = ("Bar (SPEC section 3: at least 15 % of nginx's req/s, p99 under 10 ms): "
                + "; ".join(verdicts) + "." if verdicts else "")
    idle_text = ", ".join(f"{NAMES[t]} {v:.1f} %" for t, v in idle.items())
    portals_text = ("the same portal in every request" if args.portals == 1 else
                    f"requests rotating over {args.portals} portals")
    section = f"""## Ingress: webhook batches (`tests/bench/ingress_bench.sh`)

Latest run: {when}, commit {commit}{' (with uncommitted changes)' if dirty else ''}, {machine},
load average {load} at the end. Command: `{args.command.strip()}`.{baseline_text} wrk -t2 -c{args.connections}, {args.seconds} s
per run, median of {args.runs} interleaved runs per target; every request is one signed batch of
`deal.propertyChange` events of one portal ({portals_text}); ingress produces one message per
request and portal (a `HubSpotEventBatch` keyed by the portal), the Node.js receiver one message
per event, both with acks=all and an
idempotent producer to the dev broker (3 brokers, 6 partitions, same machine), and answer 204 only
after Kafka acknowledged every message of the request. CPU: the target's own processes, 100 % = one
core (the machine has {os.cpu_count()}); peak RSS: VmHWM during the runs.

{tab}

{bar_text}
Wall-clock numbers on this shared machine vary by up to 2x between runs of
the same build (see the profiles below for repeatable instruction counts).

{'; '.join(notes)}. Idle CPU before the runs (3 s): {idle_text}.
"""
    print()
    print(tab)
    print()
    print("; ".join(notes) + f". Idle: {idle_text}.")
    if args.write:
        write_doc(os.path.join(ROOT, "docs", "performance.md"), section)
        print("Wrote docs/performance.md")
    if not os.environ.get("HBSYNC_BENCH_KEEP"):
        subprocess.run(["rm", "-rf", work])


if __name__ == "__main__":
    main()
