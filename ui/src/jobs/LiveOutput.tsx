import { useEffect, useRef } from 'react';
import type { Segment } from './outputMerger';

/**
 * A terminal-like view of a run's output (stderr in red), following the end while the user has not scrolled up.
 */
export function LiveOutput({ segments, complete, label }: { segments: Segment[]; complete: boolean; label: string }) {
  const el = useRef<HTMLPreElement>(null);
  const follow = useRef(true);
  useEffect(() => {
    if (el.current && follow.current) {
      el.current.scrollTop = el.current.scrollHeight;
    }
  });
  const empty = segments.every((s) => s.text === '');
  return (
    <pre className="of-output" ref={el} aria-label={label} data-testid="live-output" data-complete={complete}
      onScroll={(e) => {
        const t = e.currentTarget;
        follow.current = t.scrollTop + t.clientHeight >= t.scrollHeight - 8;
      }}>
      {segments.map((s, i) => (
        <span key={i} className={s.stream === 'stderr' ? 'of-stderr' : undefined}>{s.text}</span>
      ))}
      {empty && <span style={{ color: '#8a8d90' }}>{complete ? '(no output)' : 'Waiting for output…'}</span>}
      {!complete && !empty && <span className="of-cursor" aria-hidden>▍</span>}
    </pre>
  );
}
