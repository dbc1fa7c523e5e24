/** @jest-environment jsdom */
import type { AuthResponse } from '@tilemud/contracts';
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { session } from '../auth';
import { HttpError } from '../api/http';
import { FakeApi } from '../test/fakes';
import { GuestUpgrade } from './GuestUpgrade';

const guestAuth = { accessToken: 'guest-access', tokenType: 'Bearer' as const, expiresIn: 900, player: { id: 'p1', username: 'guest_00c0ffee' }, refreshToken: 'guest-refresh', refreshExpiresIn: 60 };

describe('GuestUpgrade', () => {
  afterEach(() => session.set(null));

  it('is offered to guests only', () => {
    const { container } = render(<GuestUpgrade api={new FakeApi()} token="t" username="ada" />);
    expect(container.textContent).toBe('');
  });

  it('turns the guest into an account and keeps the new tokens, the old ones still its own', async () => {
    session.set(guestAuth);
    const api = new FakeApi();
    const sent: unknown[] = [];
    api.upgrade = async (token: string, username: string, password: string) => {
      sent.push([token, username, password]);
      return { ...guestAuth, accessToken: 'account-access', refreshToken: 'account-refresh', player: { id: 'p1', username } };
    };
    render(<GuestUpgrade api={api} token="guest-access" username="guest_00c0ffee" />);
    fireEvent.click(screen.getByTestId('upgrade-open'));
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'ada_lovelace' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'analytical engine' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByTestId('upgraded')).textContent).toContain('ada_lovelace');
    expect(sent).toEqual([['guest-access', 'ada_lovelace', 'analytical engine']]);
    expect(session.current()?.refreshToken).toBe('account-refresh');
    expect(session.owns('guest-access')).toBe(true);
    expect((JSON.parse(window.localStorage.getItem('tilemud.auth.v2')!) as { auth: AuthResponse }).auth.player.username).toBe('ada_lovelace');
  });

  it('says why a name is refused', async () => {
    const api = new FakeApi();
    api.upgrade = async () => {
      throw new HttpError(409, { code: 'USERNAME_TAKEN', category: 'conflict', message: 'taken', retryable: false });
    };
    render(<GuestUpgrade api={api} token="t" username="guest_00c0ffee" />);
    fireEvent.click(screen.getByTestId('upgrade-open'));
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'taken_name' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'long enough' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(screen.getByRole('alert').textContent).toBe('That username is taken.'));
  });
});
