/** A source the importer cannot read at all (missing, unreadable, an include that fails). */
export class ImportError extends Error {}
