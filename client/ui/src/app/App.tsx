/**
 * The page: a skip link, the header, the view the agent's state calls for (start, the
 * workspace list or a workspace), the problem list and the status bar. Until the agent
 * answers, the page says it is waiting for it; if it cannot be reached, it says so.
 */
import { useEffect, useRef } from 'react';
import { useTranslation } from 'react-i18next';
import { Header } from '../shell/Header';
import { ProblemList } from '../shell/ProblemList';
import { StatusBar } from '../shell/StatusBar';
import { StartView } from '../start/StartView';
import { WorkspaceList } from '../workspaces/WorkspaceList';
import { WorkspaceView } from '../workspace/WorkspaceView';
import { useAgent } from './agent-context';
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
        <a className="skip-link" href="#main">
          {t('common.skip')}
        </a>
        <Header />
        {status === undefined ? (
          <main id="main" tabIndex={-1} className="main">
            <p role="status">{events === 'closed' ? t('common.agentUnreachable') : t('common.connecting')}</p>
          </main>
        ) : status.state === 'ready' ? (
          <ReadyPage />
        ) : (
          <main id="main" tabIndex={-1} className="main">
            <StartView status={status} />
          </main>
        )}
        {status?.state === 'ready' ? null : <StatusBar />}
      </WorkspacesProvider>
    </PeopleProvider>
  );
}

function ReadyPage() {
  const route = useRoute();
  const { labelOf } = useWorkspaces();
  const main = useRef<HTMLElement>(null);
  useFocusOnNavigation(route, main);
  return (
    <>
      <main id="main" tabIndex={-1} className="main" ref={main}>
        {route.name === 'list' ? <WorkspaceList /> : <WorkspaceView workspaceId={route.workspaceId} tab={route.tab} />}
      </main>
      <ProblemList workspaceLabel={labelOf} />
      <StatusBar />
    </>
  );
}

/** After moving to another view, focus goes to the main region so screen readers start at the new content. */
function useFocusOnNavigation(route: Route, main: { readonly current: HTMLElement | null }) {
  const key = route.name === 'list' ? 'list' : `${route.workspaceId}/${route.tab}`;
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus({ preventScroll: false });
  }, [key, main]);
}
