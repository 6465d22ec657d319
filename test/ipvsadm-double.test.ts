// The ipvsadm double must behave like ipvsadm 1.31 as /work/shared/reference/ipvsadm.md records
// it: formats, messages, exit codes, argument rules. Otherwise the LVS tests prove nothing.
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { calls, doubleEnv, runDouble, type DoubleEnv } from './helpers/ipvsadm-double.js';
import { tempDir } from './helpers/temp-dir.js';

let tmp: ReturnType<typeof tempDir>;
let env: DoubleEnv;
beforeEach(() => {
  tmp = tempDir('vigil-ipvsadm-');
  env = doubleEnv(tmp.dir);
});
afterEach(() => tmp.cleanup());

// The reference's examples, verbatim.
const SAVED = `-A -t 192.0.2.200:80 -s wrr
-a -t 192.0.2.200:80 -r 127.77.0.1:8080 -m -w 3
-a -t 192.0.2.200:80 -r 127.77.0.2:8080 -m -w 0
-a -t 192.0.2.200:80 -r 127.77.0.3:80 -g -w 1
-A -t 192.0.2.202:0 -s rr -p 360
-A -u 192.0.2.203:53 -s rr -o
-A -f 7 -s sh -p 600 -M 255.255.255.0 -b sh-fallback,sh-port
-a -f 7 -r 127.77.0.9:0 -g -w 2
`;

const LISTED = `IP Virtual Server version 1.2.1 (size=4096)
Prot LocalAddress:Port Scheduler Flags
  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn
TCP  192.0.2.200:80 wrr
  -> 127.77.0.1:8080              Masq    3      0          0         
  -> 127.77.0.2:8080              Masq    0      0          0         
  -> 127.77.0.3:80                Route   1      0          0         
TCP  192.0.2.202:0 rr persistent 360
UDP  192.0.2.203:53 rr ops
FWM  7 sh (sh-fallback,sh-port) persistent 600 mask 255.255.255.0
  -> 127.77.0.9:0                 Route   2      0          0         
`;

const ipvsadm = (...args: string[]) => runDouble(env, args);

