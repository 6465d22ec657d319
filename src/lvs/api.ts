// The LVS building blocks the built-in `ipvs` alert uses, exported through the public plugin API
// (`import { lvs } from 'vigil/plugin'`) so a user's own LVS plugin can use them too.
export * from './ipvs-table.js';
export * from './pool.js';
export * from './reconcile.js';
export * from './ipvsadm.js';
export * from './ipvs-options.js';
