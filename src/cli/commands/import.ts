// `vigil import mon|ldirectord|keepalived FILE`: migrate an existing director's config in one
// command. Writes a commented Vigil config (stdout or -o FILE), checked with the same loader as
// `vigil check-config`; `--check` says what would behave differently; `--json` gives the report.
import { writeFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from '../commander.js';
import { checkReport, importSummary, secretLines } from '../../import/import-report.js';
import type { SourceFormat } from '../../import/import-result.js';
import { FORMATS, ImportError, renderAndValidate, translate } from '../../import/run-import.js';
import { examples } from '../config-option.js';
import { quietOnClosedPipe } from '../format.js';

interface ImportCommandOptions {
  output?: string;
  check?: boolean;
  json?: boolean;
  keepMonitors?: boolean;
  intervalScale?: number;
}

function positiveNumber(text: string): number {
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new InvalidArgumentError('expected a number above 0, e.g. 0.1');
  return value;
}

export function importCommand(): Command {
  return new Command('import')
    .description('translate a mon.cf, ldirectord.cf or keepalived.conf into a commented Vigil config that does the same job')
    .argument('<format>', `the source: ${FORMATS.join(', ')}`)
    .argument('<file>', 'the source config file')
    .option('-o, --output <file>', 'write the Vigil config here (default: stdout)')
    .option('--check', 'print what would behave differently, what was not translated and what to fill in, instead of the config')
    .option('--json', 'print the report (and the config) as JSON')
    .option('--keep-monitors', "mon: run every monitor as a script check, even where a built-in check does the same job")
    .option('--interval-scale <factor>', 'multiply every check and alert timing, e.g. 0.1 to try an import quickly (default 1: the source\'s timings)', positiveNumber)
    .addHelpText(
      'after',
      examples([
        'vigil import mon /etc/mon/mon.cf -o /etc/vigil/vigil.yaml',
        'vigil import mon /etc/mon/mon.cf --check          # what changes in behaviour, what was not translated',
        'vigil import ldirectord /etc/ha.d/ldirectord.cf -o vigil.yaml',
        'vigil import keepalived /etc/keepalived/keepalived.conf --check',
        'vigil import keepalived keepalived.conf --json | jq .untranslated',
        '# then: vigil check-config -c vigil.yaml && vigil run -c vigil.yaml',
      ]),
    )
    .action(async (format: string, file: string, options: ImportCommandOptions) => {
      if (!(FORMATS as readonly string[]).includes(format)) {
        console.error(`vigil import: unknown format '${format}'; expected one of: ${FORMATS.join(', ')}`);
        process.exitCode = 1;
        return;
      }
      let result;
      try {
        result = await translate(format as SourceFormat, file, { keepMonitors: options.keepMonitors, intervalScale: options.intervalScale });
      } catch (err) {
        if (!(err instanceof ImportError)) throw err;
        if (options.json) console.log(JSON.stringify({ ok: false, error: err.message }));
        else console.error(`vigil import: ${err.message}`);
        process.exitCode = 1;
        return;
      }
      const { yaml, errors, secrets } = await renderAndValidate(result);
      if (errors.length) {
        // The translators should never produce this: say so plainly, with the config for a bug report.
        console.error(`vigil import: the generated config does not pass check-config (a bug in vigil import; please report it with the source file):\n${errors.join('\n')}`);
        process.exitCode = 2;
      }
      if (options.output) writeFileSync(options.output, yaml);
      quietOnClosedPipe();
      if (options.json) {
        const { format: _f, file: _file, config, ...report } = result;
        console.log(JSON.stringify({ ok: errors.length === 0, format, file, output: options.output, ...report, secrets, config, errors }, null, 2));
      } else if (options.check) {
        process.stdout.write(checkReport(result, secrets, options.output));
      } else {
        if (!options.output) process.stdout.write(yaml);
        console.error(importSummary(result, secrets));
        // Written as the source had them: said here, not only by a check-config the operator may skip.
        for (const line of secretLines(secrets, options.output)) console.error(`  ${line}`);
        for (const problem of result.problems) console.error(`  ${problem.file.split('/').pop()}:${(problem.lines ?? [problem.line]).join(', ')}: ${problem.message}`);
        console.error(`  (vigil import ${format} ${file} --check: what behaves differently, what was not translated)`);
      }
    });
}
