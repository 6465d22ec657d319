// The thread behind YamlWorker (yaml-worker.ts): reads each config text it is sent and answers with
// the plain value and the syntax errors, one text at a time, in order.
import { parentPort } from 'node:worker_threads';
import { readYaml } from './parse-yaml.js';

parentPort!.on('message', (source: string) => parentPort!.postMessage(readYaml(source)));
