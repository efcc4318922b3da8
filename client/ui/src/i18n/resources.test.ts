/**
 * The three languages say everything: the resource files have the same keys, no string
 * is empty, placeholders agree between languages, every literal key the source code
 * asks for exists, and so does every key built from a list of codes.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES, ROLES, TIMELINE_GROUPS, TIMELINE_KINDS } from '@yhteispoyta/local-api';
import { CERTIFICATION_STEPS, CERTIFICATION_VIEWS } from '../app/certification';
import { KNOWN_ERROR_CODES } from '../app/errors';
import { WORKSPACE_TABS } from '../app/route';
import { STRENGTH_LEVELS } from '../lib/passphrase-strength';
import { ACTION_STATUSES, TEMPLATE_SECTIONS } from '../plan/plan-doc';
import { LINK_STATES } from '../shell/link-state';
import { NOTICE_KEYS } from '../members/notices';
import { CODE_KINDS } from '../start/one-time-code';
import en from './en.json';
import fi from './fi.json';
import sv from './sv.json';

const resources = { fi, sv, en } as const;
const srcDir = fileURLToPath(new URL('..', import.meta.url));

/** Every leaf of a resource tree as `dotted.key → string`. */
function flatten(tree: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (typeof tree === 'object' && tree !== null && !Array.isArray(tree)) {
    for (const [key, value] of Object.entries(tree)) flatten(value, prefix === '' ? key : `${prefix}.${key}`, out);
  } else {
    out.set(prefix, tree);
  }
  return out;
}

const flat = { fi: flatten(fi), sv: flatten(sv), en: flatten(en) };
const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Whether `key` resolves in a flattened resource, directly or as a plural family. */
function has(resource: Map<string, unknown>, key: string): boolean {
  return resource.has(key) || resource.has(`${key}_one`) || resource.has(`${key}_other`);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return /\.(ts|tsx)$/.test(name) && !name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('language resources', () => {
  it('have the same keys in Finnish, Swedish and English', () => {
    const fiKeys = [...flat.fi.keys()].sort();
    expect([...flat.sv.keys()].sort()).toEqual(fiKeys);
    expect([...flat.en.keys()].sort()).toEqual(fiKeys);
    expect(fiKeys.length).toBeGreaterThan(200);
  });

  it('have no missing, empty or non-string values', () => {
    for (const [language, resource] of Object.entries(flat)) {
      for (const [key, value] of resource) {
        expect(typeof value, `${language}:${key}`).toBe('string');
        expect(String(value).trim(), `${language}:${key}`).not.toBe('');
      }
    }
  });

  it('use the same placeholders in every language', () => {
    const placeholders = (text: unknown) => [...String(text).matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]).sort();
    for (const [key, value] of flat.fi) {
      expect(placeholders(flat.sv.get(key)), `sv:${key}`).toEqual(placeholders(value));
      expect(placeholders(flat.en.get(key)), `en:${key}`).toEqual(placeholders(value));
    }
  });

  it('contain every literal key the source code uses', () => {
    const used = new Set<string>();
    for (const file of sourceFiles(srcDir)) {
      for (const match of readFileSync(file, 'utf8').matchAll(/\bt\(\s*'([a-zA-Z0-9_.]+)'/g)) if (match[1] !== undefined) used.add(match[1]);
    }
    expect(used.size).toBeGreaterThan(150);
    const missing = [...used].filter((key) => !has(flat.fi, key));
    expect(missing).toEqual([]);
  });

  it('contain every key built from a list of codes', () => {
    const built = [
      ...ROLES.map((r) => `roles.${r}`),
      ...PROBLEM_CODES.map((c) => `problems.codes.${c}`),
      'problems.codes.unknown',
      ...KNOWN_ERROR_CODES.map((c) => `errors.${c}`),
      ...TEMPLATE_SECTIONS.flatMap((s) => [`plan.template.${s}.heading`, `plan.template.${s}.guidance`]),
      ...ACTION_STATUSES.map((s) => `plan.actions.statuses.${s}`),
      ...STRENGTH_LEVELS.map((s) => `create.strength.${s}`),
      ...LINK_STATES.map((s) => `status.${s}`),
      ...WORKSPACE_TABS.map((s) => `workspace.tabs.${s}`),
      ...(['verified', 'unverified', 'changed'] as const).map((s) => `safety.states.${s}`),
      ...(['case', 'consultation'] as const).flatMap((k) => [`workspaces.kinds.${k}`, `workspaces.kindHelp.${k}`]),
      ...(['upload', 'download'] as const).map((d) => `chat.transfers.${d}`),
      ...CERTIFICATION_VIEWS.filter((v) => v !== 'certified').flatMap((v) => [`certification.${v}.title`, `certification.${v}.lead`]),
      ...Object.entries(CERTIFICATION_STEPS).flatMap(([view, steps]) => steps.map((step) => `certification.${view}.${step}`)),
      ...(['pending', 'revoked'] as const).map((s) => `header.certification.${s}`),
      ...CODE_KINDS.flatMap((k) => [`enrol.kinds.${k}.hint`, `enrol.kinds.${k}.recognised`]),
      ...NOTICE_KEYS,
      ...TIMELINE_KINDS.map((k) => `timeline.kinds.${k}`),
      ...TIMELINE_GROUPS.map((g) => `timeline.groups.${g}`),
      ...(['me', 'my_org'] as const).map((a) => `tasks.kindRequest.${a}`),
    ];
    for (const language of Object.keys(resources) as (keyof typeof resources)[]) {
      expect(built.filter((key) => !has(flat[language], key)), language).toEqual([]);
    }
  });

  it('give plural forms as complete families', () => {
    for (const key of flat.fi.keys()) {
      if (!PLURAL.test(key)) continue;
      const base = key.replace(PLURAL, '');
      expect(flat.fi.has(`${base}_one`) && flat.fi.has(`${base}_other`), key).toBe(true);
    }
  });
});
