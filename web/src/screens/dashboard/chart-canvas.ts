/**
 * The dashboard chart's drawing, loaded only when the dashboard shows a chart (a chunk of its own, so that the first
 * page's JavaScript stays small): uPlot, a small canvas chart library, with its legend off (the page draws its own,
 * translated) and the axes labelled by the page's formatters.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface CanvasChart {
  x: number[];
  lines: { label: string; color: string; values: number[] }[];
  xLabel: (i: number) => string;
  yLabel: (v: number) => string;
}

const HEIGHT = 260;

export function drawChart(el: HTMLElement, c: CanvasChart): { destroy(): void } {
  const width = () => Math.max(260, el.clientWidth);
  const plot = new uPlot({
    width: width(),
    height: HEIGHT,
    legend: { show: false },
    scales: { x: { time: false }, y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
    axes: [
      { incrs: [1, 2, 3, 7, 14], values: (_u, splits) => splits.map((i) => (Number.isInteger(i) ? c.xLabel(i) : '')), space: 48 },
      { values: (_u, splits) => splits.map(c.yLabel), size: 80 },
    ],
    series: [{}, ...c.lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, points: { show: true, size: 5, fill: l.color } }))],
  }, [c.x, ...c.lines.map((l) => l.values)], el);
  const resized = new ResizeObserver(() => plot.setSize({ width: width(), height: HEIGHT }));
  resized.observe(el);
  return {
    destroy() {
      resized.disconnect();
      plot.destroy();
    },
  };
}
