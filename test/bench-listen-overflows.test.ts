// bench:compare reads the kernel's accept-queue overflow count to show runs
// in which connections were turned away and had to try again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listenOverflows, parseListenOverflows } from '../bench/compare/listen-overflows.js';

test('ListenOverflows is read from the TcpExt group of /proc/net/netstat', () => {
  const netstat = [
    'TcpExt: SyncookiesSent SyncookiesRecv ListenOverflows ListenDrops',
    'TcpExt: 0 0 185 185',
    'IpExt: InNoRoutes ListenOverflows',
    'IpExt: 0 7',
    '',
  ].join('\n');
  assert.equal(parseListenOverflows(netstat), 185);
  assert.equal(parseListenOverflows('IpExt: InNoRoutes\nIpExt: 0\n'), undefined);
});

test('the count is read on this machine', () => {
  assert.equal(typeof listenOverflows(), 'number');
});
