// What health checking reads and writes on a member of a pool. The cluster's
// Backend has these fields; health/ names only this, so it sits below the
// cluster that uses it.

/** Read and written by active health checks. */
export interface CheckedMember {
  readonly url: string;
  readonly healthy: boolean;
  /** Last active health-check result, for the admin API. */
  lastCheck: { ok: boolean; reason: string; at: number } | undefined;
}

/** Read and written by outlier detection. */
export interface EjectableMember {
  readonly ejected: boolean;
  ejectedUntil: number;
  ejections: number;
  lastEjectionEndedAt: number;
  consecutiveGatewayFailures: number;
  consecutive5xx: number;
}

/** Read and written by slow start. */
export interface RampedMember {
  readonly configWeight: number;
  weight: number;
  rampStartedAt: number;
}
