import type { ImportOptions, ImportResult } from './import-result.js';
export async function translateKeepalived(_text: string, _file: string, _options: ImportOptions): Promise<ImportResult> {
  throw new Error('todo');
}
