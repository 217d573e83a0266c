// A BackendProvider feeds a cluster whole member lists through the update
// callback it is started with; each list goes through setMembers(). The
// config file is the first provider. Closing the cluster stops its provider,
// and lists that come after that are ignored. Socket-free: health checks off.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { BackendConfig } from '../src/config/types.js';
import { Cluster } from '../src/cluster/cluster.js';
import type { BackendProvider } from '../src/cluster/provider.js';
import { ConfigFileProvider } from '../src/cluster/config-file-provider.js';
import { FairwayEvents } from '../src/observability/events.js';
import { poolConfig, silentLogger } from './helpers/fixtures.js';

function member(id: string, port: number): BackendConfig {
  return { id, url: `http://127.0.0.1:${port}`, weight: 1, maxConnections: 64, backup: false, state: 'enabled' };
}

/** A provider the test drives by hand: it gives `first` when started, then whatever `give` is called with. */
class ScriptedProvider implements BackendProvider {
  private update: ((members: BackendConfig[]) => void) | undefined;
  stops = 0;

  constructor(private readonly first: BackendConfig[]) {}

  start(update: (members: BackendConfig[]) => void): void {
    this.update = update;
    update(this.first);
  }

  give(members: BackendConfig[]): void {
    this.update!(members);
  }

  stop(): void {
    this.stops++;
  }
}

function emptyCluster(): Cluster {
  const config = poolConfig([]);
  config.healthCheck.enabled = false;
  return new Cluster(config, silentLogger, new FairwayEvents());
}

const ids = (pool: Cluster) => pool.backends.map((b) => b.id);

test("a provider's lists drive the cluster's members: each one whole, kept members kept, missing ones gone", async (t) => {
  const pool = emptyCluster();
  t.after(() => pool.close());
  const provider = new ScriptedProvider([member('a', 1), member('b', 2)]);
  await pool.follow(provider, () => 1_000);
  assert.deepEqual(ids(pool), ['a', 'b']);
  const a = pool.backends[0]!;
  a.totalRequests = 5;

  provider.give([member('a', 1), member('c', 3)]);
  assert.deepEqual(pool.eligible.map((b) => b.id), ['a', 'c']);
  // b has nothing in flight to wait for.
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(ids(pool), ['a', 'c']);
  assert.equal(pool.findBackend('a'), a);
  assert.equal(a.totalRequests, 5);

  provider.give([member('c', 3)]);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(ids(pool), ['c']);
});

test('closing the cluster stops its provider, and a list given after that changes nothing', async () => {
  const pool = emptyCluster();
  const provider = new ScriptedProvider([member('a', 1)]);
  await pool.follow(provider, () => 1_000);
  await pool.close();
  assert.equal(provider.stops, 1);
  provider.give([member('a', 1), member('b', 2)]);
  assert.deepEqual(ids(pool), ['a']);
});

test('a list that cannot be applied throws back to the provider and the members stay as they were', async (t) => {
  const pool = emptyCluster();
  t.after(() => pool.close());
  const provider = new ScriptedProvider([member('a', 1)]);
  await pool.follow(provider, () => 1_000);
  assert.throws(() => provider.give([member('a', 1), { ...member('b', 2), url: 'ftp://127.0.0.1:2' }]), { name: 'TypeError' });
  assert.deepEqual(ids(pool), ['a']);
});

test('a cluster follows one provider', async (t) => {
  const pool = emptyCluster();
  t.after(() => pool.close());
  await pool.follow(new ScriptedProvider([member('a', 1)]), () => 1_000);
  assert.throws(() => pool.follow(new ScriptedProvider([member('b', 2)]), () => 1_000), { message: 'pool default already follows a provider' });
  assert.deepEqual(ids(pool), ['a']);
});

test("the config file's provider gives the file's backends once, in order, with their settings", (t) => {
  const config = poolConfig(['http://127.0.0.1:1', 'http://127.0.0.1:2']);
  config.healthCheck.enabled = false;
  config.backends[1]!.backup = true;
  config.backends[1]!.weight = 4;
  const pool = new Cluster(config, silentLogger, new FairwayEvents());
  t.after(() => pool.close());
  const lists: BackendConfig[][] = [];
  const provider = new ConfigFileProvider(config.backends);
  provider.start((members) => {
    lists.push(members);
    void pool.setMembers(members, 1_000);
  });
  assert.deepEqual(lists, [config.backends]);
  assert.notEqual(lists[0], config.backends, 'a copy: the file config is not handed out to be changed');
  assert.deepEqual(pool.memberConfigs(), config.backends);
});
