// The schedulers IPVS has (ipvsadm -s, the kernel's ip_vs_* modules). With any other name ipvsadm
// cannot create the virtual service, so an importer reports it and leaves Vigil's default (wlc).
const IPVS_SCHEDULERS = new Set(['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos']);

export function isIpvsScheduler(name: string): boolean {
  return IPVS_SCHEDULERS.has(name);
}

export const IPVS_SCHEDULER_LIST = [...IPVS_SCHEDULERS].join(', ');
