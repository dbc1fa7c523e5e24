import { availability, bucketIncrease, burnRate, gaugeBy, histogramQuantile, quantileFromBuckets, rate, sumGauge, type Frame } from './derive';
import { parsePrometheusText } from './prom-text';

const frame = (now: string, prev: string | null, dtS = 2): Frame => ({ now: parsePrometheusText(now), prev: prev === null ? null : parsePrometheusText(prev), dtS });

describe('gauges', () => {
  it('sums a gauge over series and targets; null when no target serves it', () => {
    const frames = [frame('s{state="playing"} 3\ns{state="lingering"} 1', null), frame('s{state="playing"} 2', null)];
    expect(sumGauge(frames, 's')).toBe(6);
    expect(sumGauge(frames, 's', { state: 'playing' })).toBe(5);
    expect(sumGauge(frames, 'missing')).toBeNull();
    expect(sumGauge([], 's')).toBeNull();
  });

  it('groups a gauge by one label', () => {
    expect(gaugeBy([frame('lag{world="a"} 3\nlag{world="b"} 0\nother{world="c"} 9', null)], 'lag', 'world')).toEqual(
      new Map([
        ['a', 3],
        ['b', 0],
      ]),
    );
  });
});

describe('rate', () => {
  it('is the counter increase over the interval, per second, over all series', () => {
    const f = frame('c{t="move"} 30\nc{t="chat"} 12', 'c{t="move"} 10\nc{t="chat"} 12', 4);
    expect(rate([f], 'c')).toBe(5);
  });

  it('counts a series new since the last scrape from 0', () => {
    expect(rate([frame('c{t="move"} 10\nc{t="chat"} 4', 'c{t="move"} 10', 2)], 'c')).toBe(2);
  });

  it('treats a counter that went down as restarted from 0', () => {
    expect(rate([frame('c 3', 'c 100', 1)], 'c')).toBe(3);
  });

  it('is unknown (null) without a previous scrape, not 0', () => {
    expect(rate([frame('c 3', null)], 'c')).toBeNull();
    expect(rate([frame('x 3', 'x 1')], 'c')).toBeNull();
  });

  it('is 0 when the counter is served and did not move', () => {
    expect(rate([frame('c 3', 'c 3')], 'c')).toBe(0);
  });
});

describe('p95 from buckets', () => {
  it('interpolates inside the bucket that holds the rank, as histogram_quantile does', () => {
    // 100 observations: 50 ≤ 0.01, 40 in (0.01, 0.05], 10 in (0.05, 0.1]. Rank 95 is halfway into the last bucket.
    const b = [
      { le: 0.01, count: 50 },
      { le: 0.05, count: 90 },
      { le: 0.1, count: 100 },
      { le: Infinity, count: 100 },
    ];
    expect(quantileFromBuckets(0.95, b)).toBeCloseTo(0.075);
    expect(quantileFromBuckets(0.5, b)).toBeCloseTo(0.01);
    expect(quantileFromBuckets(0.25, b)).toBeCloseTo(0.005);
  });

  it('gives the largest finite bound when the rank is in +Inf, null with no observations', () => {
    expect(
      quantileFromBuckets(0.95, [
        { le: 1, count: 1 },
        { le: Infinity, count: 10 },
      ]),
    ).toBe(1);
    expect(
      quantileFromBuckets(0.95, [
        { le: 1, count: 0 },
        { le: Infinity, count: 0 },
      ]),
    ).toBeNull();
    expect(quantileFromBuckets(0.95, [])).toBeNull();
  });

  it('uses only the observations between the two scrapes, merged over labels', () => {
    const prev = 'h_bucket{type="move",le="0.01"} 1000\nh_bucket{type="move",le="0.1"} 1000\nh_bucket{type="move",le="+Inf"} 1000';
    // Since then: 10 new moves, all slow (0.01–0.1], and 10 new chats, fast.
    const now = [
      'h_bucket{type="move",le="0.01"} 1000',
      'h_bucket{type="move",le="0.1"} 1010',
      'h_bucket{type="move",le="+Inf"} 1010',
      'h_bucket{type="chat",le="0.01"} 10',
      'h_bucket{type="chat",le="0.1"} 10',
      'h_bucket{type="chat",le="+Inf"} 10',
    ].join('\n');
    const f = frame(now, prev);
    expect(bucketIncrease([f], 'h')).toEqual([
      { le: 0.01, count: 10 },
      { le: 0.1, count: 20 },
      { le: Infinity, count: 20 },
    ]);
    expect(histogramQuantile([f], 0.95, 'h')).toBeCloseTo(0.01 + 0.09 * (9 / 10));
  });

  it('is null with nothing observed in the interval', () => {
    const t = 'h_bucket{le="0.1"} 5\nh_bucket{le="+Inf"} 5';
    expect(histogramQuantile([frame(t, t)], 0.95, 'h')).toBeNull();
  });
});

describe('SLO', () => {
  it('availability is good / total, null with nothing counted', () => {
    expect(availability(995, 1000)).toBeCloseTo(0.995);
    expect(availability(0, 0)).toBeNull();
  });

  it('burn is (1 - availability) / (1 - objective)', () => {
    expect(burnRate(0.995, 0.995)).toBeCloseTo(1);
    expect(burnRate(0.99, 0.995)).toBeCloseTo(2);
    expect(burnRate(1, 0.995)).toBe(0);
    expect(burnRate(null, 0.995)).toBeNull();
  });
});
