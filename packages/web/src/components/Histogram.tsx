import { createEffect, createSignal, on, onCleanup, onMount, Show } from "solid-js";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import type { Histogram as HistogramData } from "../api.ts";
import { formatCount, formatTick, formatTime, timeZone, zoneLabel } from "../lib/format.ts";
import { ErrorBox } from "./States.tsx";

const PLOT_HEIGHT = 68;

/**
 * Activity over the period as bars (changes dark, reads light, stacked). Clicking a bar zooms the
 * period to it; from the keyboard, ←/→ pick a bar (its counts are read out) and Enter zooms. The
 * card folds away to give the table more room (remembered per browser). A failed load shows its
 * error and a retry instead of zeros.
 */
export function Histogram(props: {
  data: HistogramData | undefined;
  loading: boolean;
  error: unknown;
  onRetry: () => void;
  onZoom: (start: number, bucketMs: number) => void;
  collapsed: boolean;
  onToggle: () => void;
}) {
  let host!: HTMLDivElement;
  let plot: uPlot | undefined;
  const [picked, setPicked] = createSignal<number>();

  const series = (d: HistogramData): uPlot.AlignedData => {
    const xs = d.buckets.map((b) => Date.parse(b.start) / 1000);
    const writes = d.buckets.map((b) => b.write);
    const totals = d.buckets.map((b) => b.write + b.readOnly);
    return [xs, totals, writes];
  };

  const build = (d: HistogramData) => {
    plot?.destroy();
    const bars = uPlot.paths.bars!({ size: [0.85, 48], align: 1 });
    const span = d.buckets.length > 0 ? Date.parse(d.window.end) - Date.parse(d.window.start) : 0;
    const opts: uPlot.Options = {
      width: Math.max(240, host.clientWidth),
      height: PLOT_HEIGHT,
      padding: [6, 8, 0, 0],
      legend: { show: false },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: [
        {
          stroke: "#667085",
          grid: { show: false },
          ticks: { stroke: "#d0d5dd" },
          font: "11px system-ui",
          size: 22,
          // 24-hour, ISO-like, in the chosen zone (uPlot's own labels are am/pm in local time).
          values: (_u, splits) => splits.map((s, i) => formatTick(s * 1000, span, i > 0 ? splits[i - 1]! * 1000 : undefined)),
        },
        { stroke: "#667085", grid: { stroke: "#eaecf0" }, ticks: { show: false }, size: 40, font: "11px system-ui", splits: (u) => [0, u.scales.y!.max!] },
      ],
      series: [
        {},
        { label: "Reads", fill: "#b2ccff", stroke: "#b2ccff", paths: bars, points: { show: false } },
        { label: "Changes", fill: "#155eef", stroke: "#155eef", paths: bars, points: { show: false } },
      ],
    };
    plot = new uPlot(opts, series(d), host);
    plot.over.style.cursor = "zoom-in";
    plot.over.addEventListener("click", () => zoom(plot?.cursor.idx ?? undefined));
  };

  const zoom = (idx: number | undefined) => {
    const b = idx === undefined || idx === null ? undefined : props.data?.buckets[idx];
    if (b && props.data && b.readOnly + b.write > 0) props.onZoom(Date.parse(b.start), props.data.bucketMs);
  };

  onMount(() => {
    const ro = new ResizeObserver(() => plot?.setSize({ width: Math.max(240, host.clientWidth), height: PLOT_HEIGHT }));
    ro.observe(host);
    onCleanup(() => {
      ro.disconnect();
      plot?.destroy();
    });
  });
  createEffect(
    on([() => props.data, () => props.collapsed, timeZone], ([d, collapsed]) => {
      setPicked(undefined);
      if (d && d.buckets.length > 0 && !collapsed) build(d);
      else {
        plot?.destroy();
        plot = undefined;
      }
    }),
  );

  const totals = () => {
    const d = props.data;
    if (!d) return { reads: 0, writes: 0 };
    return d.buckets.reduce((acc, b) => ({ reads: acc.reads + b.readOnly, writes: acc.writes + b.write }), { reads: 0, writes: 0 });
  };

  /** ←/→ (Home/End) pick a bar, Enter zooms to it. */
  const onKey = (e: KeyboardEvent) => {
    const n = props.data?.buckets.length ?? 0;
    if (n === 0) return;
    const at = picked();
    let next: number | undefined;
    if (e.key === "ArrowRight") next = at === undefined ? 0 : Math.min(n - 1, at + 1);
    else if (e.key === "ArrowLeft") next = at === undefined ? n - 1 : Math.max(0, at - 1);
    else if (e.key === "Home") next = 0;
    else if (e.key === "End") next = n - 1;
    else if (e.key === "Enter" && at !== undefined) {
      e.preventDefault();
      zoom(at);
      return;
    }
    if (next === undefined) return;
    e.preventDefault();
    setPicked(next);
    if (plot) {
      const b = props.data!.buckets[next]!;
      plot.setCursor({ left: plot.valToPos(Date.parse(b.start) / 1000 + props.data!.bucketMs / 2000, "x"), top: PLOT_HEIGHT / 2 });
    }
  };
  const pickedText = () => {
    const i = picked();
    const d = props.data;
    const b = i === undefined ? undefined : d?.buckets[i];
    if (!b || !d) return "";
    return `${formatTime(b.start)} – ${formatTime(Date.parse(b.start) + d.bucketMs)}: ${formatCount(b.write)} changes, ${formatCount(b.readOnly)} reads. Enter zooms in.`;
  };

  return (
    <figure class="histogram" classList={{ collapsed: props.collapsed }} aria-busy={props.loading}>
      <figcaption>
        <button type="button" class="fold" aria-expanded={!props.collapsed} aria-controls="histogram-plot" onClick={() => props.onToggle()}>
          <span aria-hidden="true">{props.collapsed ? "▸" : "▾"}</span> Activity
        </button>
        <Show when={!props.error}>
          <span class="legend" data-testid="histogram-totals">
            <span class="swatch swatch-write" aria-hidden="true" /> Changes {props.data ? formatCount(totals().writes) : "…"}
            <span class="swatch swatch-read" aria-hidden="true" /> Reads {props.data ? formatCount(totals().reads) : "…"}
          </span>
        </Show>
        <Show when={!props.collapsed}>
          <span class="hint">Click a bar or use ←/→ and Enter to zoom · {zoneLabel()}</span>
        </Show>
      </figcaption>
      <Show when={props.error}>
        <ErrorBox error={props.error} retry={props.onRetry} />
      </Show>
      {/* biome-ignore lint/a11y/useSemanticElements: a chart operable from the keyboard (←/→ pick a bar, Enter zooms), not a group of form controls */}
      <div
        ref={host}
        id="histogram-plot"
        class="histogram-plot"
        data-testid="histogram"
        hidden={props.collapsed || !!props.error}
        tabindex="0"
        role="group"
        aria-label="Activity chart: ←/→ pick a bar, Enter zooms to it"
        aria-describedby="histogram-picked"
        onKeyDown={onKey}
        onBlur={() => setPicked(undefined)}
      />
      <p id="histogram-picked" class="histogram-picked" aria-live="polite" hidden={props.collapsed || !pickedText()}>
        {pickedText()}
      </p>
      <Show when={!props.collapsed && !props.error && props.data && props.data.buckets.length === 0 && !props.loading}>
        <p class="histogram-empty">No activity in this period.</p>
      </Show>
    </figure>
  );
}
