import { describe, expect, it } from 'vitest';
import { SseParser } from './sse';

describe('SseParser', () => {
  it('dispatches an event at the blank line, with its name and data', () => {
    const p = new SseParser();
    expect(p.push('event: output\ndata: {"text":"hi"}\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ event: 'output', data: '{"text":"hi"}' }]);
  });

  it('joins data lines, skips comments and defaults the name to message', () => {
    const p = new SseParser();
    expect(p.push(': keep-alive\ndata: a\ndata: b\n\n')).toEqual([{ event: 'message', data: 'a\nb' }]);
  });

  it('reassembles events split anywhere, CRLF split between chunks included', () => {
    const p = new SseParser();
    const text = 'event: run\r\ndata: 1\r\n\r\nevent: job\r\ndata: 2\r\n\r\n';
    const events = [];
    for (const ch of text) {
      events.push(...p.push(ch));
    }
    expect(events).toEqual([{ event: 'run', data: '1' }, { event: 'job', data: '2' }]);
  });

  it('keeps the id and ignores unknown fields and data-less events', () => {
    const p = new SseParser();
    expect(p.push('event: ping\n\nid: 7\nretry: 10\nfoo\ndata:x\n\n')).toEqual([{ event: 'message', data: 'x', id: '7' }]);
  });
});
