// Every config problem found, each with where it is: file, line, column and key path.
export type ConfigPath = ReadonlyArray<string | number>;

export interface ConfigIssue {
  file: string;
  line?: number;
  column?: number;
  path: ConfigPath;
  message: string;
}

export function formatPath(path: ConfigPath): string {
  return path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`)).join('');
}

export function formatIssue(issue: ConfigIssue): string {
  const where = [issue.file, issue.line, issue.column].filter((part) => part !== undefined).join(':');
  const key = issue.path.length ? `${formatPath(issue.path)}: ` : '';
  return `${where}: ${key}${issue.message}`;
}

/**
 * In the order a reader goes through the files: each file where it first appears, then by line and
 * column (the checks that find them run section by section, not top to bottom). Stable, so issues
 * without a line keep their order.
 */
export function inReadingOrder(issues: ConfigIssue[]): ConfigIssue[] {
  const fileOrder = new Map<string, number>();
  for (const issue of issues) if (!fileOrder.has(issue.file)) fileOrder.set(issue.file, fileOrder.size);
  return [...issues].sort(
    (a, b) => fileOrder.get(a.file)! - fileOrder.get(b.file)! || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
}

export class ConfigError extends Error {
  readonly code = 'VIGIL_CONFIG_INVALID';
  readonly issues: ConfigIssue[];
  constructor(issues: ConfigIssue[]) {
    const sorted = inReadingOrder(issues);
    super(`invalid configuration (${sorted.length} error${sorted.length === 1 ? '' : 's'}):\n${sorted.map(formatIssue).join('\n')}`);
    this.issues = sorted;
    this.name = 'ConfigError';
  }
}
