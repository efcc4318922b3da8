/**
 * Sustained, seeded editing and chatting by several agents in the background: words
 * inserted into (and now and then deleted from) the plan through each agent's stock
 * y-websocket editor, chat messages sent through each agent's API. Everything done is
 * recorded, so that afterwards exactly what must be there can be checked.
 */
import type { ClusterAgent, PlanEditor } from '../integration/harness';
import { sleep, wordsOf } from '../integration/harness';
import type { Prng } from '@yhteispoyta/test-support/prng';

/** An agent and the editor typing through it. */
export interface Participant {
  readonly agent: ClusterAgent;
  /** replaced when the agent restarts (its y-websocket room moves with its port) */
  editor: PlanEditor;
}

/** A sent chat message: its author and unique text. */
export interface SentChat {
  readonly author: string;
  readonly text: string;
}

/** Options of {@link Activity}. */
export interface ActivityOptions {
  /** the workspace edited and chatted in */
  readonly workspaceId: string;
  /** pause between two actions */
  readonly paceMs: number;
  /** share of actions that send a chat message */
  readonly chatShare: number;
  /** share of actions that delete one of the author's own words */
  readonly deleteShare: number;
}

/** Background typing and chatting; {@link stop} resolves once the last action is done. */
export class Activity {
  /** every word typed, with its author's name */
  readonly authorOf = new Map<string, string>();
  readonly deleted = new Set<string>();
  readonly chats: SentChat[] = [];
  /** chat sends the agent's API refused (it must queue them instead, online or not) */
  readonly chatErrors: string[] = [];
  readonly #participants: readonly Participant[];
  readonly #prng: Prng;
  readonly #opts: ActivityOptions;
  #running = false;
  #loop: Promise<void> = Promise.resolve();
  #counter = 0;

  constructor(participants: readonly Participant[], prng: Prng, opts: ActivityOptions) {
    this.#participants = participants;
    this.#prng = prng;
    this.#opts = opts;
  }

  /** Start acting in the background. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = this.#run();
  }

  /** Stop after the current action. */
  async stop(): Promise<void> {
    this.#running = false;
    await this.#loop;
  }

  /** The words the plan must hold: typed and not deleted. */
  expectedWords(): string[] {
    return [...this.authorOf.keys()].filter((word) => !this.deleted.has(word));
  }

  /** Words typed by `author` (its editor's own words), for deletions. */
  #ownWordsIn(participant: Participant): string[] {
    const name = participant.agent.name;
    return wordsOf(participant.editor.text()).filter((word) => this.authorOf.get(word) === name && !this.deleted.has(word));
  }

  async #act(participant: Participant): Promise<void> {
    const roll = this.#prng.float();
    const name = participant.agent.name;
    this.#counter += 1;
    if (roll < this.#opts.chatShare) {
      const text = `${name} viesti ${this.#counter}`;
      try {
        await participant.agent.api.sendChat(this.#opts.workspaceId, text);
        this.chats.push({ author: name, text });
      } catch (error) {
        this.chatErrors.push(`${name}: ${error instanceof Error ? error.message : String(error)}`);
      }
      return;
    }
    if (roll < this.#opts.chatShare + this.#opts.deleteShare) {
      const own = this.#ownWordsIn(participant);
      if (own.length > 0) {
        const word = this.#prng.pick(own);
        if (participant.editor.deleteWord(word)) this.deleted.add(word);
        return;
      }
    }
    const word = `${name}-${this.#counter}`;
    participant.editor.insertWord(word, () => this.#prng.float());
    this.authorOf.set(word, name);
  }

  async #run(): Promise<void> {
    while (this.#running) {
      await this.#act(this.#prng.pick(this.#participants));
      await sleep(this.#opts.paceMs);
    }
  }
}
