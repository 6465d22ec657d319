// A plain object as YAML and JSON give one (not null, not an array): the shape config sections,
// plugin options and header maps are checked for before their keys are read.
export const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
