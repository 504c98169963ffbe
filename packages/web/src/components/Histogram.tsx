import { createEffect, onCleanup, onMount, Show } from "solid-js";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Histogram as HistogramData } from "../api.ts";
import { formatCount } from "../lib/format.ts";

/**
 * Activity over the period as bars (changes dark, reads light, stacked). Clicking a bar zooms the
 * period to it; the totals are also given as text for screen readers.
 */
export function Histogram(props: { data: HistogramData | undefined; loading: boolean; onZoom: (start: number, bucketMs: number) => void }) {
  let host!: HTMLDivElement;
  let plot: uPlot | undefined;

  const series = (d: HistogramData): uPlot.AlignedData => {
    const xs = d.buckets.map((b) => Date.parse(b.start) / 1000);
    const writes = d.buckets.map((b) => b.write);
    const totals = d.buckets.map((b) => b.write + b.readOnly);
    return [xs, totals, writes];
  };

  const build = (d: HistogramData) => {
    plot?.destroy();
    const bars = uPlot.paths.bars!({ size: [0.85, 48], align: 1 });
    const opts: uPlot.Options = {
      width: Math.max(240, host.clientWidth),
      height: 120,
      padding: [8, 8, 0, 0],
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [
        { stroke: "#667085", grid: { show: false }, ticks: { stroke: "#d0d5dd" }, font: "11px system-ui" },
        { stroke: "#667085", grid: { stroke: "#eaecf0" }, ticks: { show: false }, size: 44, font: "11px system-ui" },
      ],
      series: [
        {},
        { label: "Reads", fill: "#b2ccff", stroke: "#b2ccff", paths: bars, points: { show: false } },
        { label: "Changes", fill: "#155eef", stroke: "#155eef", paths: bars, points: { show: false } },
      ],
    };
    plot = new uPlot(opts, series(d), host);
    plot.over.style.cursor = "zoom-in";
    plot.over.addEventListener("click", () => {
      const idx = plot?.cursor.idx;
      const b = idx === null || idx === undefined ? undefined : props.data?.buckets[idx];
      if (b && props.data && b.readOnly + b.write > 0) props.onZoom(Date.parse(b.start), props.data.bucketMs);
    });
  };

  onMount(() => {
    const ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(240, host.clientWidth), height: 120 }));
    ro.observe(host);
    onCleanup(() => {
      ro.disconnect();
      plot?.destroy();
    });
  });
  createEffect(() => {
    const d = props.data;
    if (d && d.buckets.length > 0) build(d);
    else {
      plot?.destroy();
      plot = undefined;
    }
  });

  const totals = () => {
    const d = props.data;
    if (!d) return { reads: 0, writes: 0 };
    return d.buckets.reduce((acc, b) => ({ reads: acc.reads + b.readOnly, writes: acc.writes + b.write }), { reads: 0, writes: 0 });
  };

  return (
    <figure class="histogram" aria-busy={props.loading}>
      <figcaption>
        <span>Activity</span>
        <span class="legend">
          <span class="swatch swatch-write" aria-hidden="true" /> Changes {formatCount(totals().writes)}
          <span class="swatch swatch-read" aria-hidden="true" /> Reads {formatCount(totals().reads)}
        </span>
        <span class="hint">Click a bar to zoom in</span>
      </figcaption>
      <div ref={host} class="histogram-plot" data-testid="histogram" />
      <Show when={props.data && props.data.buckets.length === 0 && !props.loading}>
        <p class="histogram-empty">No activity in this period.</p>
      </Show>
    </figure>
  );
}
