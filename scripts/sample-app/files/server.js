// GET /version: this release's version; GET /health: 200 when the build output is present.
const fs = require("fs");
const http = require("http");
const path = require("path");

const { version } = JSON.parse(fs.readFileSync(path.join(__dirname, "package.json"), "utf8"));
const port = Number(process.env.PORT || 3000);

http
  .createServer((req, res) => {
    if (req.url === "/version") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end(version + "\n");
    } else if (req.url === "/health") {
      const built = fs.existsSync(path.join(__dirname, "dist", "version.txt"));
      res.writeHead(built ? 200 : 503);
      res.end(built ? "ok\n" : "not built\n");
    } else {
      res.writeHead(404);
      res.end();
    }
  })
  .listen(port, "127.0.0.1");
