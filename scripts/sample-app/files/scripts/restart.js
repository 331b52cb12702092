// Stops the server named by run/server.pid (if it runs) and starts server.js detached, with
// PORT from .env, logging to run/server.log; returns once it accepts connections (or after
// 5 s). `restart.js stop` only stops it.
const { spawn } = require("child_process");
const fs = require("fs");
const net = require("net");
const path = require("path");

const root = path.join(__dirname, "..");
const run = path.join(root, "run");
const pidFile = path.join(run, "server.pid");
fs.mkdirSync(run, { recursive: true });

// A zombie (exited, not yet reaped by its parent, init here) counts as stopped: it holds no
// port and no file any more, and a slow init would otherwise delay every restart.
function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;  // no /proc: the signal test above is all there is
  }
}

async function stop() {
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, "utf8"));
  if (!pid || !alive(pid)) return;
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, "SIGKILL");
}

function listening(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, "127.0.0.1");
    socket.on("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });
}

async function main() {
  await stop();
  const env = { ...process.env };
  for (const line of fs.readFileSync(path.join(root, ".env"), "utf8").split("\n")) {
    const m = /^([A-Z_]+)=(.*)$/.exec(line);
    if (m) env[m[1]] = m[2];
  }
  const log = fs.openSync(path.join(run, "server.log"), "a");
  const child = spawn(process.execPath, ["server.js"], {
    cwd: root,
    env,
    detached: true,
    stdio: ["ignore", log, log],
  });
  fs.writeFileSync(pidFile, String(child.pid));
  child.unref();
  for (let i = 0; i < 50 && !(await listening(Number(env.PORT))); i++) {
    await new Promise((r) => setTimeout(r, 100));
  }
  console.log(`started server.js (pid ${child.pid}) on port ${env.PORT}`);
}

if (process.argv[2] === "stop") stop();
else main();
