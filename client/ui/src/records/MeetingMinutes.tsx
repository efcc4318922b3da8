/**
 * A network meeting's minutes (docs/design.md §11): a Yjs document of its own,
 * `doc:meeting-<id>`, co-edited with live carets like the plan — sealed by the agent like
 * every document — and opened only while the minutes are shown.
 */
import { useTranslation } from 'react-i18next';
import { PlanEditor } from '../plan/PlanEditor';
import { usePlanRoom } from '../plan/use-plan-room';
import type { AwarenessUser } from '../plan/use-plan-room';

/** The document name of a meeting's minutes. */
function minutesDocName(meetingId: string): string {
  return `meeting-${meetingId}`;
}

/** The co-edited minutes of one meeting. */
export function MeetingMinutes({ workspaceId, meetingId, user, labelledBy }: { workspaceId: string; meetingId: string; user: AwarenessUser; labelledBy: string }) {
  const { t } = useTranslation();
  const room = usePlanRoom(workspaceId, user, minutesDocName(meetingId));
  if (room === undefined || !room.synced) return <p role="status">{t('common.loading')}</p>;
  return (
    <div className="record-minutes" data-testid="minutes">
      <PlanEditor room={room} user={user} labelledBy={labelledBy} />
    </div>
  );
}
