/** Mentions: finding the `@` the caret is in, completing it, and recognising mentions of oneself. */
import { describe, expect, it } from 'vitest';
import { completeMention, mentionCandidates, mentionQuery, mentionsSelf, splitMentions } from './mentions';

const names = ['Maija Virtanen', 'Matti Korhonen', 'Sanna Lind'];

describe('mentions', () => {
  it('finds the fragment after an @ that starts a word, up to the caret', () => {
    expect(mentionQuery('Hei @Mai', 8)).toEqual({ start: 4, query: 'Mai' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('maija@example.fi', 16)).toBeUndefined();
    expect(mentionQuery('Hei Maija', 9)).toBeUndefined();
    expect(mentionQuery('@Maija Virtanen ja', 18)).toBeUndefined();
  });

  it('offers members whose name or a word of it starts with the fragment', () => {
    expect(mentionCandidates(names, 'ma')).toEqual(['Maija Virtanen', 'Matti Korhonen']);
    expect(mentionCandidates(names, 'kor')).toEqual(['Matti Korhonen']);
    expect(mentionCandidates(names, '')).toEqual(names);
  });

  it('completes the fragment with the full name and a space', () => {
    expect(completeMention('Hei @Mai, katso', 4, 8, 'Maija Virtanen')).toEqual({ text: 'Hei @Maija Virtanen , katso', caret: 20 });
  });

  it('recognises mentions of oneself by full or first name, not inside words or of others', () => {
    const self = ['Maija Virtanen'];
    expect(mentionsSelf('Kiitos @Maija Virtanen!', names, self)).toBe(true);
    expect(mentionsSelf('@maija katsotko?', names, self)).toBe(true);
    expect(mentionsSelf('@Matti katsotko?', names, self)).toBe(false);
    expect(mentionsSelf('Maija katsotko?', names, self)).toBe(false);
    expect(mentionsSelf('@Maijaliisa', names, self)).toBe(false);
  });

  it('splits text into plain parts and mentions', () => {
    expect(splitMentions('Hei @Maija ja @Sanna Lind.', names, ['Sanna Lind'])).toEqual([
      { text: 'Hei ' },
      { text: '@Maija', mention: { self: false } },
      { text: ' ja ' },
      { text: '@Sanna Lind', mention: { self: true } },
      { text: '.' },
    ]);
  });

  it('does not resolve a first name two members share', () => {
    const parts = splitMentions('@Anna', ['Anna A', 'Anna B'], ['Anna A']);
    expect(parts).toEqual([{ text: '@Anna' }]);
  });
});