describe('ipvsadm double', () => {
  it('reproduces the reference table in -S -n and -L -n form, built command by command in any order', () => {
    // Built in a shuffled order with the long option names: the output is sorted as IPVS sorts it.
    for (const args of [
      ['--add-service', '--fwmark-service', '7', '-s', 'sh', '-p', '600', '-M', '255.255.255.0', '-b', 'sh-fallback,sh-port'],
      ['-A', '-u', '192.0.2.203:53', '-s', 'rr', '-o'],
      ['-A', '-t', '192.0.2.202:0', '-s', 'rr', '-p'],
      ['-A', '--tcp-service', '192.0.2.200:80', '--scheduler', 'wrr'],
      ['-a', '-t', '192.0.2.200:80', '-r', '127.77.0.3:8888', '-g'], // -g forces the service port
      ['-a', '-t', '192.0.2.200:80', '-r', '127.77.0.2:8080', '-m', '-w', '0'],
      ['-a', '-t', '192.0.2.200:80', '--real-server', '127.77.0.1:8080', '--masquerading', '--weight', '3'],
      ['-a', '-f', '7', '-r', '127.77.0.9', '-g', '-w', '2'],
    ]) {
      expect(ipvsadm(...args), args.join(' ')).toMatchObject({ code: 0, stdout: '', stderr: '' });
    }
    expect(ipvsadm('-S', '-n')).toEqual({ code: 0, stdout: SAVED, stderr: '' });
    expect(ipvsadm('-L', '-n')).toEqual({ code: 0, stdout: LISTED, stderr: '' });
  });

  it('restores the reference -S lines with -R and lists one service without the version line', () => {
    expect(runDouble(env, ['-R'], SAVED)).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(ipvsadm('-S', '-n').stdout).toBe(SAVED);
    expect(ipvsadm('-L', '-n', '-t', '192.0.2.200:80').stdout).toBe(LISTED.split('\n').slice(1, 7).join('\n') + '\n');
    expect(ipvsadm('-L', '-n', '-t', '192.0.2.99:80')).toEqual({ code: 1, stdout: expect.any(String), stderr: 'No such service\n' });
  });

  it.each([
    [['-A', '-t', '192.0.2.200:80'], 255, 'Service already exists'],
    [['-a', '-t', '192.0.2.200:80', '-r', '127.77.0.1:8080', '-m'], 255, 'Destination already exists'],
    [['-a', '-t', '192.0.2.9:80', '-r', '127.77.0.1:8080'], 255, 'Service not defined'],
    [['-e', '-t', '192.0.2.9:80', '-r', '127.77.0.1:8080'], 255, 'Service not defined'],
    [['-d', '-t', '192.0.2.9:80', '-r', '127.77.0.1:8080'], 255, 'Service not defined'],
    [['-e', '-t', '192.0.2.200:80', '-r', '127.77.0.8:8080', '-m'], 255, 'No such destination'],
    [['-d', '-t', '192.0.2.200:80', '-r', '127.77.0.8:8080'], 255, 'No such destination'],
    [['-E', '-t', '192.0.2.9:80', '-s', 'rr'], 255, 'No such service'],
    [['-D', '-t', '192.0.2.9:80'], 255, 'No such service'],
    [['-Z', '-t', '192.0.2.9:80'], 255, 'No such service'],
    [['-A', '-t', '192.0.2.9:80', '-s', 'nosuch'], 255, 'Scheduler or persistence engine not found'],
    [['-a', '-t', '192.0.2.200:80', '-r', '127.77.0.5:80', '-w', 'heavy'], 2, 'illegal weight specified'],
    [['-a', '-t', '192.0.2.200:80', '-r', '127.77.0.5:80', '-w', '2147483648'], 2, 'illegal weight specified'],
    [['-a', '-t', '192.0.2.200:80', '-m'], 2, "You need to supply the 'real-server' option for the 'add-server' command"],
    [['-A', '-t', '192.0.2.9:0', '-s', 'rr'], 2, 'Zero port specified for non-persistent service'],
  ])('%j exits %i with "%s"', (args, code, message) => {
    runDouble(env, ['-R'], SAVED);
    const before = ipvsadm('-S', '-n').stdout;
    expect(ipvsadm(...(args as string[]))).toEqual({ code, stdout: '', stderr: `${message}\n` });
    expect(ipvsadm('-S', '-n').stdout).toBe(before); // a failed command changes nothing
  });

  it('accepts the largest weight Debian takes, and -p alone means 360 seconds', () => {
    expect(ipvsadm('-A', '-t', '192.0.2.1:0', '-p').code).toBe(0);
    expect(ipvsadm('-a', '-t', '192.0.2.1:0', '-r', '10.0.0.1:80', '-m', '-w', '2147483647').code).toBe(0);
    expect(ipvsadm('-S', '-n').stdout).toBe('-A -t 192.0.2.1:0 -s wlc -p 360\n-a -t 192.0.2.1:0 -r 10.0.0.1:80 -m -w 2147483647\n');
  });

  it('-d of a NAT destination finds it by its own port (the port is forced only for -g/-i adds and edits)', () => {
    runDouble(env, ['-R'], SAVED);
    expect(ipvsadm('-d', '-t', '192.0.2.200:80', '-r', '127.77.0.1:8080').code).toBe(0);
    expect(ipvsadm('-e', '-t', '192.0.2.200:80', '-r', '127.77.0.3:1234', '-g', '-w', '5').code).toBe(0);
    expect(ipvsadm('-S', '-n').stdout).toContain('-a -t 192.0.2.200:80 -r 127.77.0.3:80 -g -w 5\n');
  });

  it('-R goes on past kernel errors and exits with the last line’s status; a parse error stops it, earlier lines kept', () => {
    const restore = runDouble(env, ['-R'], '-A -t 192.0.2.1:80\n-A -t 192.0.2.1:80\n-A -t 192.0.2.2:80\n');
    expect(restore).toEqual({ code: 0, stdout: '', stderr: 'Service already exists\n' });
    expect(runDouble(env, ['-R'], '-A -t 192.0.2.1:80\n').code).toBe(255);
    const stopped = runDouble(env, ['-R'], '-A -t 192.0.2.3:80\n-a -t 192.0.2.3:80 -r 10.0.0.1 -w x\n-A -t 192.0.2.4:80\n');
    expect(stopped).toEqual({ code: 2, stdout: '', stderr: 'illegal weight specified\n' });
    expect(ipvsadm('-S', '-n').stdout).toBe('-A -t 192.0.2.1:80 -s wlc\n-A -t 192.0.2.2:80 -s wlc\n-A -t 192.0.2.3:80 -s wlc\n');
  });

  it('sorts IPv4 before IPv6, TCP before UDP, addresses numerically, fwmarks last', () => {
    for (const svc of [['-f', '3'], ['-u', '10.0.0.2:53'], ['-t', '[2001:db8::1]:80'], ['-t', '10.0.0.10:80'], ['-t', '10.0.0.9:80'], ['-t', '10.0.0.9:8']]) {
      expect(ipvsadm('-A', ...svc).code).toBe(0);
    }
    expect(ipvsadm('-S', '-n').stdout.split('\n').filter(Boolean)).toEqual([
      '-A -t 10.0.0.9:8 -s wlc',
      '-A -t 10.0.0.9:80 -s wlc',
      '-A -t 10.0.0.10:80 -s wlc',
      '-A -u 10.0.0.2:53 -s wlc',
      '-A -t [2001:db8::1]:80 -s wlc',
      '-A -f 3 -s wlc',
    ]);
  });

  it('keeps an IPv6 address as the kernel does and prints it with inet_ntop: however it was written, one entry', () => {
    expect(ipvsadm('-A', '-t', '[2001:DB8:0:0::A]:80').code).toBe(0);
    expect(ipvsadm('-A', '-t', '[2001:db8::a]:80')).toMatchObject({ code: 255, stderr: 'Service already exists\n' });
    expect(ipvsadm('-a', '-t', '[2001:db8::a]:80', '-r', '[::FFFF:10.0.0.1]:80', '-m').code).toBe(0);
    expect(ipvsadm('-S', '-n').stdout).toBe('-A -t [2001:db8::a]:80 -s wlc\n-a -t [2001:db8::a]:80 -r [::ffff:10.0.0.1]:80 -m -w 1\n');
  });

  it('-C clears the table; plain ipvsadm lists it', () => {
    runDouble(env, ['-R'], SAVED);
    expect(ipvsadm().stdout).toBe(LISTED);
    expect(ipvsadm('-C').code).toBe(0);
    expect(ipvsadm('-S', '-n').stdout).toBe('');
  });

  it('fails like this kernel when told there is no IPVS, and logs every invocation', () => {
    const noIpvs = runDouble({ ...env, IPVSADM_DOUBLE_NO_IPVS: '1' }, ['-h']);
    expect(noIpvs).toEqual({ code: 2, stdout: '', stderr: "Can't initialize ipvs: Protocol not available\nAre you sure that IP Virtual Server is built in the kernel or as module?\n" });
    ipvsadm('-A', '-t', '192.0.2.1:80', '-s', 'rr');
    expect(calls(env)).toEqual([
      { argv: ['-h'], exit: 2 },
      { argv: ['-A', '-t', '192.0.2.1:80', '-s', 'rr'], exit: 0 },
    ]);
    expect(readFileSync(env.IPVSADM_DOUBLE_STATE, 'utf8')).toContain('192.0.2.1');
  });
});
