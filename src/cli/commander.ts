// commander for the CLI's modules, loaded with require (see require-commonjs.ts). Import Command,
// Option and InvalidArgumentError from here, not from 'commander'.
import type * as Commander from 'commander';
import { requireCommonJs } from '../require-commonjs.js';

const commander = requireCommonJs('commander') as typeof Commander;

export const Command = commander.Command;
export type Command = Commander.Command;
export const Option = commander.Option;
export type Option = Commander.Option;
export const InvalidArgumentError = commander.InvalidArgumentError;
export type InvalidArgumentError = Commander.InvalidArgumentError;
