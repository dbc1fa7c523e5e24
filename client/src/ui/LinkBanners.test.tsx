/** @jest-environment jsdom */
import { render, screen } from '@testing-library/react';
import { BumpText, CapacityBanner, UnstableBanner } from './LinkBanners';

describe('link banners', () => {
  it('says what an unstable link waits for, and nothing while it is fine', () => {
    const { rerender, container } = render(<UnstableBanner link={{ state: 'ok' }} owed={[]} />);
    expect(container.textContent).toBe('');
    rerender(<UnstableBanner link={{ state: 'unstable', since: 0, unacked: 1, pingOverdue: true }} owed={['move', 'message']} />);
    expect(screen.getByTestId('unstable-banner').textContent).toContain('has not answered 1 move, 1 message and a ping yet');
  });

  it('tells a player the server is full and when it tries again', () => {
    render(<CapacityBanner status={{ kind: 'reconnecting', attempt: 1, retryAt: Date.now() + 7000, reason: 'the server is full', capacity: true }} />);
    expect(screen.getByTestId('capacity-banner').textContent).toMatch(/The server is full\. The game tries again in [67] s/);
  });

  it('shows no capacity banner for an ordinary reconnect', () => {
    const { container } = render(<CapacityBanner status={{ kind: 'reconnecting', attempt: 1, retryAt: Date.now() + 1000, reason: 'connection lost' }} />);
    expect(container.textContent).toBe('');
  });

  it('says why a move was refused while the map marks it', () => {
    render(<BumpText bump={{ id: 1, x: 3, y: 1, code: 'TILE_OCCUPIED', text: 'Someone is standing there', at: Date.now() }} />);
    expect(screen.getByTestId('bump').textContent).toBe("Can't move there: Someone is standing there");
    expect(screen.getByTestId('bump').dataset.code).toBe('TILE_OCCUPIED');
  });
});
