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

export class ConfigError extends Error {
  readonly code = 'VIGIL_CONFIG_INVALID';
  constructor(readonly issues: ConfigIssue[]) {
    super(`invalid configuration (${issues.length} error${issues.length === 1 ? '' : 's'}):\n${issues.map(formatIssue).join('\n')}`);
    this.name = 'ConfigError';
  }
}
