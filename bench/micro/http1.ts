// Micro-benchmark: the HTTP/1.1 codecs on the hot path, ns per request:
// parsing a small nginx answer (one read), building a request head, and
// parsing a client's request head (wrk's, and a browser's).
import { RequestParser } from '../../src/frontend/http1/request-parser.js';
import { ResponseParser, type ResponseSink } from '../../src/upstream/http1/response-parser.js';
import { buildRequestHead } from '../../src/upstream/http1/request-writer.js';
import { nsPerOp, printTable } from './measure.js';

let sink = 0;
const counter: ResponseSink = {
  onResponseHead: (status, _text, headers) => {
    sink += status + headers.length;
    return true;
  },
  onResponseBody: (_buf, start, end) => {
    sink += end - start;
    return true;
  },
  onResponseComplete: () => {
    sink++;
  },
};

const nginxAnswer = Buffer.from(
  'HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 23 Nov 2026 12:00:00 GMT\r\nContent-Type: application/octet-stream\r\n' +
    'Content-Length: 16\r\nConnection: keep-alive\r\nx-backend: b1\r\n\r\nhello from 8081\n',
  'latin1',
);
const chunkedAnswer = Buffer.from(
  'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n' +
    '10\r\n{"hello":"world"\r\n1\r\n}\r\n0\r\n\r\n',
  'latin1',
);
const parser = new ResponseParser(counter);
const parse = (buf: Buffer) => () => {
  parser.reset(false);
  return parser.execute(buf, 0, buf.length);
};

const wrkHeaders = ['Host', '127.0.0.1:8080', 'x-forwarded-for', '127.0.0.1', 'x-forwarded-proto', 'http', 'x-request-id', '6f1c2a9e-0b7d-4c1e-9a53-3d2f8e4b1c70', 'x-forwarded-host', '127.0.0.1:8080'];
const browserHeaders = [
  'Host', 'shop.example.com',
  'User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36',
  'Accept', 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  'Accept-Language', 'en-US,en;q=0.9',
  'Accept-Encoding', 'gzip, deflate, br',
  'Cookie', 'session=abc123; theme=dark',
  ...wrkHeaders.slice(2),
];

// Requests are read from a 64 KiB buffer, as from a socket's shared read buffer.
const requestParser = new RequestParser({
  onRequestHead: (head) => {
    sink += head.rawHeaders.length;
    return true;
  },
  onRequestBody: () => true,
  onRequestComplete: () => {
    sink++;
  },
});
function requestInReadBuffer(text: string): { buf: Buffer; length: number } {
  const buf = Buffer.alloc(64 * 1024);
  return { buf, length: buf.write(text, 'latin1') };
}
const wrkRequest = requestInReadBuffer('GET / HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n');
const browserRequest = requestInReadBuffer(
  'GET /cart?id=7 HTTP/1.1\r\nHost: shop.example.com\r\n' +
    'User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36\r\n' +
    'Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.9\r\n' +
    'Accept-Encoding: gzip, deflate, br\r\nCookie: session=abc123; theme=dark\r\nConnection: keep-alive\r\n\r\n',
);
const parseRequest = (r: { buf: Buffer; length: number }) => () => {
  requestParser.reset();
  return requestParser.execute(r.buf, 0, r.length);
};

printTable('HTTP/1.1 codecs', [
  ['parse: nginx answer, 6 headers + 16-byte body', nsPerOp(parse(nginxAnswer))],
  ['parse: chunked answer, 2 chunks', nsPerOp(parse(chunkedAnswer))],
  ['request head: wrk GET through the proxy, 5 headers', nsPerOp(() => buildRequestHead('GET', '/', wrkHeaders, null, 'b:80').head.length)],
  ['request head: browser GET, 11 headers', nsPerOp(() => buildRequestHead('GET', '/cart?id=7', browserHeaders, null, 'b:80').head.length)],
  ['request parse: wrk GET, 1 header', nsPerOp(parseRequest(wrkRequest))],
  ['request parse: browser GET, 7 headers', nsPerOp(parseRequest(browserRequest))],
]);
if (sink === -1) console.log(sink);
