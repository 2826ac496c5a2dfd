/** A piece of a run's output; {@code stream} is unknown for what was read back from storage. */
export interface Segment {
  stream: 'stdout' | 'stderr' | 'stored';
  text: string;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Joins a run's stored output (read with GET …/output, which says where it ends: Octofleet-Next-Offset) with the
 * live `output` events (each carrying its byte offset) into one copy with nothing twice and nothing missing: a
 * chunk the stored read already held is dropped, one that overlaps it is cut, and a chunk beyond the end reports a
 * gap, for the caller to fill with GET …/output?offset=.
 */
export class OutputMerger {
  private nextOffset = 0;
  private known = false;
  private readonly pending: { offset: number; stream: 'stdout' | 'stderr'; text: string }[] = [];
  readonly segments: Segment[] = [];

  /** Where the copy ends, in bytes of the run's output. */
  get end(): number {
    return this.nextOffset;
  }

  /** Stored output from {@code offset} up to {@code nextOffset}; then replays live chunks that arrived meanwhile. */
  stored(offset: number, text: string, nextOffset: number): 'ok' | 'gap' {
    if (this.known && offset !== this.nextOffset) {
      return offset > this.nextOffset ? 'gap' : 'ok';
    }
    if (text) {
      this.push('stored', text);
    }
    this.nextOffset = nextOffset;
    this.known = true;
    let result: 'ok' | 'gap' = 'ok';
    const waiting = this.pending.splice(0).sort((a, b) => a.offset - b.offset);
    for (const c of waiting) {
      if (this.live(c.offset, c.stream, c.text) === 'gap') {
        result = 'gap';
      }
    }
    return result;
  }

  /** A live chunk; before the stored read it waits. */
  live(offset: number, stream: 'stdout' | 'stderr', text: string): 'appended' | 'duplicate' | 'gap' | 'waiting' {
    if (!this.known) {
      this.pending.push({ offset, stream, text });
      return 'waiting';
    }
    const bytes = encoder.encode(text);
    const endOfChunk = offset + bytes.length;
    if (endOfChunk <= this.nextOffset) {
      return 'duplicate';
    }
    if (offset > this.nextOffset) {
      this.pending.push({ offset, stream, text });
      return 'gap';
    }
    const fresh = offset < this.nextOffset ? decoder.decode(bytes.subarray(this.nextOffset - offset)) : text;
    this.push(stream, fresh);
    this.nextOffset = endOfChunk;
    return 'appended';
  }

  text(): string {
    return this.segments.map((s) => s.text).join('');
  }

  private push(stream: Segment['stream'], text: string) {
    const last = this.segments[this.segments.length - 1];
    if (last && last.stream === stream) {
      last.text += text;
    } else {
      this.segments.push({ stream, text });
    }
  }
}
