import { describe, expect, it } from 'vitest';
import { escapeHtml, htmlTable, intervalPlotSvg, linePlotSvg, reliabilitySvg, renderHtmlDocument } from '../../simulator/report/html.ts';
import { niceTicks } from '../../simulator/report/plots.ts';
import { renderSimulationHtml, renderSimulationTable } from '../../simulator/report/simulation.ts';
import { runExperiment } from '../../simulator/online/index.ts';
import { summarise } from '../../simulator/calibration/index.ts';

const noUrls = (html: string): void => {
  expect(html).not.toMatch(/https?:\/\//i);
  expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
};

describe('plots', () => {
  it('line plot: one polyline per series, bands, markers, escaped names', () => {
    const svg = linePlotSvg({
      title: 'A <b> & c',
      series: [
        { name: 'p<1>', x: [1, 2, 3], y: [0.1, 0.2, 0.3], lo: [0, 0.1, 0.2], hi: [0.2, 0.3, 0.4] },
        { name: 'q', x: [1, 2, 3], y: [0.3, 0.2, Number.NaN], dashed: true },
      ],
      markers: [{ x: 2, label: 'outage' }, { x: 99, label: 'outside' }],
    });
    expect(svg.match(/<polyline class="series"/g)).toHaveLength(2);
    expect(svg.match(/<polygon class="band"/g)).toHaveLength(1);
    expect(svg).toContain('outage');
    expect(svg).not.toContain('outside');
    expect(svg).toContain('A &lt;b&gt; &amp; c');
    expect(svg).toContain('data-series="p&lt;1&gt;"');
    expect(svg).not.toContain('NaN');
    noUrls(svg);
  });

  it('interval plot: a whisker and a dot per item, reference line', () => {
    const svg = intervalPlotSvg({
      title: 'estimates',
      items: [{ label: 'ips', value: 0.5, lo: 0.4, hi: 0.6 }, { label: 'dm', value: 0.52 }, { label: 'dr', value: 0.49, lo: Number.NaN, hi: Number.NaN }],
      reference: { value: 0.5, label: 'truth' },
    });
    expect(svg.match(/<g class="interval"/g)).toHaveLength(3);
    expect(svg.match(/<circle/g)).toHaveLength(3);
    expect(svg).toContain('ips: 0.5 [0.4, 0.6]');
    expect(svg).toContain('truth');
    expect(svg).not.toContain('NaN');
  });

  it('reliability diagram: diagonal and one dot per non-empty bin above minCount', () => {
    const s = summarise([0.1, 0.15, 0.8, 0.85, 0.9], [0, 0, 1, 1, 0], 10);
    const svg = reliabilitySvg({ title: 'r', series: [{ name: 'all', bins: s.bins }] });
    expect(svg).toContain('class="diagonal"');
    expect(svg.match(/<circle/g)).toHaveLength(3); // bins 1 (0.1, 0.15), 8 (0.8, 0.85), 9 (0.9)
    expect(reliabilitySvg({ title: 'r', series: [{ name: 'all', bins: s.bins }], minCount: 2 }).match(/<circle/g)).toHaveLength(2);
  });

  it('nice ticks', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(200, 20000, 6)).toEqual([5000, 10000, 15000, 20000]);
    expect(niceTicks(0.8, 0.9, 5)).toEqual([0.8, 0.82, 0.84, 0.86, 0.88, 0.9]);
  });
});

describe('html document', () => {
  it('is a complete, self-contained page with escaped text', () => {
    const html = renderHtmlDocument({ title: 'T & <x>', subtitle: 's', sections: [{ heading: 'h', html: htmlTable([{ header: 'a' }, { header: 'n' }], [['<i>', 3]]) }] });
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<title>T &amp; &lt;x&gt;</title>');
    expect(html).toContain('<td>&lt;i&gt;</td><td class="num">3</td>');
    expect(escapeHtml(`"'`)).toBe('&quot;&#39;');
    noUrls(html);
  });

  it('simulation report: self-contained, with approval, regret, revenue and reliability plots and event markers', () => {
    const result = runExperiment({ scenario: 'outage', n: 2000, seeds: 2, points: 20, policies: ['random', 'best-static', 'oracle'] });
    const html = renderSimulationHtml(result, { command: 'router-sim simulate --scenario outage --policy random --n 2000 --seeds 2' });
    noUrls(html);
    const plots = [...html.matchAll(/<svg class="plot" data-plot="(\w+)"/g)].map((m) => m[1]);
    expect(plots.filter((p) => p === 'line')).toHaveLength(4);
    expect(plots.filter((p) => p === 'reliability')).toHaveLength(3);
    expect(plots.filter((p) => p === 'interval')).toHaveLength(1);
    for (const title of ['Expected approval rate per window', 'Cumulative regret against the oracle', 'Cumulative net revenue', 'Reliability: random']) expect(html).toContain(title);
    expect(html).toContain('acq-eu down');
    expect(html).toContain('router-sim simulate --scenario outage');
    expect(html.match(/<polygon class="band"/g)!.length).toBeGreaterThanOrEqual(3); // spread over 2 seeds
    const table = renderSimulationTable(result);
    expect(table).toContain('scenario outage: 2,000 transactions, 2 seeds (1..2)');
    expect(table.split('\n')[3]).toMatch(/^random\s+\| \d+\.\d\d% ±\d+\.\d\d/);
    expect(renderSimulationTable(result, 'markdown')).toMatch(/\| policy\s+\| +approval \|/);
  });
});
