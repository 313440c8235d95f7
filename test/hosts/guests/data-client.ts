/**
 * Host 1 of the cross-host data test: writes 64 MiB of random bytes into host 0's region at each
 * path MTU (timed), then writes and reads host 0's small region, and once host 0 has deregistered
 * it, tries a write (on the queue pair that worked) and a read (on a fresh one), each followed by
 * one more request that must be flushed.
 */

import { createHash, randomFillSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { NdkMrFlags } from '../../../lib';
import { kernelLeftovers } from '../../support/kernel';
import {
  connectThrough,
  openHostSide,
  RENDEZVOUS_MS,
  runGuest,
  statusOf,
} from '../support/host-side';
import { publish, waitFor } from '../support/rendezvous';
import {
  CLIENT,
  LATE_BYTE,
  PATH_MTUS,
  REVOCATION_BYTES,
  type RevocationReport,
  TRANSFER_BYTES,
  type TransferReport,
  WRITTEN_BYTE,
} from './data-plan';

runGuest(async () => {
  const side = await openHostSide();
  const source = randomFillSync(Buffer.alloc(TRANSFER_BYTES));
  const sha256 = createHash('sha256').update(source).digest('hex');
  const sourceMr = await side.pd.createMr();
  await sourceMr.register(source, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE });
  for (const pathMtu of PATH_MTUS) {
    const qp = await side.pd.createQp(side.cq);
    const region = await connectThrough(`mtu${pathMtu}`, CLIENT, [qp], { pathMtu });
    const started = performance.now();
    const status = await statusOf(
      qp.write(
        { mr: sourceMr, length: TRANSFER_BYTES },
        { address: BigInt(region!.address), token: region!.token },
      ),
    );
    const report: TransferReport = { sha256, status, ms: performance.now() - started };
    publish(`mtu${pathMtu}-client`, report);
    publish(`mtu${pathMtu}-written`, {});
    await qp.close();
  }
  await sourceMr.deregister();
  await sourceMr.close();

  // The first half is what is written, the second where reads land.
  const memory = Buffer.alloc(2 * REVOCATION_BYTES);
  const bytes = memory.subarray(0, REVOCATION_BYTES).fill(WRITTEN_BYTE);
  const landed = memory.subarray(REVOCATION_BYTES);
  const mr = await side.pd.createMr();
  await mr.register(memory, { flags: NdkMrFlags.NDK_MR_FLAG_ALLOW_LOCAL_WRITE });
  const [used, fresh] = [await side.pd.createQp(side.cq), await side.pd.createQp(side.cq)];
  const found = await connectThrough('revocation', CLIENT, [used, fresh]);
  const remote = { address: BigInt(found!.address), token: found!.token };
  const writeBefore = await statusOf(used.write({ mr, length: REVOCATION_BYTES }, remote));
  const readBefore = await statusOf(
    used.read({ mr, offset: REVOCATION_BYTES, length: REVOCATION_BYTES }, remote),
  );
  const readBackMatches = landed.equals(bytes);
  publish('revocation-written', {});

  await waitFor('revocation-revoked', RENDEZVOUS_MS);
  bytes.fill(LATE_BYTE);
  const late = { mr, length: REVOCATION_BYTES };
  const [writeAfter, writeAfterThat] = await Promise.all([
    statusOf(used.write(late, remote)),
    statusOf(used.write(late, remote)),
  ]);
  const into = { mr, offset: REVOCATION_BYTES, length: REVOCATION_BYTES };
  const [readOnFreshQp, readAfterThat] = await Promise.all([
    statusOf(fresh.read(into, remote)),
    statusOf(fresh.read(into, remote)),
  ]);
  const report: RevocationReport = {
    writeBefore,
    readBefore,
    readBackMatches,
    writeAfter,
    writeAfterThat,
    readOnFreshQp,
    readAfterThat,
  };
  publish('revocation-attempted', {});
  await side.adapter.close();
  publish('revocation-client', { ...report, leftovers: kernelLeftovers() });
});
