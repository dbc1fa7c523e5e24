import { CHAT_MAX_LENGTH, type ChatMessage } from '@tilemud/contracts';
import { useEffect, useRef, useState } from 'react';
import type { PendingIntent } from '../store/state';

interface Props {
  chat: readonly ChatMessage[];
  pending: readonly PendingIntent[];
  selfId: string;
  onSend(text: string): boolean;
  /** The message field, so Enter on the map can focus it. */
  inputRef?: React.RefObject<HTMLInputElement | null>;
}

const time = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });

/** World chat. Every text is rendered as a text node: nothing a player writes is ever HTML. */
export function ChatPanel({ chat, pending, selfId, onSend, inputRef }: Props) {
  const [text, setText] = useState('');
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
      <ol ref={list} className="messages" data-testid="chat-messages">
        {chat.map((m) => (
          <li key={m.id} className={m.from.id === selfId ? 'mine' : undefined} data-testid="chat-message">
            <time dateTime={m.at}>{time(m.at)}</time> <b>{m.from.name}</b> <span className="text">{m.text}</span>
          </li>
        ))}
        {pending.map((p) =>
          p.intent.type === 'intent.chat' ? (
            <li key={`p${p.intent.intentSeq}`} className="mine sending" data-testid="chat-pending" title="sending…">
              <b>you</b> <span className="text">{p.intent.payload.text}</span>
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
          maxLength={CHAT_MAX_LENGTH * 2}
          placeholder="Press Enter to chat"
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" disabled={!text.trim()}>
          Send
        </button>
      </form>
    </section>
  );
}
