import { CHAT_MAX_LENGTH, type ChatMessage } from '@tilemud/contracts';
import { useEffect, useId, useRef, useState } from 'react';
import { chatLength, clampChat } from '../game/chat';
import type { PendingIntent } from '../store/state';

interface Props {
  chat: readonly ChatMessage[];
  pending: readonly PendingIntent[];
  selfId: string;
  onSend: (text: string) => boolean;
  /** The message field, so Enter on the map can focus it. */
  inputRef?: React.RefObject<HTMLInputElement | null>;
}

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/**
 * World chat. Every text is rendered as a text node (nothing a player writes is ever HTML) inside
 * <bdi>, so a name or message in another direction, or with a U+202E override, cannot reorder
 * the text around it. The list is a polite live region: new messages are read out.
 */
export function ChatPanel({ chat, pending, selfId, onSend, inputRef }: Props) {
  const [text, setText] = useState('');
  const counterId = useId();
  const used = chatLength(text);
  const list = useRef<HTMLOListElement>(null);
  useEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [chat.length, pending.length]);

  const submit = (e: React.FormEvent) => {
    e.preventDefault();
    if (!onSend(text)) return;
    setText('');
    // Back to the map: the arrow keys move again (Enter comes back here).
    (e.currentTarget as HTMLFormElement).querySelector('input')?.blur();
  };

  return (
    <section className="panel chat" aria-label="Chat">
      <h2>Chat</h2>
      <ol ref={list} className="messages" data-testid="chat-messages" role="log" aria-live="polite" aria-relevant="additions" aria-label="Messages">
        {chat.map((m) => (
          <li key={m.id} className={m.from.id === selfId ? 'mine' : undefined} data-testid="chat-message">
            <time dateTime={m.at}>{time(m.at)}</time>{' '}
            <b>
              <bdi data-testid="chat-from">{m.from.name}</bdi>
            </b>{' '}
            <bdi className="text" data-testid="chat-text">
              {m.text}
            </bdi>
          </li>
        ))}
        {pending.map((p) =>
          p.intent.type === 'intent.chat' ? (
            <li key={`p${p.intent.intentSeq}`} className="mine sending" data-testid="chat-pending" title="sending…">
              <b>you</b> <bdi className="text">{p.intent.payload.text}</bdi>
              {p.holdUntil !== undefined ? <small> (waiting: too many messages)</small> : null}
            </li>
          ) : null,
        )}
      </ol>
      <form onSubmit={submit}>
        <input
          aria-label="Message"
          data-testid="chat-input"
          ref={inputRef}
          onKeyDown={(e) => e.key === 'Escape' && e.currentTarget.blur()}
          value={text}
          aria-describedby={counterId}
          placeholder="Press Enter to chat"
          onChange={(e) => setText(clampChat(e.target.value))}
        />
        <span id={counterId} className={`counter${used >= CHAT_MAX_LENGTH ? ' full' : ''}`} data-testid="chat-counter" aria-label={`${used} of ${CHAT_MAX_LENGTH} characters`}>
          {used}/{CHAT_MAX_LENGTH}
        </span>
        <button type="submit" disabled={!text.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
