// The compare harness's http-proxy target, in its simplest round-robin form:
// one node:http server, one keep-alive agent, a target per request in turn.
// Usage: node http-proxy.mjs PORT BACKEND_URL...
import http from 'node:http';
import httpProxy from 'http-proxy';

const [port, ...targets] = process.argv.slice(2);
const proxy = httpProxy.createProxyServer({ agent: new http.Agent({ keepAlive: true }) });
proxy.on('error', (_error, _req, res) => {
  if (!res.headersSent) res.writeHead(502);
  res.end();
});
let next = 0;
const server = http.createServer((req, res) => {
  proxy.web(req, res, { target: targets[next++ % targets.length] });
});
server.listen(Number(port), '127.0.0.1', () => console.log(`http-proxy listening on ${port}`));
