/** What the lifecycle benches share: the corpus package and NSDs onboarded, NS create and wait, over HTTP. */
import { join } from 'node:path';
import { folderEntries, makeTarGz } from '../utils/packages';
import { benchNsd, Client } from './harness';

const MULTIVDU = join(__dirname, '..', '..', '..', 'shared', 'corpus', 'osm-multivdu-gatici');

export interface LcmBench {
  nsd1: string;
  nsd2: string;
  vim: string;
  createNs(nsdId: string): Promise<string>;
  waitOp(opId: string, pollMs?: number): Promise<void>;
}

/** Onboards `hackfest_multivdu`'s VNF package and two NSDs (1 and 2 VNFs) and finds the emulator VIM. */
export async function prepareLcm(url: string, client: Client): Promise<LcmBench> {
  const token = (client as unknown as { token: string }).token;
  const entries = folderEntries(join(MULTIVDU, 'hackfest_multivdu_vnf'), 'hackfest_multivdu_vnf').filter(
    (e) => !e.name.endsWith('checksums.txt'),
  );
  await fetch(`${url}/osm/vnfpkgm/v1/vnf_packages_content`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/gzip' },
    body: await makeTarGz(entries),
  });
  const onboard = async (id: string, members: number) => {
    const res = await fetch(`${url}/osm/nsd/v1/ns_descriptors_content`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain', Accept: 'application/json' },
      body: benchNsd(id, members),
    });
    return ((await res.json()) as { id: string }).id;
  };
  const nsd1 = await onboard('bench-1vnf', 1);
  const nsd2 = await onboard('bench-2vnf', 2);
  const vim = ((await client.call('GET', '/osm/admin/v1/vim_accounts?name=emulator')).body as { _id: string }[])[0]._id;
  return lcmFor(client, { nsd1, nsd2, vim });
}

/** Creates and waits through one service (a replica shares the first one's onboarded descriptors). */
export function lcmFor(client: Client, ids: { nsd1: string; nsd2: string; vim: string }, prefix = 'ns'): LcmBench {
  let n = 0;
  return {
    ...ids,
    async createNs(nsdId: string): Promise<string> {
      const res = await client.call('POST', '/osm/nslcm/v1/ns_instances_content', {
        nsName: `${prefix}-${n++}`,
        nsdId,
        vimAccountId: ids.vim,
      });
      if (res.status !== 201) throw new Error(`create: ${res.status} ${JSON.stringify(res.body)}`);
      return (res.body as { nslcmop_id: string }).nslcmop_id;
    },
    async waitOp(opId: string, pollMs = 1): Promise<void> {
      for (;;) {
        const op = (await client.call('GET', `/osm/nslcm/v1/ns_lcm_op_occs/${opId}`)).body as {
          operationState: string;
          errorMessage: string;
        };
        if (op.operationState === 'COMPLETED') return;
        if (op.operationState !== 'PROCESSING') throw new Error(`operation ${op.operationState}: ${op.errorMessage}`);
        await new Promise((r) => setTimeout(r, pollMs));
      }
    },
  };
}
