// Recent history of every source, sampled from coordinator snapshots: the
// rates (messages/s, bytes/s), lag, and when each source was last caught up
// (for lag in seconds). Kept for the last few minutes in a ring per source;
// the web console's charts, the terminal view and the metrics read it.
import type { CoordinatorSnapshot, SourceSnapshot } from '../adapter/introspection.js';

export interface SourceSample {
  /** Wall-clock ms. */
  t: number;
  messages: number;
  bytes: number;
  /** Messages per second since the previous sample. */
  rate: number;
  /** Bytes per second since the previous sample. */
  byteRate: number;
  /** offset_known - offset_committed (0 when unknown). */
  lag: number;
}

interface Track {
  samples: SourceSample[];
  /** When the source last had no lag (ms); the first sighting counts. */
  caughtUpMs: number;
  /** Committed offset when first seen: where the current catch-up started. */
  startCommitted: number | null;
  last: SourceSnapshot;
}

export interface SourceProgress {
  /** Messages per second over the last few seconds. */
  rate: number;
  byteRate: number;
  lag: number;
  lagSeconds: number;
  /**
   * While catching up on a backlog: the share of it ingested (0..1) since
   * the source was first seen lagging; null when caught up.
   */
  catchUp: number | null;
}

/** Samples older than this are dropped. */
export const HISTORY_MS = 10 * 60 * 1000;

export function lagOf(s: SourceSnapshot): number {
  return s.offsetKnown === null ? 0 : Math.max(0, s.offsetKnown - (s.offsetCommitted ?? 0));
}

export class SourceHistory {
  private readonly tracks = new Map<string, Track>();

  constructor(private readonly keepMs: number = HISTORY_MS) {}

  /** Adds one snapshot's sources (call about once a second). */
  record(snapshot: CoordinatorSnapshot): void {
    const seen = new Set<string>();
    for (const s of snapshot.sources) {
      seen.add(s.id);
      const lag = lagOf(s);
      let track = this.tracks.get(s.id);
      if (track === undefined) {
        track = { samples: [], caughtUpMs: snapshot.now, startCommitted: s.offsetCommitted ?? 0, last: s };
        this.tracks.set(s.id, track);
      }
      const prev = track.samples[track.samples.length - 1];
      const dt = prev === undefined ? 0 : (snapshot.now - prev.t) / 1000;
      // Counters restart from 0 when a source restarts (ALTER CONNECTION): no negative rates.
      const rate = dt > 0 && prev !== undefined ? Math.max(0, (s.messagesReceived - prev.messages) / dt) : 0;
      const byteRate = dt > 0 && prev !== undefined ? Math.max(0, (s.bytesReceived - prev.bytes) / dt) : 0;
      track.samples.push({ t: snapshot.now, messages: s.messagesReceived, bytes: s.bytesReceived, rate, byteRate, lag });
      if (lag === 0) {
        track.caughtUpMs = snapshot.now;
        track.startCommitted = s.offsetCommitted;
      }
      track.last = s;
      const cutoff = snapshot.now - this.keepMs;
      let drop = 0;
      while (drop < track.samples.length && track.samples[drop]!.t < cutoff) drop++;
      if (drop > 0) track.samples.splice(0, drop);
    }
    for (const id of [...this.tracks.keys()]) if (!seen.has(id)) this.tracks.delete(id);
  }

  samples(id: string, sinceMs = 0): SourceSample[] {
    const samples = this.tracks.get(id)?.samples ?? [];
    return sinceMs > 0 ? samples.filter((s) => s.t > sinceMs) : samples;
  }

  /** Seconds since the source last had no lag (0 while caught up); uses the snapshot given when fresher. */
  lagSeconds(s: SourceSnapshot, now: number): number {
    if (lagOf(s) === 0) return 0;
    const track = this.tracks.get(s.id);
    if (track === undefined) return 0;
    return Math.max(0, (now - track.caughtUpMs) / 1000);
  }

  progress(s: SourceSnapshot, now: number): SourceProgress {
    const samples = this.tracks.get(s.id)?.samples ?? [];
    // The rate over the last ~5 s smooths the 1 s samples.
    const recent = samples.filter((x) => x.t >= now - 5500);
    const first = recent[0];
    const last = recent[recent.length - 1];
    const span = first !== undefined && last !== undefined ? (last.t - first.t) / 1000 : 0;
    const rate = span > 0 ? Math.max(0, (last!.messages - first!.messages) / span) : (last?.rate ?? 0);
    const byteRate = span > 0 ? Math.max(0, (last!.bytes - first!.bytes) / span) : (last?.byteRate ?? 0);
    const lag = lagOf(s);
    let catchUp: number | null = null;
    const start = this.tracks.get(s.id)?.startCommitted ?? 0;
    if (lag > 0 && s.offsetKnown !== null) {
      const total = s.offsetKnown - (start ?? 0);
      catchUp = total > 0 ? Math.min(1, Math.max(0, ((s.offsetCommitted ?? 0) - (start ?? 0)) / total)) : 0;
    }
    return { rate, byteRate, lag, lagSeconds: this.lagSeconds(s, now), catchUp };
  }
}
