// The ipvsadm commands that turn the table as it is into the table as it should be, and nothing
// more: a table that already matches needs no command at all. Additions come before deletions,
// so a swap (sorry server in, real servers out) never leaves the service empty in between.
import { commands, destinationId, formatEndpoint, type IpvsDestination, type IpvsService, type ServiceSettings, type VirtualServiceKey } from './ipvs-table.js';

export interface DesiredService {
  key: VirtualServiceKey;
  settings: ServiceSettings;
  destinations: IpvsDestination[];
}

export type ChangeKind = 'add-service' | 'edit-service' | 'delete-service' | 'add-destination' | 'edit-destination' | 'delete-destination';

export interface Change {
  kind: ChangeKind;
  args: string[];
  /** For people: `add 127.0.0.1:8080 weight 3`, `quiesce 127.0.0.2:8080 (weight 1 → 0)`. */
  description: string;
  /** The destination it concerns, if any. */
  destination?: string;
}

export interface ReconcileOptions {
  /** Create the virtual service when the table lacks it. */
  createService: boolean;
  /** Edit the service when its scheduler/persistence differ from the config. */
  manageSettings: boolean;
  /** Delete destinations in the table that the config does not have. */
  removeUnknown: boolean;
}

export function sameSettings(a: ServiceSettings, b: ServiceSettings): boolean {
  const mask = (s: ServiceSettings) => (s.persistent !== undefined && s.netmask && s.netmask !== '255.255.255.255' ? s.netmask : undefined);
  return (
    a.scheduler === b.scheduler &&
    a.persistent === b.persistent &&
    mask(a) === mask(b) &&
    (a.schedulerFlags ?? '') === (b.schedulerFlags ?? '') &&
    !!a.onePacket === !!b.onePacket
  );
}

function describeSettings(s: ServiceSettings): string {
  return [s.scheduler, s.persistent !== undefined ? `persistent ${s.persistent}` : '', s.netmask ? `mask ${s.netmask}` : '', s.schedulerFlags ?? '', s.onePacket ? 'ops' : '']
    .filter(Boolean)
    .join(' ');
}

export function planChanges(actual: IpvsService | undefined, desired: DesiredService, options: ReconcileOptions): Change[] {
  const { key } = desired;
  const changes: Change[] = [];
  if (!actual) {
    if (!options.createService) return [];
    changes.push({ kind: 'add-service', args: commands.addService(key, desired.settings), description: `create the virtual service (${describeSettings(desired.settings)})` });
  } else if (options.manageSettings && !sameSettings(actual, desired.settings)) {
    changes.push({
      kind: 'edit-service',
      args: commands.editService(key, desired.settings),
      description: `edit the virtual service: ${describeSettings(actual)} → ${describeSettings(desired.settings)}`,
    });
  }
  const present = new Map((actual?.destinations ?? []).map((dest) => [destinationId(dest), dest]));
  const wanted = new Set<string>();
  for (const dest of desired.destinations) {
    const id = destinationId(dest);
    wanted.add(id);
    const current = present.get(id);
    if (!current) {
      changes.push({ kind: 'add-destination', args: commands.addDestination(key, dest), description: `add ${id} weight ${dest.weight}`, destination: id });
    } else if (current.weight !== dest.weight || current.forwarding !== dest.forwarding) {
      const what = current.forwarding !== dest.forwarding ? `forwarding ${current.forwarding} → ${dest.forwarding}` : `weight ${current.weight} → ${dest.weight}`;
      const verb = dest.weight === 0 && current.weight !== 0 ? 'quiesce' : 'set';
      changes.push({ kind: 'edit-destination', args: commands.editDestination(key, dest), description: `${verb} ${id} (${what})`, destination: id });
    }
  }
  if (actual && options.removeUnknown) {
    for (const [id, dest] of present) {
      if (wanted.has(id)) continue;
      changes.push({ kind: 'delete-destination', args: commands.deleteDestination(key, dest), description: `remove ${formatEndpoint(dest.address, dest.port)}`, destination: id });
    }
  }
  return changes;
}

/** Applies changes to a table in memory: what the table is believed to be after they succeed. */
export function applyToTable(actual: IpvsService | undefined, desired: DesiredService, applied: Change[]): IpvsService | undefined {
  let table: IpvsService | undefined = actual && { ...actual, destinations: [...actual.destinations] };
  for (const change of applied) {
    if (change.kind === 'add-service' || change.kind === 'edit-service') table = { key: desired.key, ...desired.settings, destinations: table?.destinations ?? [] };
    else if (change.kind === 'delete-service') table = undefined;
    else if (table && change.destination) {
      table.destinations = table.destinations.filter((dest) => destinationId(dest) !== change.destination);
      const dest = desired.destinations.find((candidate) => destinationId(candidate) === change.destination);
      if (change.kind !== 'delete-destination' && dest) table.destinations.push(dest);
    }
  }
  return table;
}
