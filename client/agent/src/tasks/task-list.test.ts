import * as Y from 'yjs';
import { describe, expect, it } from 'vitest';
import { localDate } from '@yhteispoyta/local-api';
import type { CaseRecordView, PlanAction } from '@yhteispoyta/local-api';
import { readPlanActions } from './plan-actions';
import { buildTasks } from './task-list';

const me = { userId: 'sari', orgId: 'kunta', professional: true };
const action = (over: Partial<PlanAction>): PlanAction => ({
  id: 'a1', what: 'Varaa aika terveydenhuoltoon', owner: '', organisation: '', due: '', status: 'planned', createdAt: 0, ...over,
});
const request = (over: Partial<Extract<CaseRecordView, { kind: 'request' }>>): CaseRecordView => ({
  id: 'r1', workspaceId: 'w1', kind: 'request', author: { userId: 'kela1', orgId: 'kela', role: 'kela_expert' }, at: 1, seq: 1, pending: false, steps: [],
  status: 'sent', to: { kind: 'org', orgId: 'kunta' }, subject: 'Lisäselvitys aktivointisuunnitelmasta', question: 'q', reason: 'r', due: '2026-12-10', attachments: [], ...over,
});

describe('Omat tehtävät', () => {
  it('lists my open actions by userId and requests to me or my organisation, by due date, none last', () => {
    const tasks = buildTasks(me, [
      {
        workspaceId: 'w1', label: 'Nuori 24 v', records: [
          request({ id: 'r1', due: '2026-12-10' }),
          request({ id: 'r2', to: { kind: 'member', userId: 'sari' }, subject: 'Minulle', due: '2026-11-01' }),
          request({ id: 'r3', to: { kind: 'org', orgId: 'hyvinvointialue' }, subject: 'Muille' }),
          request({ id: 'r4', status: 'answered', subject: 'Vastattu' }),
          request({ id: 'r5', author: { userId: 'sari', orgId: 'kunta', role: 'social_worker' }, subject: 'Oma pyyntö' }),
        ],
        actions: [
          action({ id: 'a1', ownerUserId: 'sari', due: '2026-12-01' }),
          action({ id: 'a2', ownerUserId: 'sari', status: 'done', due: '2026-10-01' }),
          action({ id: 'a3', ownerUserId: 'kela1', due: '2026-10-01' }),
          action({ id: 'a4', owner: 'sari', due: '2026-10-01' }),
          action({ id: 'a5', ownerUserId: 'sari', what: 'Ilman päivää' }),
        ],
      },
      { workspaceId: 'w2', label: 'Toinen', records: [], actions: [action({ id: 'b1', ownerUserId: 'sari', due: '2026-11-20', status: 'in_progress' })] },
    ], '2026-11-25');
    expect(tasks.map((t) => `${t.workspaceId}/${t.id}`)).toEqual(['w1/r2', 'w2/b1', 'w1/a1', 'w1/r1', 'w1/a5']);
    expect(tasks.map((t) => t.overdue)).toEqual([true, true, false, false, false]);
    expect(tasks[0]).toMatchObject({ kind: 'request', addressedTo: 'me', from: { userId: 'kela1', orgId: 'kela' }, workspaceLabel: 'Nuori 24 v' });
    expect(tasks[3]).toMatchObject({ kind: 'request', addressedTo: 'my_org' });
  });

  it('a client answers requests to himself only, never his "organisation"', () => {
    const client = { userId: 'asiakas', orgId: 'clients', professional: false };
    const tasks = buildTasks(client, [{ workspaceId: 'w1', label: '', actions: [], records: [
      request({ id: 'r1', to: { kind: 'org', orgId: 'clients' } }),
      request({ id: 'r2', to: { kind: 'member', userId: 'asiakas' } }),
    ] }], '2026-01-01');
    expect(tasks.map((t) => t.id)).toEqual(['r2']);
  });

  it('reads the plan document: entries that do not parse are skipped, an id twice counts once', () => {
    const doc = new Y.Doc();
    const entry = (fields: Record<string, unknown>) => {
      const map = new Y.Map<unknown>();
      for (const [k, v] of Object.entries(fields)) map.set(k, k === 'what' ? new Y.Text(String(v)) : v);
      return map;
    };
    const fields = { id: 'd-x', what: 'Tee', owner: '', organisation: '', ownerUserId: 'sari', due: '', status: 'planned', createdAt: 1, fromMeetingId: 'm1', fromDecisionId: 'x' };
    doc.getArray('actions').push([entry(fields), entry({ ...fields, what: 'Toinen kopio' }), entry({ id: 'bad id!', what: 'x' }), 'not a map']);
    const read = readPlanActions(doc);
    expect(read).toHaveLength(1);
    expect(read[0]).toMatchObject({ id: 'd-x', what: 'Tee', ownerUserId: 'sari', fromDecisionId: 'x' });
  });

  it('localDate is the calendar day of the running machine', () => {
    const d = new Date(2026, 0, 5, 23, 30);
    expect(localDate(d.getTime())).toBe('2026-01-05');
  });
});
