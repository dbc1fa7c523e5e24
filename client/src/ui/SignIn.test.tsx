/** @jest-environment jsdom */
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { SignIn } from './SignIn';
import { HttpError } from '../api/http';
import { FakeApi } from '../test/fakes';

describe('SignIn', () => {
  it('plays as a guest', async () => {
    const signedIn: string[] = [];
    render(<SignIn api={new FakeApi()} onSignedIn={(a) => signedIn.push(a.player.username)} />);
    fireEvent.click(screen.getByTestId('guest'));
    await waitFor(() => expect(signedIn).toEqual(['Me']));
  });

  it('explains a refused sign-in', async () => {
    const api = new FakeApi();
    api.login = async () => {
      throw new HttpError(401, { code: 'INVALID_CREDENTIALS', category: 'auth', message: 'no', retryable: false });
    };
    render(<SignIn api={api} onSignedIn={() => undefined} />);
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'alice' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'wrong-password' } });
    fireEvent.click(screen.getByRole('button', { name: 'Sign in' }));
    expect((await screen.findByTestId('signin-error')).textContent).toBe('Wrong username or password.');
  });

  it('checks a new username and password against the contract before registering', async () => {
    const api = new FakeApi();
    let registered = 0;
    api.register = async (...args) => (registered++, new FakeApi().guest(...args));
    render(<SignIn api={api} onSignedIn={() => undefined} />);
    fireEvent.click(screen.getByRole('tab', { name: 'Register' }));
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'a!' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'longenough' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    expect((await screen.findByTestId('signin-error')).textContent).toMatch(/Username/);
    expect(registered).toBe(0);
  });

  it('has proper tabs: selected state, the panel they control, arrow keys to switch', () => {
    render(<SignIn api={new FakeApi()} onSignedIn={() => undefined} />);
    const [login, register] = screen.getAllByRole('tab');
    const panel = screen.getByRole('tabpanel');
    expect(login!.getAttribute('aria-selected')).toBe('true');
    expect(login!.getAttribute('aria-controls')).toBe(panel.id);
    expect(panel.getAttribute('aria-labelledby')).toBe(login!.id);
    expect([login!.tabIndex, register!.tabIndex]).toEqual([0, -1]);
    login!.focus();
    fireEvent.keyDown(login!, { key: 'ArrowRight' });
    expect(register!.getAttribute('aria-selected')).toBe('true');
    expect(document.activeElement).toBe(register);
    expect(panel.getAttribute('aria-labelledby')).toBe(register!.id);
    fireEvent.keyDown(register!, { key: 'ArrowRight' }); // wraps
    expect(login!.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(login!, { key: 'End' });
    expect(register!.getAttribute('aria-selected')).toBe('true');
  });
});
