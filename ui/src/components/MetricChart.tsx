import { Card, CardBody, CardTitle } from '@patternfly/react-core';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { Series } from '../api/types';

const COLORS = ['#0066cc', '#3e8635', '#f0ab00', '#c9190b', '#8476d1', '#009596', '#ec7a08', '#6a6e73'];

/** Turns the API's series into uPlot's columns: one shared time axis (seconds), gaps as null. */
export function toColumns(series: Series[]): [number[], ...(number | null)[][]] {
  const times = new Set<number>();
  series.forEach((s) => s.points.forEach((p) => times.add(Date.parse(p.time) / 1000)));
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const col: (number | null)[] = new Array(xs.length).fill(null);
    s.points.forEach((p) => {
      col[index.get(Date.parse(p.time) / 1000)!] = p.avg;
    });
    return col;
  });
  return [xs, ...ys];
}

const RATE_UNITS = ['B/s', 'kB/s', 'MB/s', 'GB/s', 'TB/s'];

/** How a value reads on an axis or in the legend. */
export type Unit = '%' | '°C' | 'W' | 'B/s';

export function formatValue(v: number, unit: Unit): string {
  if (unit === 'B/s') {
    let x = Math.abs(v);
    let u = 0;
    while (x >= 1000 && u < RATE_UNITS.length - 1) {
      x /= 1000;
      u++;
    }
    return `${(Math.sign(v) * x).toFixed(x >= 100 || x === 0 ? 0 : 1)} ${RATE_UNITS[u]}`;
  }
  return `${Math.abs(v) >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1)} ${unit}`;
}

/**
 * A time-series card (uPlot, canvas: fast with thousands of points) over the range asked for, so a node that has
 * only just started reporting shows its first samples at the right edge rather than stretched over the card.
 */
export function MetricChart({ title, series, unit, from, to, max }: {
  title: string;
  series: Series[];
  unit: Unit;
  /** The range shown, ISO-8601 instants. */
  from: string;
  to: string;
  max?: number;
}) {
  const el = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!el.current) {
      return;
    }
    const width = Math.max(320, el.current.clientWidth || 480);
    const opts: uPlot.Options = {
      width,
      height: 200,
      series: [
        {},
        ...series.map((s, i) => ({
          label: s.instance || s.name,
          stroke: COLORS[i % COLORS.length],
          width: 1.5,
          points: { size: 4 },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatValue(v, unit)),
        })),
      ],
      scales: {
        x: { time: true, range: () => [Date.parse(from) / 1000, Date.parse(to) / 1000] },
        y: max === undefined ? { range: (_u, lo, hi) => [Math.min(0, lo), hi > 0 ? hi * 1.1 : 1] } : { range: [0, max] },
      },
      axes: [{}, { values: (_u, vals) => vals.map((v) => formatValue(v, unit)), size: 80 }],
      legend: { show: series.length > 1 },
    };
    const plot = new uPlot(opts, toColumns(series) as uPlot.AlignedData, el.current);
    return () => plot.destroy();
  }, [series, unit, from, to, max]);
  return (
    <Card isCompact data-testid={`chart-${title}`}>
      <CardTitle>{title}</CardTitle>
      <CardBody>
        {series.length === 0 ? <div style={{ color: '#6a6e73' }}>No samples in this range.</div> : <div ref={el} />}
      </CardBody>
    </Card>
  );
}
