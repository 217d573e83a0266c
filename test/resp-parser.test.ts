// The RESP2 reader and writer of the Redis client: replies split anywhere by
// TCP — one byte at a time, or cut at every possible place — read the same as
// when they arrive whole; error replies are values; bytes that are not RESP2 throw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RespParser, type RespValue } from '../src/state/resp-parser.js';
import { encodeCommand } from '../src/state/resp-encoder.js';
import { RedisReplyError } from '../src/state/redis-errors.js';

const STREAM = Buffer.from(
  [
    '+OK\r\n',
    '-NOSCRIPT No matching script. Please use EVAL.\r\n',
    ':42\r\n',
    ':-7\r\n',
    '$5\r\nhello\r\n',
    '$-1\r\n',
    '$0\r\n\r\n',
    '$4\r\n\r\n\r\n\r\n', // a bulk string holding CRLF CRLF
    '$5\r\n€x!\r\n', // 3 + 1 + 1 bytes of UTF-8
    '*4\r\n:1\r\n:0\r\n:5000\r\n:12000\r\n',
    '*2\r\n*1\r\n$3\r\nabc\r\n-ERR inner\r\n',
    '*0\r\n',
    '*-1\r\n',
  ].join(''),
  'utf8',
);

/** What STREAM reads as, with error replies shown as their messages. */
const EXPECTED: unknown[] = [
  'OK',
  { error: 'NOSCRIPT No matching script. Please use EVAL.', code: 'NOSCRIPT' },
  42,
  -7,
  'hello',
  null,
  '',
  '\r\n\r\n',
  '€x!',
  [1, 0, 5000, 12000],
  [['abc'], { error: 'ERR inner', code: 'ERR' }],
  [],
  null,
];

function plain(value: RespValue): unknown {
  if (value instanceof RedisReplyError) return { error: value.message, code: value.code };
  return Array.isArray(value) ? value.map(plain) : value;
}

test('replies fed one byte at a time read as when they arrive whole', () => {
  const whole = new RespParser().push(STREAM).map(plain);
  assert.deepEqual(whole, EXPECTED);
  const parser = new RespParser();
  const replies: RespValue[] = [];
  for (let i = 0; i < STREAM.length; i++) replies.push(...parser.push(STREAM.subarray(i, i + 1)));
  assert.deepEqual(replies.map(plain), EXPECTED);
  assert.equal(parser.buffered, 0);
});

test('replies cut into two chunks at every possible place read the same', () => {
  for (let cut = 0; cut <= STREAM.length; cut++) {
    const parser = new RespParser();
    const replies = [...parser.push(STREAM.subarray(0, cut)), ...parser.push(STREAM.subarray(cut))];
    assert.deepEqual(replies.map(plain), EXPECTED, `cut at byte ${cut}`);
  }
});

test('an incomplete reply waits for the rest, even when the cut falls between CR and LF', () => {
  const parser = new RespParser();
  assert.deepEqual(parser.push(Buffer.from('+OK\r')), []);
  assert.equal(parser.buffered, 4);
  assert.deepEqual(parser.push(Buffer.from('\n:1')), ['OK']);
  assert.deepEqual(parser.push(Buffer.from('\r\n')), [1]);
});

test('bytes that are not RESP2 throw rather than being guessed at', () => {
  assert.throws(() => new RespParser().push(Buffer.from('?what\r\n')), /RESP protocol error: unexpected type byte 0x3f/);
  assert.throws(() => new RespParser().push(Buffer.from('$x\r\n')), /is not a length/);
  assert.throws(() => new RespParser().push(Buffer.from(':1.5\r\n')), /is not an integer/);
  assert.throws(() => new RespParser().push(Buffer.from('$2\r\nabc\r\n')), /longer than its length/);
});

test('a command is written as an array of bulk strings, lengths in bytes', () => {
  assert.equal(encodeCommand(['EVALSHA', 'ab', 1, 'fairway:rl:€']).toString('utf8'), '*4\r\n$7\r\nEVALSHA\r\n$2\r\nab\r\n$1\r\n1\r\n$14\r\nfairway:rl:€\r\n');
  assert.equal(encodeCommand(['SET', 'k', '']).toString('utf8'), '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n');
});
