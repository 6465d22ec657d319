// The thread behind YamlWorker (yaml-worker.ts): reads each config text it is sent and answers with
// the plain value and the syntax errors, one text at a time, in order. A text the yaml library
// refuses outright (an alias bomb) is answered with the library's message, as reading it on the
// main thread would throw it.
import { parentPort } from 'node:worker_threads';
import { describeError } from '../describe-error.js';
import { readYaml } from './parse-yaml.js';

parentPort!.on('message', (source: string) => {
  try {
    parentPort!.postMessage({ read: readYaml(source) });
  } catch (err) {
    parentPort!.postMessage({ refused: describeError(err) });
  }
});
