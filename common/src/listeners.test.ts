import { describe, expect, it } from 'vitest';
import { Listeners } from './listeners';

describe('Listeners', () => {
  it('tells every listener in order, and add returns what removes it', () => {
    const heard: string[] = [];
    const listeners = new Listeners<[string, number]>(() => undefined);
    const offA = listeners.add((what, n) => heard.push(`a ${what} ${n}`));
    listeners.add((what, n) => heard.push(`b ${what} ${n}`));
    expect(listeners.size).toBe(2);
    listeners.emit('x', 1);
    offA();
    offA();
    listeners.emit('y', 2);
    expect(heard).toEqual(['a x 1', 'b x 1', 'b y 2']);
    expect(listeners.size).toBe(1);
  });

  it("reports a listener's throw and still tells the others", () => {
    const errors: unknown[] = [];
    const heard: number[] = [];
    const listeners = new Listeners<[number]>((error) => errors.push(error));
    listeners.add(() => {
      throw new Error('boom');
    });
    listeners.add((n) => heard.push(n));
    expect(() => listeners.emit(7)).not.toThrow();
    expect(heard).toEqual([7]);
    expect(errors).toEqual([new Error('boom')]);
  });

  it('a listener removed during an emit is not called; one added hears the next emit', () => {
    const heard: string[] = [];
    const listeners = new Listeners(() => undefined);
    let offB = (): void => undefined;
    listeners.add(() => {
      heard.push('a');
      offB();
      listeners.add(() => heard.push('c'));
    });
    offB = listeners.add(() => heard.push('b'));
    listeners.emit();
    expect(heard).toEqual(['a']);
    listeners.emit();
    expect(heard).toEqual(['a', 'a', 'c']);
  });

  it('the same function is added once; clear removes all', () => {
    const listeners = new Listeners<[]>(() => undefined);
    const listener = (): void => undefined;
    listeners.add(listener);
    listeners.add(listener);
    expect(listeners.size).toBe(1);
    listeners.add(() => undefined);
    listeners.clear();
    expect(listeners.size).toBe(0);
  });
});
