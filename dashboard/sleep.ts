// The pause between polls and reconnection attempts.
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
