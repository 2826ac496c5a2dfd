/** One server-sent event: its `event:` name (default "message") and its `data:` lines joined by newlines. */
export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * Incremental text/event-stream parser (the WHATWG rules: lines end in \n, \r\n or \r; an empty line dispatches;
 * comment lines start with ':'; a field without a colon has an empty value). Chunks may split lines and events
 * anywhere, even between \r and \n.
 */
export class SseParser {
  private buffer = '';
  private pendingCr = false;
  private event = '';
  private data: string[] = [];
  private id: string | undefined;

  push(chunk: string): SseEvent[] {
    const out: SseEvent[] = [];
    let text = chunk;
    if (this.pendingCr && text.startsWith('\n')) {
      text = text.slice(1);
    }
    this.pendingCr = false;
    this.buffer += text;
    let start = 0;
    for (let i = 0; i < this.buffer.length; i++) {
      const c = this.buffer[i];
      if (c !== '\n' && c !== '\r') {
        continue;
      }
      const line = this.buffer.slice(start, i);
      if (c === '\r') {
        if (i + 1 < this.buffer.length) {
          if (this.buffer[i + 1] === '\n') {
            i++;
          }
        } else {
          this.pendingCr = true;
        }
      }
      start = i + 1;
      const dispatched = this.line(line);
      if (dispatched) {
        out.push(dispatched);
      }
    }
    this.buffer = this.buffer.slice(start);
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      if (this.data.length === 0) {
        this.event = '';
        return undefined;
      }
      const e: SseEvent = { event: this.event || 'message', data: this.data.join('\n') };
      if (this.id !== undefined) {
        e.id = this.id;
      }
      this.event = '';
      this.data = [];
      return e;
    }
    if (line.startsWith(':')) {
      return undefined;
    }
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) {
      value = value.slice(1);
    }
    if (field === 'event') {
      this.event = value;
    } else if (field === 'data') {
      this.data.push(value);
    } else if (field === 'id') {
      this.id = value;
    }
    return undefined;
  }
}
