// The files in config/ are what users copy: each must validate, and the JSON Schema must be current.
import { readdirSync, readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
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

  // What an editor does with it: every example the project ships must be valid there too (a
  // director's config has only virtual_servers, and was marked red from its first line).
  it.each(examples)('%s is valid against the JSON Schema, as an editor checks it', async (file) => {
    const validate = new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(new URL('vigil.schema.json', configDir), 'utf8')));
    const valid = validate(parse(readFileSync(new URL(file, configDir), 'utf8')));
    expect(validate.errors ?? [], file).toEqual([]);
    expect(valid).toBe(true);
  });

  it('the schema lets editors complete check options per type', async () => {
    const schema = JSON.stringify(configJsonSchema(await loadBuiltinPlugins()));
    expect(schema).toContain('"expect_status"');
    expect(schema).toContain('"fast_interval"');
  });
});
