/**
 * Entry point of the UI bundle: languages first, then the page inside the agent
 * connection.
 */
import './zod-config';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { AgentProvider } from './app/agent-context';
import { App } from './app/App';
import { initI18n } from './i18n/i18n';
import './styles.css';

initI18n();
const root = document.getElementById('root');
if (root === null) throw new Error('the page has no #root element');
createRoot(root).render(
  <StrictMode>
    <AgentProvider>
      <App />
    </AgentProvider>
  </StrictMode>,
);
