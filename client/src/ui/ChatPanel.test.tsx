/** @jest-environment jsdom */
import { fireEvent, render, screen } from '@testing-library/react';
import { ChatPanel } from './ChatPanel';
import { chatIntent } from '../test/fixtures';

const msg = (id: string, text: string, from = 'other') => ({ id, from: { id: from, name: from === 'me' ? 'Me' : 'Mallory' }, text, at: '2025-01-01T12:00:00Z' });

describe('ChatPanel', () => {
  it('shows what players write as text, never as HTML', () => {
    const evil = '<img src=x onerror="alert(1)"><b>bold</b>';
    const { container } = render(<ChatPanel chat={[msg('m1', evil)]} pending={[]} selfId="me" onSend={() => true} />);
    expect(screen.getByText(evil)).toBeTruthy();
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('.messages b:not(:first-of-type)')).toBeNull();
    expect(container.querySelectorAll('.messages li b')).toHaveLength(1); // the sender's name only
  });

  it('sends on Enter and clears the field when the message was taken', () => {
    const sent: string[] = [];
    render(<ChatPanel chat={[]} pending={[]} selfId="me" onSend={(t) => (sent.push(t), true)} />);
    const input = screen.getByLabelText<HTMLInputElement>('Message');
    input.focus();
    fireEvent.change(input, { target: { value: 'hello there' } });
    fireEvent.submit(input.form!);
    expect(sent).toEqual(['hello there']);
    expect(input.value).toBe('');
    expect(document.activeElement).not.toBe(input); // the arrow keys move again
  });

  it('keeps the text when it could not be sent', () => {
    render(<ChatPanel chat={[]} pending={[]} selfId="me" onSend={() => false} />);
    const input = screen.getByLabelText<HTMLInputElement>('Message');
    fireEvent.change(input, { target: { value: 'later' } });
    fireEvent.submit(input.form!);
    expect(input.value).toBe('later');
  });

  it('shows own messages on their way, greyed', () => {
    const pending = [{ intent: chatIntent(5, 'on its way'), worldId: 'w', sent: true, uncertain: false, reflected: false }];
    render(<ChatPanel chat={[msg('m1', 'hi', 'me')]} pending={pending} selfId="me" onSend={() => true} />);
    expect(screen.getByTestId('chat-pending').textContent).toContain('on its way');
    expect(screen.getByTestId('chat-message').className).toBe('mine');
  });

  it('counts as the server does and stops at 280', () => {
    render(<ChatPanel chat={[]} pending={[]} selfId="me" onSend={() => true} />);
    const input = screen.getByLabelText<HTMLInputElement>('Message');
    fireEvent.change(input, { target: { value: '  😀😀 hi  ' } });
    expect(screen.getByTestId('chat-counter').textContent).toBe('5/280');
    fireEvent.change(input, { target: { value: 'x'.repeat(560) } });
    expect(input.value).toHaveLength(280);
    expect(screen.getByTestId('chat-counter').textContent).toBe('280/280');
    expect(input.getAttribute('aria-describedby')).toBe(screen.getByTestId('chat-counter').id);
  });

  it('isolates names and text so a right-to-left override cannot reorder the line', () => {
    const rlo = '\u202Eevil';
    render(<ChatPanel chat={[{ ...msg('m1', `${rlo} text`), from: { id: 'x', name: `${rlo}name` } }]} pending={[]} selfId="me" onSend={() => true} />);
    expect(screen.getByTestId('chat-text').tagName).toBe('BDI');
    expect(screen.getByTestId('chat-from').tagName).toBe('BDI');
    expect(screen.getByTestId('chat-text').textContent).toBe(`${rlo} text`);
    expect(screen.getByRole('log').getAttribute('aria-live')).toBe('polite');
  });
});
