/** @jest-environment jsdom */
import { fireEvent, render, screen } from '@testing-library/react';
import type { LinkHealth } from '../net/link';
import { StatusBar } from './StatusBar';

const noop = () => undefined;
const ok: LinkHealth = { state: 'ok' };
const base = { link: ok, owed: [] as string[], rttMs: null, polledAt: null, onReconnect: noop, onRefresh: noop };

describe('StatusBar', () => {
  it('shows live with the round-trip time, and announces only "Live"', () => {
    const { rerender } = render(<StatusBar {...base} status={{ kind: 'live' }} rttMs={12} />);
    expect(screen.getByTestId('status-text').textContent).toBe('Live · 12 ms');
    expect(screen.getByTestId('status').dataset.status).toBe('live');
    const region = screen.getByRole('status');
    expect(region.textContent).toBe('Live');
    // A new RTT reading changes what is shown, not what is announced.
    rerender(<StatusBar {...base} status={{ kind: 'live' }} rttMs={80} />);
    expect(screen.getByTestId('status-text').textContent).toBe('Live · 80 ms');
    expect(screen.getByRole('status').textContent).toBe('Live');
    expect(screen.getByTestId('status-text').closest('[aria-live]')).toBe(null);
  });

  it('shows an unstable link with what it waits for and the RTT as stale', () => {
    const link: LinkHealth = { state: 'unstable', since: Date.now() - 3000, unacked: 2, pingOverdue: true };
    render(<StatusBar {...base} status={{ kind: 'live' }} link={link} owed={['move', 'move']} rttMs={50} />);
    expect(screen.getByTestId('status-text').textContent).toMatch(/^Unstable · no answer for [34] s · waiting for 2 moves and a ping · RTT last 50 ms, stale$/);
    expect(screen.getByTestId('status').dataset.link).toBe('unstable');
    expect(screen.getByRole('status').textContent).toBe('Connection unstable');
  });

  it('shows the reconnect attempt and the next retry, with a button to try now', () => {
    let clicked = 0;
    const retryAt = Date.now() + 4000;
    render(<StatusBar {...base} status={{ kind: 'reconnecting', attempt: 3, retryAt, reason: 'connection lost' }} onReconnect={() => clicked++} />);
    expect(screen.getByTestId('status-text').textContent).toMatch(/Reconnecting \(attempt 3\) · next try in [34] s · connection lost/);
    expect(screen.getByRole('status').textContent).toBe('Reconnecting');
    fireEvent.click(screen.getByText('Reconnect now'));
    expect(clicked).toBe(1);
  });

  it('says plainly when the server is full and when it tries again', () => {
    render(<StatusBar {...base} status={{ kind: 'reconnecting', attempt: 1, retryAt: Date.now() + 7000, reason: 'the server is full', capacity: true }} />);
    expect(screen.getByTestId('status-text').textContent).toMatch(/^Server full · next try in [67] s$/);
    expect(screen.getByRole('status').textContent).toBe('Server full, waiting to try again');
  });

  it('when offline offers a manual refresh of the snapshot', () => {
    let refreshed = 0;
    render(<StatusBar {...base} status={{ kind: 'offline', attempt: 2, retryAt: Date.now() + 2000, reason: 'x' }} polledAt={Date.now() - 3000} onRefresh={() => refreshed++} />);
    expect(screen.getByTestId('status-text').textContent).toMatch(/Offline · live updates unavailable, showing snapshots \(updated 3 s ago\)/);
    fireEvent.click(screen.getByTestId('refresh'));
    expect(refreshed).toBe(1);
  });

  it('says connecting before anything else', () => {
    render(<StatusBar {...base} status={{ kind: 'connecting' }} />);
    expect(screen.getByTestId('status-text').textContent).toBe('Connecting…');
    expect(screen.getByRole('status').textContent).toBe('Connecting');
  });
});
