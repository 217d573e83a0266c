// The socket-free pieces of TLS termination: the SNI map's order, the
// subject header's form, and the demo's self-signed certificate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { SniMap } from '../src/frontend/sni.js';
import { formatSubject, withClientSubject } from '../src/frontend/client-subject.js';
import { selfSignedCertificate } from '../src/tools/self-signed-certificate.js';

test('SniMap: exact names before wildcards whatever the order, the first certificate naming a name wins, one label per wildcard', () => {
  const map = new SniMap([
    { names: ['*.example.com'], value: 'wild' },
    { names: ['a.example.com', 'b.example.com'], value: 'ab' },
    { names: ['b.example.com', '*.example.com'], value: 'late' },
  ]);
  assert.equal(map.lookup('a.example.com'), 'ab');
  assert.equal(map.lookup('B.Example.Com.'), 'ab', 'case and a trailing dot do not matter');
  assert.equal(map.lookup('c.example.com'), 'wild');
  assert.equal(map.lookup('x.c.example.com'), undefined);
  assert.equal(map.lookup('example.com'), undefined, 'a wildcard does not cover its parent');
  assert.equal(map.lookup('.example.com'), undefined, 'nor an empty label');
});

test('the client subject: most specific part first, special characters escaped; client copies always removed', () => {
  assert.equal(formatSubject('C=DE\nO=Example, Inc.\nCN=client one'), 'CN=client one,O=Example\\, Inc.,C=DE');
  assert.deepEqual(withClientSubject(['Host', 'x', 'X-Client-Subject', 'CN=admin', 'x-client-subject', 'CN=root'], 'x-client-subject', null), ['Host', 'x']);
  assert.deepEqual(withClientSubject(['X-Client-Subject', 'CN=admin'], 'x-client-subject', 'CN=client'), ['x-client-subject', 'CN=client']);
});

test('the self-signed certificate parses, names localhost and the loopback addresses, verifies itself, and matches its key', () => {
  const now = new Date('2030-05-01T12:00:00Z');
  const pair = selfSignedCertificate({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1', '::1'], validDays: 30, now });
  const cert = new X509Certificate(pair.cert);
  assert.equal(cert.subject, 'CN=localhost');
  assert.equal(cert.subjectAltName, 'DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
  assert.equal(new Date(cert.validTo).toISOString(), '2030-05-31T12:00:00.000Z');
  assert.ok(cert.verify(cert.publicKey));
  assert.ok(cert.checkPrivateKey(createPrivateKey(pair.key)));
  assert.equal(cert.checkHost('localhost'), 'localhost');
  assert.equal(cert.checkIP('127.0.0.1'), '127.0.0.1');
});
