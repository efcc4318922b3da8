/**
 * Editing a workspace's plan the way the UI does: the stock y-websocket `WebsocketProvider`
 * (with `ws` as its WebSocket) against the agent's room `/yjs/<workspaceId>/<docName>`,
 * authenticated with the token offered as a WebSocket protocol. The plan is a TipTap document: TipTap's Collaboration
 * extension binds the Y.XmlFragment named `default` (its default field), holding one
 * `paragraph` element with a Y.XmlText per paragraph. The agent itself is agnostic of
 * the shape; this module only fixes what the tests write and read.
 *
 * Words are inserted whole at word boundaries (and deleted whole), so concurrent edits
 * never split a word: the final text can be checked word by word.
 */
import { WebSocket } from 'ws';
import * as Y from 'yjs';
import { WebsocketProvider } from 'y-websocket';
import type { AgentApi } from './agent-api';
import { waitFor } from './wait-for';
import { webSocketProtocols } from '@yhteispoyta/local-api/auth';

/** The plan's document name: y-websocket room `<workspaceId>/plan`, stream `doc:plan`. */
export const PLAN_DOC_NAME = 'plan';
/** The Y.XmlFragment TipTap's Collaboration extension binds by default. */
const PLAN_FRAGMENT = 'default';

/** The plain text of each paragraph of a TipTap-shaped fragment. */
function paragraphsOf(doc: Y.Doc): string[] {
  return doc
    .getXmlFragment(PLAN_FRAGMENT)
    .toArray()
    .map((node) => {
      if (!(node instanceof Y.XmlElement)) return '';
      return node
        .toArray()
        .map((child) => (child instanceof Y.XmlText ? deltaText(child) : ''))
        .join('');
    });
}

function deltaText(text: Y.XmlText): string {
  const delta = text.toDelta() as { insert?: unknown }[];
  return delta.map((op) => (typeof op.insert === 'string' ? op.insert : '')).join('');
}

/** The words of a text, in order. */
export function wordsOf(text: string): string[] {
  return text.split(/\s+/).filter((w) => w !== '');
}

/** A stock y-websocket client editing one document through one agent. */
export class PlanEditor {
  readonly doc = new Y.Doc();
  readonly provider: WebsocketProvider;

  private constructor(api: AgentApi, workspaceId: string, docName: string) {
    const wsUrl = `${api.url.replace(/^http/, 'ws')}/yjs`;
    this.provider = new WebsocketProvider(wsUrl, `${workspaceId}/${docName}`, this.doc, {
      WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
      protocols: webSocketProtocols(api.token),
      disableBc: true,
    });
  }

  /** Connect to the agent and wait for the first sync with its copy. */
  static async connect(api: AgentApi, workspaceId: string, docName = PLAN_DOC_NAME, timeoutMs = 30_000): Promise<PlanEditor> {
    // An invitation opens no document: the person accepts first (agent-api.ts).
    await api.acceptInvitations();
    const editor = new PlanEditor(api, workspaceId, docName);
    try {
      await editor.synced(timeoutMs);
    } catch (error) {
      editor.destroy();
      throw error;
    }
    return editor;
  }

  /** Wait until the provider is connected and synced with the agent. */
  async synced(timeoutMs = 30_000): Promise<void> {
    await waitFor(() => this.provider.synced, { timeoutMs, intervalMs: 20, what: 'the y-websocket provider to sync' });
  }

  /** The paragraphs' plain text. */
  paragraphs(): string[] {
    return paragraphsOf(this.doc);
  }

  /** The plain text: paragraphs joined by newlines. */
  text(): string {
    return this.paragraphs().join('\n');
  }

  /** Append a paragraph holding `text`. */
  appendParagraph(text: string): void {
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText(text)]);
    const fragment = this.doc.getXmlFragment(PLAN_FRAGMENT);
    fragment.insert(fragment.length, [paragraph]);
  }

  /**
   * Insert `word` and a space at a word boundary of a paragraph chosen with `random`
   * (a new paragraph when there is none).
   */
  insertWord(word: string, random: () => number = Math.random): void {
    const texts = this.#paragraphTexts();
    const target = texts[Math.floor(random() * texts.length)];
    if (target === undefined) {
      this.appendParagraph(`${word} `);
      return;
    }
    const current = deltaText(target);
    const boundaries = [0];
    for (let i = 0; i < current.length; i++) if (current[i] === ' ') boundaries.push(i + 1);
    target.insert(boundaries[Math.floor(random() * boundaries.length)] ?? 0, `${word} `);
  }

  /** Delete one occurrence of `word` (and its trailing space); false if it is not there. */
  deleteWord(word: string): boolean {
    for (const text of this.#paragraphTexts()) {
      const current = deltaText(text);
      const at = wordIndex(current, word);
      if (at >= 0) {
        text.delete(at, word.length + (current[at + word.length] === ' ' ? 1 : 0));
        return true;
      }
    }
    return false;
  }

  /** Disconnect and free the document. */
  destroy(): void {
    this.provider.destroy();
    this.doc.destroy();
  }

  #paragraphTexts(): Y.XmlText[] {
    const out: Y.XmlText[] = [];
    for (const node of this.doc.getXmlFragment(PLAN_FRAGMENT).toArray()) {
      if (!(node instanceof Y.XmlElement)) continue;
      const text = node.toArray().find((child): child is Y.XmlText => child instanceof Y.XmlText);
      if (text !== undefined) out.push(text);
    }
    return out;
  }
}

/** Index of `word` as a whole word in `text`, or -1. */
function wordIndex(text: string, word: string): number {
  let from = 0;
  for (;;) {
    const at = text.indexOf(word, from);
    if (at < 0) return -1;
    const before = at === 0 || text[at - 1] === ' ';
    const after = at + word.length === text.length || text[at + word.length] === ' ';
    if (before && after) return at;
    from = at + 1;
  }
}
