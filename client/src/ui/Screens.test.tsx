/** @jest-environment jsdom */
import { fireEvent, render, screen } from '@testing-library/react';
import { SessionEnded, UpdateRequired } from './Screens';

describe('blocking screens', () => {
  it('update required names both versions', () => {
    render(<UpdateRequired status={{ kind: 'update_required', clientVersion: '1.0.0', minClientVersion: '9.0.0' }} />);
    expect(screen.getByRole('alertdialog').textContent).toContain('Update required');
    expect(screen.getByRole('alertdialog').textContent).toContain('yours: 1.0.0, oldest accepted: 9.0.0');
  });

  it('session ended says why and offers to play here again', () => {
    let again = 0;
    render(<SessionEnded status={{ kind: 'ended', reason: 'replaced' }} onPlayAgain={() => again++} onSignOut={() => undefined} />);
    expect(screen.getByTestId('session-ended').textContent).toContain('You opened the game somewhere else');
    fireEvent.click(screen.getByText('Play here again'));
    expect(again).toBe(1);
  });

  it('an expired sign-in only offers to sign in', () => {
    render(<SessionEnded status={{ kind: 'ended', reason: 'signed_out' }} onPlayAgain={() => undefined} onSignOut={() => undefined} />);
    expect(screen.queryByText('Play here again')).toBeNull();
    expect(screen.getByText('Sign in')).toBeTruthy();
  });
});
