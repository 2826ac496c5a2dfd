import { describe, expect, it } from 'vitest';
import { OutputMerger } from './outputMerger';

describe('OutputMerger', () => {
  it('appends live chunks after the stored output and drops what storage already had', () => {
    const m = new OutputMerger();
    expect(m.stored(0, 'line 1\n', 7)).toBe('ok');
    expect(m.live(0, 'stdout', 'line 1\n')).toBe('duplicate');
    expect(m.live(7, 'stderr', 'oops\n')).toBe('appended');
    expect(m.live(12, 'stdout', 'line 2\n')).toBe('appended');
    expect(m.text()).toBe('line 1\noops\nline 2\n');
    expect(m.segments.map((s) => s.stream)).toEqual(['stored', 'stderr', 'stdout']);
    expect(m.end).toBe(19);
  });

  it('holds chunks that arrive before the stored read, then keeps only what the read lacked', () => {
    const m = new OutputMerger();
    expect(m.live(0, 'stdout', 'a\n')).toBe('waiting');
    expect(m.live(2, 'stdout', 'b\n')).toBe('waiting');
    expect(m.stored(0, 'a\n', 2)).toBe('ok');
    expect(m.text()).toBe('a\nb\n');
  });

  it('cuts a chunk that overlaps the stored end, counting bytes not characters', () => {
    const m = new OutputMerger();
    m.stored(0, 'héllo', 6); // é is two bytes
    expect(m.live(3, 'stdout', 'llo wörld')).toBe('appended');
    expect(m.text()).toBe('héllo wörld');
    expect(m.end).toBe(13);
  });

  it('reports a gap and fills it from a later stored read, in order', () => {
    const m = new OutputMerger();
    m.stored(0, 'one\n', 4);
    expect(m.live(8, 'stdout', 'three\n')).toBe('gap');
    expect(m.text()).toBe('one\n');
    expect(m.stored(4, 'two\n', 8)).toBe('ok');
    expect(m.text()).toBe('one\ntwo\nthree\n');
  });
});
