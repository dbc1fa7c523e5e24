import { labelsMatch, parsePrometheusText } from './prom-text';

const TEXT = `# HELP tilemud_gateway_intents_total intents
# TYPE tilemud_gateway_intents_total counter
tilemud_gateway_intents_total{type="move",outcome="applied",code=""} 41
tilemud_gateway_intents_total{type="chat",outcome="rejected",code="RATE_LIMITED"} 2 1700000000000
# TYPE tilemud_gateway_sessions gauge
tilemud_gateway_sessions{state="playing"} 3
tilemud_gateway_sessions{state="lingering"} 0
# TYPE tilemud_gateway_intent_ack_duration_seconds histogram
tilemud_gateway_intent_ack_duration_seconds_bucket{type="move",le="0.005"} 10
tilemud_gateway_intent_ack_duration_seconds_bucket{type="move",le="+Inf"} 12
tilemud_gateway_intent_ack_duration_seconds_sum{type="move"} 0.1
tilemud_gateway_intent_ack_duration_seconds_count{type="move"} 12
process_up 1
weird{msg="a \\"quoted\\" \\\\ back\\nslash, {brace}"} 1.5e-3
nan_metric NaN
`;

describe('parsePrometheusText', () => {
  const scrape = parsePrometheusText(TEXT);

  it('reads counters, gauges and histogram series with their labels', () => {
    expect(scrape.samples).toContainEqual({ name: 'tilemud_gateway_intents_total', labels: { type: 'move', outcome: 'applied', code: '' }, value: 41 });
    expect(scrape.samples).toContainEqual({ name: 'tilemud_gateway_sessions', labels: { state: 'playing' }, value: 3 });
    expect(scrape.samples).toContainEqual({ name: 'tilemud_gateway_intent_ack_duration_seconds_bucket', labels: { type: 'move', le: '+Inf' }, value: 12 });
    expect(scrape.samples).toContainEqual({ name: 'process_up', labels: {}, value: 1 });
  });

  it('ignores a timestamp after the value', () => {
    expect(scrape.samples.find((s) => s.labels.code === 'RATE_LIMITED')?.value).toBe(2);
  });

  it('keeps the family types', () => {
    expect(scrape.types.get('tilemud_gateway_intents_total')).toBe('counter');
    expect(scrape.types.get('tilemud_gateway_intent_ack_duration_seconds')).toBe('histogram');
  });

  it('unescapes label values with quotes, backslashes, newlines, commas and braces', () => {
    expect(scrape.samples.find((s) => s.name === 'weird')).toEqual({ name: 'weird', labels: { msg: 'a "quoted" \\ back\nslash, {brace}' }, value: 0.0015 });
  });

  it('reads NaN and ±Inf', () => {
    expect(scrape.samples.find((s) => s.name === 'nan_metric')?.value).toBeNaN();
    expect(parsePrometheusText('a +Inf\nb -Inf').samples.map((s) => s.value)).toEqual([Infinity, -Infinity]);
  });

  it('skips and counts malformed lines without losing the others', () => {
    const r = parsePrometheusText('good 1\n{nolabel="x"} 1\nbad{a="x} 1\nbad2{a=x} 1\nbad3 one\nbad4\ngood2{a="b"} 2\r\n');
    expect(r.samples.map((s) => s.name)).toEqual(['good', 'good2']);
    expect(r.skipped).toBe(5);
  });

  it('matches labels by subset', () => {
    expect(labelsMatch({ a: '1', b: '2' }, { a: '1' })).toBe(true);
    expect(labelsMatch({ a: '1' }, { a: '2' })).toBe(false);
    expect(labelsMatch({ a: '1' })).toBe(true);
  });
});
