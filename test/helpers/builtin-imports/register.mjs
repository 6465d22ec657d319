// Loaded with `node --import`: reports each Node built-in that an ES module of vigil imports
// (see test/cli-startup.test.ts).
import { register } from 'node:module';

register(new URL('./hooks.mjs', import.meta.url));
