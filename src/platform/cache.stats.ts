/** Counters the metrics endpoint and the benchmark read. */
export class CacheStats {
  localHits = 0;
  hits = 0;
  misses = 0;
  errors = 0;

  get hitRate(): number {
    const lookups = this.localHits + this.hits + this.misses;
    return lookups === 0 ? 0 : (this.localHits + this.hits) / lookups;
  }
}
