// Requests to switch protocols (Upgrade, RFC 9110 7.8). A WebSocket
// handshake, or any protocol but h2c, is tunnelled to the backend; h2c alone
// is declined, as a server may: the client carries on in HTTP/1.1 and is
// proxied as usual (fairway speaks no HTTP/2 to backends).

/**
 * The protocols of an Upgrade header value that fairway tunnels, in the
 * client's order, or undefined when none is left once h2c is set aside.
 */
export function tunnelledProtocols(upgrade: string | undefined): string | undefined {
  if (upgrade === undefined) return undefined;
  const kept = upgrade
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '' && p.toLowerCase() !== 'h2c');
  return kept.length > 0 ? kept.join(', ') : undefined;
}
