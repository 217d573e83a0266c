// Where bench:idle's connections come from. One source address reaches one
// destination from at most the ephemeral port range (28,232 ports by
// default); more connections than fit take 127.0.0.2, 127.0.0.3, … in turn
// (all of 127/8 is the loopback on Linux).
import { readFileSync } from 'node:fs';

/** How many ports the kernel's ephemeral range holds (28,232 when it cannot be read). */
export function ephemeralPortCount(): number {
  try {
    const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return high! - low! + 1;
  } catch {
    return 60999 - 32768 + 1;
  }
}

/** [] (the kernel chooses) when `count` fits in 90 % of the range, else enough loopback addresses from 127.0.0.2. */
export function sourceAddresses(count: number, ports: number): string[] {
  const perAddress = Math.floor(ports * 0.9);
  if (count <= perAddress) return [];
  const n = Math.ceil(count / perAddress);
  if (n > 250) throw new Error(`${count} connections need ${n} source addresses; at most 250 (127.0.0.2–127.0.0.251) are used`);
  return Array.from({ length: n }, (_, i) => `127.0.0.${i + 2}`);
}
