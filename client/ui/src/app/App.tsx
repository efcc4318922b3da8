/**
 * The page: a skip link, the header, the view the agent's state calls for (start, the
 * workspace list, this person's devices or a workspace), the problem list and the status
 * bar. Until the agent answers, the page says it is waiting for it; if it cannot be
 * reached, it says so. A device that is not certified (yet) is in no workspace: instead
 * of an empty list the page says what it waits for.
 */
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { HostStatus } from '@yhteispoyta/local-api';
import { DevicesView } from '../devices/DevicesView';
import { WaitingDevicesNotice } from '../devices/WaitingDevicesNotice';
import { Header } from '../shell/Header';
import { ProblemList } from '../shell/ProblemList';
import { StatusBar } from '../shell/StatusBar';
import { CertificationView } from '../start/CertificationView';
import { StartView } from '../start/StartView';
import { WorkspaceList } from '../workspaces/WorkspaceList';
import { WorkspaceView } from '../workspace/WorkspaceView';
import { ReachKeeper } from '../reach/use-reach';
import { RemovalNotices, useRemovalProblemsSettled } from '../reach/RemovalNotices';
import { useAgent } from './agent-context';
import { certificationView } from './certification';
import type { CertificationView as CertificationState } from './certification';
import { DevicesProvider } from './devices-context';
import { PeopleProvider } from './people-context';
import { useRoute } from './route';
import type { Route } from './route';
import { WorkspacesProvider, useWorkspaces } from './workspaces-context';

/** The whole page. */
export function App() {
  const { t } = useTranslation();
  const { status, events } = useAgent();
  const state = status?.state;
  // Whoever opens a profile next starts at the workspace list, not in the previous person's view.
  useEffect(() => {
    if (state !== undefined && state !== 'ready' && window.location.hash !== '' && window.location.hash !== '#/') {
      window.history.replaceState(null, '', '#/');
    }
  }, [state]);
  return (
    <PeopleProvider>
      <WorkspacesProvider>
        <DevicesProvider>
          <a className="skip-link" href="#main">
            {t('common.skip')}
          </a>
          <Header />
          {status === undefined ? (
            <main id="main" tabIndex={-1} className="main">
              <p role="status">{events === 'closed' ? t('common.agentUnreachable') : t('common.connecting')}</p>
            </main>
          ) : status.state === 'ready' && status.device !== undefined ? (
            <ReadyPage device={status.device} />
          ) : (
            <main id="main" tabIndex={-1} className="main">
              <StartView status={status} />
            </main>
          )}
          {status?.state === 'ready' && status.device !== undefined ? null : <StatusBar />}
        </DevicesProvider>
      </WorkspacesProvider>
    </PeopleProvider>
  );
}

function ReadyPage({ device }: { device: NonNullable<HostStatus['device']> }) {
  const route = useRoute();
  const { labelOf } = useWorkspaces();
  const main = useRef<HTMLElement>(null);
  const view = certificationView(device);
  useFocusOnNavigation(route, main);
  useRemovalProblemsSettled();
  const announcement = useCertificationAnnouncement(view, routeKey(route));
  return (
    <>
      <main id="main" tabIndex={-1} className="main" ref={main}>
        <div role="status" className="page-status">
          {announcement === undefined ? null : <p className={`notice ${view === 'certified' ? 'notice-success' : 'notice-danger'}`}>{announcement}</p>}
        </div>
        {view !== 'certified' ? (
          <CertificationView view={view} certification={device.certification} />
        ) : (
          <>
            <ReachKeeper />
            {route.name === 'devices' ? null : <WaitingDevicesNotice />}
            {route.name === 'list' ? <RemovalNotices /> : null}
            {route.name === 'list' ? <WorkspaceList /> : route.name === 'devices' ? <DevicesView /> : <WorkspaceView workspaceId={route.workspaceId} tab={route.tab} />}
          </>
        )}
      </main>
      <ProblemList workspaceLabel={labelOf} />
      <StatusBar />
    </>
  );
}

/**
 * A sentence for the moment this device's certification changes while the page is open
 * (it arrives by itself: certified, or revoked); nothing on first render, and gone once
 * the user moves to another view.
 */
function useCertificationAnnouncement(view: CertificationState, where: string): string | undefined {
  const { t } = useTranslation();
  const previous = useRef(view);
  const [said, setSaid] = useState<CertificationState | undefined>(undefined);
  useEffect(() => {
    if (previous.current === view) return;
    previous.current = view;
    setSaid(view === 'certified' || view === 'revoked' ? view : undefined);
  }, [view]);
  useEffect(() => setSaid(undefined), [where]);
  if (said === undefined || said !== view) return undefined;
  return said === 'certified' ? t('certification.nowCertified') : t('certification.nowRevoked');
}

function routeKey(route: Route): string {
  return route.name === 'workspace' ? `${route.workspaceId}/${route.tab}` : route.name;
}

/** After moving to another view, focus goes to the main region so screen readers start at the new content. */
function useFocusOnNavigation(route: Route, main: { readonly current: HTMLElement | null }) {
  const key = routeKey(route);
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: false });
  }, [key, main]);
}
