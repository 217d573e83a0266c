// bench:idle's results as markdown: what was measured, then one row per
// proxy with its resident memory before and with the idle connections.

export interface IdleRow {
  label: string;
  /** VmRSS before and with the idle connections, bytes. */
  before: number;
  idle: number;
  /** Connections answered, and still open when RSS was read. */
  answered: number;
  stillOpen: number;
  asked: number;
  /** Why connections failed, with counts ("ECONNRESET × 3"). */
  failures: string[];
}

export interface IdleFacts {
  date: string;
  command: string;
  connections: number;
  sourceAddresses: string;
  /** Versions: Node.js running fairway, nginx. */
  fairwayNode: string;
  nginx: string;
  kernel: string;
}

const mib = (b: number) => `${(b / 1024 / 1024).toFixed(1)} MiB`;
const int = (n: number) => n.toLocaleString('en-US');

/** Bytes per idle connection as KiB with one decimal (negative when RSS shrank). */
export function perConnection(row: IdleRow): string {
  if (row.stillOpen === 0) return '–';
  return `${((row.idle - row.before) / row.stillOpen / 1024).toFixed(1)} KiB`;
}

export function idleTable(rows: readonly IdleRow[]): string {
  const lines = [
    '| proxy | RSS before | RSS with idle connections | added | per idle connection | idle connections held |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(`| ${r.label} | ${mib(r.before)} | ${mib(r.idle)} | ${mib(r.idle - r.before)} | ${perConnection(r)} | ${int(r.stillOpen)}/${int(r.asked)} |`);
  }
  const notes = rows.filter((r) => r.failures.length > 0).map((r) => `- ${r.label}: ${int(r.asked - r.answered)} connections got no answer (${r.failures.join(', ')}).`);
  return [...lines, ...(notes.length > 0 ? ['', ...notes] : [])].join('\n');
}

export function idleMarkdown(facts: IdleFacts, rows: readonly IdleRow[]): string {
  return [
    `Measured ${facts.date} with \`${facts.command}\`: ${int(facts.connections)} keep-alive client connections to each proxy in turn (${facts.sourceAddresses}), each sending one \`GET /\` and reading its answer, then left idle; 50 are opened at a time. RSS is VmRSS from /proc (NGINX: its one worker), read after 100 warm-up requests and again 2 s after the last connection was answered; per idle connection is the difference divided by the connections still open. RSS counts all the process holds, garbage a collection would free included.`,
    '',
    `fairway on Node.js ${facts.fairwayNode}, ${facts.nginx}, Linux ${facts.kernel}.`,
    '',
    idleTable(rows),
  ].join('\n');
}
