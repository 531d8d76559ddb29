// A bar chart of fixed size (it fits a 390 px phone inside a Polaris card) drawn with visx as plain
// SVG, the same on the server and in the browser. Series side by side, or stacked. The numbers are
// in the table beside it; the SVG is one labelled image for screen readers.
import { AxisBottom, AxisLeft } from "@visx/axis";
import { Group } from "@visx/group";
import { scaleBand, scaleLinear } from "@visx/scale";
import { Bar } from "@visx/shape";

export const CHART_WIDTH = 320;
export const CHART_HEIGHT = 200;
const MARGIN = { top: 12, right: 8, bottom: 28, left: 48 };

// Polaris-like data colours, distinguishable in grey scale by order.
export const SERIES_COLORS = ["#2c6ecb", "#e0b020", "#7a5af8", "#008060", "#d82c0d", "#8a8a8a"];

export type ChartSeries = { key: string; label: string; values: number[] };

export function KpiBarChart({
  id,
  label,
  categories,
  series,
  stacked = false,
  formatTick = (value: number) => String(value),
  minScale = 1,
}: {
  id: string;
  label: string;
  categories: string[];
  series: ChartSeries[];
  stacked?: boolean;
  formatTick?: (value: number) => string;
  /** The least top of the value axis, so an all-zero chart still has legible ticks (money: 100 minor units). */
  minScale?: number;
}) {
  const innerWidth = CHART_WIDTH - MARGIN.left - MARGIN.right;
  const innerHeight = CHART_HEIGHT - MARGIN.top - MARGIN.bottom;
  const totals = categories.map((_, i) => (stacked ? series.reduce((sum, s) => sum + Math.max(0, s.values[i] ?? 0), 0) : Math.max(0, ...series.map((s) => s.values[i] ?? 0))));
  const lows = categories.map((_, i) => Math.min(0, ...series.map((s) => s.values[i] ?? 0)));
  const max = Math.max(minScale, ...totals);
  const min = stacked ? 0 : Math.min(0, ...lows);
  const x = scaleBand({ domain: categories, range: [0, innerWidth], padding: 0.25 });
  const y = scaleLinear({ domain: [min, max], range: [innerHeight, 0], nice: true });
  const inner = scaleBand({ domain: series.map((s) => s.key), range: [0, x.bandwidth()], padding: 0.1 });
  const zero = y(0);
  // Long category lists (months over two years) label every few ticks so they stay legible.
  const every = Math.ceil(categories.length / 6);
  return (
    <figure style={{ margin: 0 }}>
      <svg width={CHART_WIDTH} height={CHART_HEIGHT} role="img" aria-labelledby={`${id}-title`} data-chart={id}>
        <title id={`${id}-title`}>{label}</title>
        <Group left={MARGIN.left} top={MARGIN.top}>
          {categories.map((category, i) => {
            let stackTop = zero;
            return series.map((s, k) => {
              const value = s.values[i] ?? 0;
              const color = SERIES_COLORS[k % SERIES_COLORS.length];
              if (stacked) {
                const height = zero - y(Math.max(0, value));
                stackTop -= height;
                return <Bar key={`${category}-${s.key}`} x={x(category)} y={stackTop} width={x.bandwidth()} height={height} fill={color} />;
              }
              const top = y(Math.max(0, value));
              return <Bar key={`${category}-${s.key}`} x={(x(category) ?? 0) + (inner(s.key) ?? 0)} y={top} width={inner.bandwidth()} height={Math.abs(y(value) - zero)} fill={color} />;
            });
          })}
          <AxisLeft scale={y} numTicks={4} tickFormat={(value) => formatTick(Number(value))} tickLabelProps={{ fontSize: 10, fill: "#616161", textAnchor: "end" }} stroke="#b5b5b5" tickStroke="#b5b5b5" />
          <AxisBottom
            top={innerHeight}
            scale={x}
            tickValues={categories.filter((_, i) => i % every === 0)}
            tickLabelProps={{ fontSize: 10, fill: "#616161", textAnchor: "middle" }}
            stroke="#b5b5b5"
            tickStroke="#b5b5b5"
          />
        </Group>
      </svg>
      {series.length > 1 && (
        <figcaption style={{ display: "flex", flexWrap: "wrap", gap: 12, fontSize: 12, maxWidth: CHART_WIDTH }}>
          {series.map((s, k) => (
            <span key={s.key} style={{ display: "inline-flex", alignItems: "center", gap: 4 }}>
              <span aria-hidden style={{ width: 10, height: 10, background: SERIES_COLORS[k % SERIES_COLORS.length], display: "inline-block" }} />
              {s.label}
            </span>
          ))}
        </figcaption>
      )}
    </figure>
  );
}
