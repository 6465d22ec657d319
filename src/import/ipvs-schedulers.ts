// The schedulers IPVS has, as the config accepts them. With any other name ipvsadm cannot create
// the virtual service, so an importer reports it and leaves Vigil's default (wlc).
import { IPVS_SCHEDULERS } from '../lvs/ipvs-options.js';

const KNOWN: ReadonlySet<string> = new Set(IPVS_SCHEDULERS);

export function isIpvsScheduler(name: string): boolean {
  return KNOWN.has(name);
}

export const IPVS_SCHEDULER_LIST = IPVS_SCHEDULERS.join(', ');
