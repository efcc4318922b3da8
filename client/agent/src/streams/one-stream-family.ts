/**
 * What a family of exactly one stream per workspace (chat, records) shares as a
 * StreamHandler: which workspaces it follows, and that it owns its one stream name.
 */

/** The following part of a one-stream family. */
export abstract class OneStreamFamily {
  readonly #stream: string;
  readonly #followed = new Set<string>();

  constructor(stream: string) {
    this.#stream = stream;
  }

  /** Follow a workspace's stream; returns false if it was followed already. */
  follow(workspaceId: string): boolean {
    if (this.#followed.has(workspaceId)) return false;
    this.#followed.add(workspaceId);
    return true;
  }

  owns(stream: string): boolean {
    return stream === this.#stream;
  }

  streamsOf(workspaceId: string): readonly string[] {
    return this.#followed.has(workspaceId) ? [this.#stream] : [];
  }
}
