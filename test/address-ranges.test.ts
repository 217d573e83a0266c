// AddressRanges answers as node's BlockList does for every address string,
// IPv4 ones matched on its fast path included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BlockList, isIP } from 'node:net';
import fc from 'fast-check';
import { AddressRanges, dottedQuad } from '../src/exchange/address-ranges.js';
import type { CidrRange } from '../src/config/types.js';

const RANGES: CidrRange[] = [
  { address: '10.0.0.0', prefix: 8, family: 'ipv4' },
  { address: '192.168.4.0', prefix: 22, family: 'ipv4' },
  { address: '203.0.113.7', prefix: 32, family: 'ipv4' },
  { address: '2001:db8::', prefix: 32, family: 'ipv6' },
];

function reference(ranges: readonly CidrRange[], address: string): boolean {
  const list = new BlockList();
  for (const r of ranges) list.addSubnet(r.address, r.prefix, r.family);
  const version = isIP(address);
  if (version === 4) return list.check(address, 'ipv4');
  if (version !== 6) return false;
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m === null ? list.check(address, 'ipv6') : list.check(m[1]!, 'ipv4');
}

test('IPv4 ranges match by network and mask: edges of each range, mapped addresses, and odd spellings', () => {
  const ranges = new AddressRanges(RANGES);
  const cases: [string, boolean][] = [
    ['10.0.0.0', true], ['10.255.255.255', true], ['11.0.0.0', false], ['9.255.255.255', false],
    ['192.168.4.0', true], ['192.168.7.255', true], ['192.168.8.0', false], ['192.168.3.255', false],
    ['203.0.113.7', true], ['203.0.113.8', false],
    ['::ffff:10.1.2.3', true], ['::FFFF:192.168.5.5', true], ['::ffff:11.1.2.3', false],
    ['2001:db8::1', true], ['2001:db9::1', false],
    ['010.0.0.1', false], ['10.0.0', false], ['10.0.0.1.2', false], ['10.0.0.256', false], ['', false], ['10.0.0.1 ', false], ['x', false],
  ];
  for (const [address, inside] of cases) assert.equal(ranges.includes(address), inside, address);
  for (const [address] of cases) assert.equal(ranges.includes(address), reference(RANGES, address), `as BlockList: ${address}`);
});

test('a /0 IPv4 range holds every IPv4 address, and an IPv6 range over mapped addresses still holds IPv4 clients', () => {
  assert.equal(new AddressRanges([{ address: '0.0.0.0', prefix: 0, family: 'ipv4' }]).includes('198.51.100.1'), true);
  const mapped: CidrRange[] = [{ address: '::ffff:0:0', prefix: 96, family: 'ipv6' }];
  assert.equal(new AddressRanges(mapped).includes('198.51.100.1'), reference(mapped, '198.51.100.1'));
});

test('the fast path agrees with BlockList on random addresses and random ranges', () => {
  const octet = fc.integer({ min: 0, max: 255 });
  const quad = fc.tuple(octet, octet, octet, octet).map((o) => o.join('.'));
  const range = fc.tuple(quad, fc.integer({ min: 0, max: 32 })).map(([address, prefix]): CidrRange => ({ address, prefix, family: 'ipv4' }));
  const text = fc.oneof(quad, fc.string({ maxLength: 16 }), quad.map((q) => `0${q}`), quad.map((q) => `::ffff:${q}`));
  fc.assert(
    fc.property(fc.array(range, { maxLength: 5 }), fc.array(text, { minLength: 1, maxLength: 20 }), (ranges, addresses) => {
      const compiled = new AddressRanges(ranges);
      for (const a of addresses) assert.equal(compiled.includes(a), reference(ranges, a), a);
    }),
    { numRuns: 300 },
  );
});

test('dottedQuad reads only canonical dotted quads', () => {
  assert.equal(dottedQuad('255.255.255.255'), 0xffffffff);
  assert.equal(dottedQuad('1.2.3.4'), 0x01020304);
  for (const bad of ['1.2.3', '1.2.3.4.5', '01.2.3.4', '1.2.3.-4', '1..3.4', '256.1.1.1', '1.2.3.4x', ' 1.2.3.4']) assert.equal(dottedQuad(bad), -1, bad);
});
