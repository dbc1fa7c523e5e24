/** @jest-environment jsdom */
import { fireEvent, render, screen } from '@testing-library/react';
import { StatusBar } from './StatusBar';

const noop = () => undefined;

describe('StatusBar', () => {
  it('shows live with the round-trip time', () => {
    render(<StatusBar status={{ kind: 'live' }} rttMs={12} polledAt={null} onReconnect={noop} onRefresh={noop} />);
    expect(screen.getByTestId('status').textContent).toBe('Live · 12 ms');
    expect(screen.getByTestId('status').dataset.status).toBe('live');
  });

  it('shows the reconnect attempt and the next retry, with a button to try now', () => {
    let clicked = 0;
    const retryAt = Date.now() + 4000;
    render(<StatusBar status={{ kind: 'reconnecting', attempt: 3, retryAt, reason: 'connection lost' }} rttMs={null} polledAt={null} onReconnect={() => clicked++} onRefresh={noop} />);
    expect(screen.getByTestId('status').textContent).toMatch(/Reconnecting \(attempt 3\) · next try in [34] s · connection lost/);
    fireEvent.click(screen.getByText('Reconnect now'));
    expect(clicked).toBe(1);
  });

  it('when offline offers a manual refresh of the snapshot', () => {
    let refreshed = 0;
    render(<StatusBar status={{ kind: 'offline', attempt: 2, retryAt: Date.now() + 2000, reason: 'x' }} rttMs={null} polledAt={Date.now() - 3000} onReconnect={noop} onRefresh={() => refreshed++} />);
    expect(screen.getByTestId('status').textContent).toMatch(/Offline · live updates unavailable, showing snapshots \(updated 3 s ago\)/);
    fireEvent.click(screen.getByTestId('refresh'));
    expect(refreshed).toBe(1);
  });

  it('says connecting before anything else', () => {
    render(<StatusBar status={{ kind: 'connecting' }} rttMs={null} polledAt={null} onReconnect={noop} onRefresh={noop} />);
    expect(screen.getByRole('status').textContent).toBe('Connecting…');
  });
});
