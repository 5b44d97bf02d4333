import { describe, expect, it } from 'vitest';
import { formatInterval, formatNumber, formatPercent, formatPlusMinus, renderTable } from '../../simulator/report/table.ts';

describe('renderTable', () => {
  it('aligns columns in box style, numbers right by default', () => {
    const text = renderTable([{ header: 'policy' }, { header: 'n' }, { header: 'approval', align: 'right' }], [
      ['thompson', 20000, '91.23%'],
      ['random', 5, '88.00%'],
    ], { title: 'stable' });
    expect(text).toBe(
      [
        'stable',
        'policy   |     n | approval',
        '---------+-------+---------',
        'thompson | 20000 |   91.23%',
        'random   |     5 |   88.00%',
        '',
      ].join('\n'),
    );
  });

  it('renders GitHub markdown with alignment markers and escaped pipes', () => {
    const text = renderTable([{ header: 'a' }, { header: 'b', align: 'right' }], [['x|y', '1']], { style: 'markdown' });
    expect(text).toBe(['| a    |   b |', '| ---- | --: |', '| x\\|y |   1 |', ''].join('\n'));
  });

  it('rejects a row with the wrong number of cells', () => {
    expect(() => renderTable([{ header: 'a' }], [['1', '2']])).toThrow(/2 cells, expected 1/);
  });

  it('formats numbers, percents and intervals', () => {
    expect(formatPercent(0.91234)).toBe('91.23%');
    expect(formatPercent(Number.NaN)).toBe('n/a');
    expect(formatNumber(12345.678)).toBe('12,345.68');
    expect(formatInterval(0.5, 0.25, 0.75, (x) => x.toFixed(2))).toBe('0.50 [0.25, 0.75]');
    expect(formatPlusMinus(0.9123, 0.0012, (x) => formatPercent(x))).toBe('91.23% ± 0.12%');
  });
});
