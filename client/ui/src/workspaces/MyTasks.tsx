/**
 * "Omat tehtävät" (issue 12): this person's open agreed actions and the information
 * requests waiting for him or his organisation, across all his workspaces, by due date —
 * an overdue one says "Myöhässä" in words — each linking into its workspace. The agent
 * builds the list from the plans and records it holds; it is fetched again when records change.
 */
import { useCallback, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Task } from '@yhteispoyta/local-api';
import { tasksApi } from '../api/agent-api';
import { useAgent } from '../app/agent-context';
import { ErrorNotice } from '../app/ErrorNotice';
import { routeHash } from '../app/route';
import { useReload } from '../app/use-reload';

/** The task list on the workspace list. */
export function MyTasks() {
  const { t } = useTranslation();
  const { onRecords } = useAgent();
  const [tasks, setTasks] = useState<readonly Task[] | undefined>(undefined);
  const load = useReload(useCallback(async () => setTasks(await tasksApi.list()), []));
  const { reload } = load;
  useEffect(reload, [reload]);
  useEffect(() => onRecords(() => reload()), [onRecords, reload]);

  return (
    <section className="card my-tasks" aria-labelledby="my-tasks-title">
      <h2 id="my-tasks-title">{t('tasks.title')}</h2>
      <ErrorNotice error={load.error} />
      {tasks === undefined ? (
        <p role="status">{t('common.loading')}</p>
      ) : tasks.length === 0 ? (
        <p className="empty">{t('tasks.none')}</p>
      ) : (
        <ul className="task-list">
          {tasks.map((task) => (
            <li key={`${task.workspaceId}/${task.kind}/${task.id}`} className={task.overdue ? 'task task-overdue' : 'task'} data-testid="my-task">
              <a href={routeHash({ name: 'workspace', workspaceId: task.workspaceId, tab: task.kind === 'action' ? 'plan' : 'records' })}>{task.title}</a>
              <span className="task-meta">
                <span className="badge badge-kind">{task.kind === 'action' ? t('tasks.kindAction') : t(`tasks.kindRequest.${task.addressedTo}`)}</span>{' '}
                {task.workspaceLabel === '' ? t('invitations.noLabel') : task.workspaceLabel} ·{' '}
                {task.due === '' ? t('tasks.noDue') : t('tasks.due', { date: task.due })}
                {task.overdue ? (
                  <span className="badge badge-overdue">
                    <span aria-hidden="true">⚠ </span>
                    {t('tasks.overdue')}
                  </span>
                ) : null}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
