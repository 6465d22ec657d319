// The files in config/ are what users copy: each must validate, and the JSON Schema must be current.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configJsonSchema } from '../src/config/json-schema.js';
import { loadConfig } from '../src/config/load-config.js';
import { loadBuiltinPlugins } from '../src/plugins/load-plugins.js';

const configDir = new URL('../config/', import.meta.url);

describe('config/ examples', () => {
  const examples = readdirSync(configDir).filter((file) => file.endsWith('.yaml'));

  it.each(examples)('%s passes check-config', async (file) => {
    await expect(loadConfig(new URL(file, configDir).pathname)).resolves.toBeDefined();
  });

  it('config/vigil.schema.json matches the code (regenerate: npm run schema)', async () => {
    const committed = JSON.parse(readFileSync(new URL('vigil.schema.json', configDir), 'utf8'));
    expect(committed).toEqual(JSON.parse(JSON.stringify(configJsonSchema(await loadBuiltinPlugins()))));
  });

  it('the schema lets editors complete check options per type', async () => {
    const schema = JSON.stringify(configJsonSchema(await loadBuiltinPlugins()));
    expect(schema).toContain('"expect_status"');
    expect(schema).toContain('"fast_interval"');
  });
});
