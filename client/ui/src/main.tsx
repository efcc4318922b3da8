/**
 * Entry point of the UI bundle: languages first, then the agent's token out of the
 * address (see api/agent-token.ts), then the page inside the agent connection — or, in a
 * tab without a token the agent accepts, how to open the agent's address.
 */
import './zod-config';
import { StrictMode, useCallback, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { adoptAgentToken, forgetAgentToken } from './api/agent-token';
import { AgentProvider } from './app/agent-context';
import { App } from './app/App';
import { initI18n } from './i18n/i18n';
import { OpenFromAgentView } from './start/OpenFromAgentView';
import type { MissingTokenReason } from './start/OpenFromAgentView';
import './styles.css';

initI18n();
const initialToken = adoptAgentToken();

/** The app while the tab holds a token the agent accepts; otherwise the explanation. */
function TokenGate() {
  const [missing, setMissing] = useState<MissingTokenReason | undefined>(initialToken === undefined ? 'missing' : undefined);
  const onRefused = useCallback(() => {
    forgetAgentToken();
    setMissing('refused');
  }, []);
  if (missing !== undefined) return <OpenFromAgentView reason={missing} />;
  return (
    <AgentProvider onRefused={onRefused}>
      <App />
    </AgentProvider>
  );
}

const root = document.getElementById('root');
if (root === null) throw new Error('the page has no #root element');
createRoot(root).render(
  <StrictMode>
    <TokenGate />
  </StrictMode>,
);
