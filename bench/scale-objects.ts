/**
 * Test 7: how cost and memory grow with the number of protection domains and adapters a service
 * holds. Domains: 1, 10, 100, 1,000 on one adapter; adapters (each its own verbs device context on
 * the same device, with a domain): 1, 4, 16. At each level the test times inline register +
 * deregister pairs of a 4 KiB region on the newest domain, and takes the process's RSS growth per
 * object after a garbage collection.
 *
 * @packageDocumentation
 */

import { type Adapter, type ProtectionDomain } from '../lib';
import { DEVICE, OBJECT_SCALE } from './config';
import { collectGarbage } from './gc';
import { createMr } from './ndk';
import { inlinePairs } from './per-op';
import { type Progress } from './progress';
import { type ObjectScaleResult, type ObjectScaleRow } from './result';
import { round, summarize } from './stats';
import { ndk } from './target';

const { allocate, openAdapter } = ndk;

/** Progress units this test reports. */
export const OBJECT_SCALE_UNITS = OBJECT_SCALE.pdLevels.length + OBJECT_SCALE.adapterLevels.length;

function rssNow(): number {
  collectGarbage();
  return process.memoryUsage().rss;
}

/** Runs the test; everything it opens is closed before it returns. */
export async function measureObjectScale(progress: Progress): Promise<ObjectScaleResult> {
  const { bytes, pairs, pdLevels, adapterLevels } = OBJECT_SCALE;
  const probe = allocate(bytes);
  new Uint8Array(probe).fill(1);

  // The timed region is created on the newest object at each level, then closed.
  const pairsOn = (pd: ProtectionDomain) => {
    const mr = createMr(pd, 'inline');
    inlinePairs(mr, probe, bytes, 20); // warm
    const summary = summarize(inlinePairs(mr, probe, bytes, pairs));
    void mr.close();
    return summary;
  };

  const pdRows: ObjectScaleRow[] = [];
  const adapter = await openAdapter(DEVICE);
  const pds: ProtectionDomain[] = [];
  pairsOn(await adapter.createPd()); // warm the path before the baseline
  let base = rssNow();
  for (const level of pdLevels) {
    progress.task(`scale: ${level} protection domains`);
    while (pds.length < level) pds.push(await adapter.createPd());
    const rss = rssNow();
    pdRows.push({
      count: level,
      inline: pairsOn(pds[pds.length - 1]),
      rssBytesPerObject: round((rss - base) / level, 0),
    });
    progress.advance();
  }
  await adapter.close();

  const adapterRows: ObjectScaleRow[] = [];
  const adapters: Adapter[] = [];
  base = rssNow();
  for (const level of adapterLevels) {
    progress.task(`scale: ${level} adapters`);
    while (adapters.length < level) {
      const opened = await openAdapter(DEVICE);
      adapters.push(opened);
      await opened.createPd();
    }
    const rss = rssNow();
    const newest = adapters[adapters.length - 1];
    adapterRows.push({
      count: level,
      inline: pairsOn(await newest.createPd()),
      rssBytesPerObject: round((rss - base) / level, 0),
    });
    progress.advance();
  }
  await Promise.all(adapters.map((a) => a.close()));
  collectGarbage();
  return { bytes, pairs, pds: pdRows, adapters: adapterRows };
}
