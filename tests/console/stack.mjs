// The whole pipeline on free loopback ports for the console's browser tests,
// as scripts/run.sh starts it (redis-server, the dev Kafka broker, the HubSpot
// and board simulators, the five services), owned by this process: stop()
// ends everything it started, and so does this process's exit.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const SERVICES = ['ingress', 'mapper', 'writer', 'poller', 'admin'];

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Polls check() until it returns a truthy value; throws naming `what` after
// `seconds`. The one way these tests wait: on a condition, with a deadline.
export async function waitFor(what, seconds, check, everyMs = 200) {
  const deadline = Date.now() + seconds * 1000;
  let last;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (e) {
      last = e;
    }
    if (Date.now() >= deadline) {
      throw new Error(`${what}: not within ${seconds} s${last ? ` (last error: ${last.message})` : ''}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function answers(url) {
  try {
    const response = await fetch(url);
    return response.ok;
  } catch {
    return false;
  }
}

export class Stack {
  // bin: the build's bin directory; dir: where logs and data go (emptied).
  constructor({ bin, dir, clientId = 'hbsync-console-app', clientSecret = 'hbsync-console-secret' }) {
    this.bin = bin;
    this.dir = dir;
    this.clientId = clientId;
    this.clientSecret = clientSecret;
    this.children = [];
    this.onExit = () => this.kill('SIGKILL');
  }

  start(name, command, args, env = {}) {
    const log = createWriteStream(join(this.dir, 'logs', `${name}.log`));
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(log);
    child.stderr.pipe(log);
    child.name = name;
    child.exited = new Promise((resolve) => child.on('exit', resolve));
    this.children.push(child);
    return child;
  }

  // Starts everything; `portal` is the HubSpot portal that the simulator's
  // OAuth approves (the tenant the browser signs in as).
  async up({ portal }) {
    rmSync(this.dir, { recursive: true, force: true });
    mkdirSync(join(this.dir, 'logs'), { recursive: true });
    mkdirSync(join(this.dir, 'redis'), { recursive: true });
    process.on('exit', this.onExit);

    const redisPort = await freePort();
    this.start('redis', 'redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1',
      '--save', '', '--appendonly', 'no', '--dir', join(this.dir, 'redis')]);
    const bootstrap = join(this.dir, 'kafka.bootstrap');
    this.start('kafka-dev', join(this.bin, 'hbsync-kafka-dev'), [], {
      HBSYNC_KAFKA_DEV_BOOTSTRAP_FILE: bootstrap, HBSYNC_KAFKA_DEV_CONTROL_PORT: '0',
    });

    const port = {};
    for (const name of [...SERVICES, 'sim-hubspot', 'sim-board']) port[name] = await freePort();
    this.adminUrl = `http://127.0.0.1:${port.admin}`;
    this.hubspotUrl = `http://127.0.0.1:${port['sim-hubspot']}`;
    this.boardUrl = `http://127.0.0.1:${port['sim-board']}`;
    const ingressUrl = `http://127.0.0.1:${port.ingress}`;
    this.start('sim-hubspot', join(this.bin, 'hbsync-sim-hubspot'), [], {
      HBSYNC_SIM_HUBSPOT_PORT: String(port['sim-hubspot']),
      HBSYNC_SIM_HUBSPOT_CLIENT_ID: this.clientId,
      HBSYNC_SIM_HUBSPOT_CLIENT_SECRET: this.clientSecret,
      HBSYNC_SIM_HUBSPOT_REDIRECT_URIS: `${this.adminUrl}/auth/callback`,
      HBSYNC_SIM_HUBSPOT_WEBHOOK_URL: `${ingressUrl}/webhooks/hubspot`,
      HBSYNC_SIM_HUBSPOT_DEFAULT_PORTAL_ID: String(portal),
    });
    this.start('sim-board', join(this.bin, 'hbsync-sim-board'), [], {
      HBSYNC_SIM_BOARD_PORT: String(port['sim-board']),
    });

    await waitFor('redis-server', 10, () => this.redisReady(redisPort));
    await waitFor('the dev Kafka broker', 30, () => existsSync(bootstrap) && readFileSync(bootstrap, 'utf8').trim());
    await waitFor('the HubSpot simulator', 20, () => answers(`${this.hubspotUrl}/_sim/healthz`));
    await waitFor('the board simulator', 20, () => answers(`${this.boardUrl}/_sim/healthz`));

    const env = {
      HBSYNC_KAFKA_BROKERS: readFileSync(bootstrap, 'utf8').trim(),
      HBSYNC_KAFKA_FETCH_WAIT_MAX: '10ms',
      HBSYNC_REDIS_URL: `redis://127.0.0.1:${redisPort}/0`,
      HBSYNC_HTTP_ADDRESS: '127.0.0.1',
      HBSYNC_HUBSPOT_CLIENT_ID: this.clientId,
      HBSYNC_HUBSPOT_CLIENT_SECRET: this.clientSecret,
      HBSYNC_ENCRYPTION_KEYS: `console:${randomBytes(32).toString('base64')}`,
      HBSYNC_INGRESS_PUBLIC_BASE_URL: ingressUrl,
      HBSYNC_HUBSPOT_API_URL: this.hubspotUrl,
      HBSYNC_HUBSPOT_AUTHORIZE_URL: `${this.hubspotUrl}/oauth/authorize`,
      HBSYNC_BOARD_API_URL: this.boardUrl,
      HBSYNC_ADMIN_PUBLIC_URL: this.adminUrl,
      HBSYNC_ADMIN_COOKIE_SECURE: 'false', // plain http on loopback
    };
    for (const name of SERVICES) {
      this.start(name, join(this.bin, `hbsync-${name}`), [], { ...env, HBSYNC_HTTP_PORT: String(port[name]) });
    }
    for (const name of SERVICES) {
      await waitFor(`hbsync-${name} /readyz`, 60, () => answers(`http://127.0.0.1:${port[name]}/readyz`));
    }
    for (const child of this.children) {
      if (child.exitCode !== null) throw new Error(`${child.name} exited (${child.exitCode}); see ${this.dir}/logs`);
    }
  }

  async redisReady(port) {
    const { Socket } = await import('node:net');
    return new Promise((resolve) => {
      const socket = new Socket();
      socket.setTimeout(500);
      socket.once('data', (data) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
      socket.once('error', () => resolve(false));
      socket.once('timeout', () => {
        socket.destroy();
        resolve(false);
      });
      socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    });
  }

  kill(signal) {
    for (const child of this.children) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    }
  }

  // Services first (they drain), then what they use; SIGKILL after 10 s.
  async down() {
    process.off('exit', this.onExit);
    const order = [...this.children].reverse();
    for (const child of order) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
      await child.exited;
      clearTimeout(timer);
    }
  }
}

// JSON over HTTP for the simulators' control routes and HubSpot's CRM API.
export async function call(method, url, body, headers = {}) {
  const response = await fetch(url, {
    method,
    headers: { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  if (!response.ok) throw new Error(`${method} ${url} -> ${response.status}: ${text.slice(0, 500)}`);
  return json;
}
