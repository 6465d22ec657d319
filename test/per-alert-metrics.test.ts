// The per-alert gauges follow what each alert's plugin last reported: a status sets its series, a
// status without the gauge's value or a withdrawn one (the alert removed by a reload) takes it away.
import { EventEmitter } from 'node:events';
import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { pluginStatusGauge } from '../src/metrics/per-alert.js';
import type { PluginStatus } from '../src/plugin.js';
import type { Supervisor } from '../src/supervisor.js';

const status = (healthy: boolean, detail?: Record<string, unknown>): PluginStatus => ({ healthy, summary: 'test', detail, staleAfterMs: 60_000 });

describe('pluginStatusGauge', () => {
  it('one series per alert from its last status; none once the value is missing or the status withdrawn', async () => {
    const supervisor = new EventEmitter();
    const registry = new client.Registry();
    pluginStatusGauge(supervisor as unknown as Supervisor, 'test_failing', 'Failing changes', (s) => (typeof s.detail?.failing === 'number' ? s.detail.failing : undefined), [registry]);
    const series = async () => (await registry.metrics()).split('\n').filter((line) => line.startsWith('test_failing{'));

    supervisor.emit('plugin-status', { alert: 'lvs-a', status: status(false, { failing: 2 }) });
    supervisor.emit('plugin-status', { alert: 'lvs-b', status: status(true, { failing: 0 }) });
    expect(await series()).toEqual(['test_failing{alert="lvs-a"} 2', 'test_failing{alert="lvs-b"} 0']);

    supervisor.emit('plugin-status', { alert: 'lvs-a', status: status(true, {}) }); // no value: no series
    supervisor.emit('plugin-status', { alert: 'lvs-b', status: undefined }); // withdrawn
    expect(await series()).toEqual([]);
  });
});
