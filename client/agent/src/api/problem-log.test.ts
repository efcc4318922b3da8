import { describe, expect, it } from 'vitest';
import { ProblemLog } from './problem-log';

describe('ProblemLog', () => {
  it('drops the problems a resolution matches, and tells of each dropped one', () => {
    const log = new ProblemLog();
    const anna = { userId: 'anna', deviceId: 1 };
    const ben = { userId: 'ben', deviceId: 1 };
    log.report({ code: 'withheld', message: 'm', workspaceId: 'w', stream: 'chat', device: anna });
    log.report({ code: 'withheld', message: 'm', workspaceId: 'w', stream: 'chat', device: ben });
    log.report({ code: 'clock_gap', message: 'm', workspaceId: 'w', stream: 'chat', device: anna });
    const resolved: string[] = [];
    log.onResolved((id) => resolved.push(id));
    const annas = log.list()[0]?.id;
    log.resolve({ code: 'withheld', workspaceId: 'w', device: anna });
    expect(resolved).toEqual([annas]);
    expect(log.list().map((p) => [p.code, p.device?.userId])).toEqual([['withheld', 'ben'], ['clock_gap', 'anna']]);
    log.resolve({ code: 'withheld', workspaceId: 'other' });
    expect(log.list()).toHaveLength(2);
  });
});
